/**
 * A real Node-RED (editor API, admin auth, comms, flows file) in a child process, with this
 * package installed in its userDir the way `npm install` in ~/.node-red does: linked into
 * node_modules, running from dist/. Tests talk to it over HTTP and the editor's websocket, and
 * read everything it printed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = '@msp-nodes/node-red-connectwise-manage';
const load = createRequire(__filename);

export interface AdminUser {
  username: string;
  password: string;
  /** Node-RED permission scope: `*` or `read`. */
  permissions: string;
}

export interface NodeRedProcessOptions {
  users: AdminUser[];
  /** Encrypts the credentials file, as a production settings.js does. */
  credentialSecret: string;
}

/** One message of the editor's websocket (`/comms`). */
export interface CommsMessage {
  topic: string;
  data: unknown;
}

export interface NodeRedProcess {
  url: string;
  userDir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** An access token for a user, as the editor's login gets it. */
  login(username: string, password: string): Promise<string>;
  /** Opens the editor's websocket, authenticates and subscribes to `topics`. */
  openComms(token: string, topics: string[]): Promise<CommsSession>;
  stop(): Promise<void>;
}

export interface CommsSession {
  messages: CommsMessage[];
  close(): void;
}

/** The `ws` client Node-RED itself depends on (no type declarations are installed). */
interface WebSocketLike {
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(text: string): void;
  close(): void;
}
type WebSocketConstructor = new (url: string) => WebSocketLike;

const CHILD_SCRIPT = `
const http = require('node:http');
const options = JSON.parse(process.env.CW_NODE_RED_OPTIONS);
const RED = require(options.nodeRedPath);
const server = http.createServer();
RED.init(server, {
  userDir: options.userDir,
  flowFile: 'flows.json',
  credentialSecret: options.credentialSecret,
  httpAdminRoot: '/',
  httpNodeRoot: '/api',
  uiHost: '127.0.0.1',
  adminAuth: { type: 'credentials', users: options.users },
  logging: { console: { level: 'trace', metrics: false, audit: true } },
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
});
server.on('request', RED.httpAdmin);
server.listen(0, '127.0.0.1', async () => {
  await RED.start();
  process.send({ port: server.address().port });
});
// Never outlive the test process that started it.
process.on('disconnect', () => process.exit(0));
process.on('message', async (message) => {
  if (message === 'stop') {
    await RED.stop();
    server.close();
    process.exit(0);
  }
});
`;

function withoutNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_OPTIONS;
  return copy;
}

export async function startNodeRedProcess(options: NodeRedProcessOptions): Promise<NodeRedProcess> {
  const bcrypt = load('bcryptjs') as { hashSync(text: string, rounds: number): string };
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'cw-node-red-'));
  mkdirSync(path.join(userDir, 'node_modules', '@msp-nodes'), { recursive: true });
  symlinkSync(PACKAGE_ROOT, path.join(userDir, 'node_modules', PACKAGE_NAME), 'dir');
  writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const script = path.join(userDir, 'start-node-red.js');
  writeFileSync(script, CHILD_SCRIPT);

  const childOptions = {
    nodeRedPath: load.resolve('node-red'),
    userDir,
    credentialSecret: options.credentialSecret,
    users: options.users.map((user) => ({
      username: user.username,
      // The lowest cost bcrypt allows: logging in is not what is under test.
      password: bcrypt.hashSync(user.password, 4),
      permissions: user.permissions,
    })),
  };
  let output = '';
  const child: ChildProcess = fork(script, [], {
    cwd: userDir,
    // A plain Node.js: not the test runner's loaders.
    execArgv: [],
    env: { ...withoutNodeOptions(process.env), CW_NODE_RED_OPTIONS: JSON.stringify(childOptions) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  const started = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Node-RED did not start:\n${output}`)), 30_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited with ${code}:\n${output}`));
    });
  });
  let port: number;
  try {
    port = await started;
  } catch (err) {
    child.kill();
    rmSync(userDir, { recursive: true, force: true });
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    userDir,
    output: () => output,
    async login(username, password) {
      const response = await fetch(`${url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'node-red-editor',
          grant_type: 'password',
          // A user may only ask for the scope it has.
          scope: options.users.find((user) => user.username === username)?.permissions ?? '*',
          username,
          password,
        }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`login of ${username} failed: ${response.status}`);
      return body.access_token;
    },
    async openComms(token, topics) {
      const WebSocket = load('ws') as WebSocketConstructor;
      const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
      const messages: CommsMessage[] = [];
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('open', () => socket.send(JSON.stringify({ auth: token })));
        socket.on('message', (data) => {
          const parsed = JSON.parse(data.toString('utf8')) as unknown;
          if (!Array.isArray(parsed)) {
            if ((parsed as { auth?: string }).auth === 'ok') {
              for (const topic of topics) socket.send(JSON.stringify({ subscribe: topic }));
              resolve();
            } else reject(new Error(`comms: ${JSON.stringify(parsed)}`));
            return;
          }
          messages.push(...(parsed as CommsMessage[]));
        });
      });
      return { messages, close: () => socket.close() };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send('stop');
        const timer = setTimeout(() => child.kill(), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
