/**
 * A real Node-RED in a child process, started as a user starts it (`node red.js --userDir <dir>
 * --port <port> --settings <file>`), with this package installed in its userDir the way `npm
 * install` in ~/.node-red does: linked into node_modules, running from dist/. The HTTP settings
 * are Node-RED's defaults (admin and nodes both at `/`) unless a test names others. Tests talk to
 * it over HTTP and the editor's websocket, and read everything it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { nodeRed } from './node-red-under-test';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = '@msp-nodes/node-red-connectwise-manage';
const START_TIMEOUT_MS = 30_000;

export interface AdminUser {
  username: string;
  password: string;
  /** Node-RED permission scope: `*` or `read`. */
  permissions: string;
}

export interface NodeRedProcessOptions {
  /** adminAuth users; none: the editor and admin API are open, as in a default install. */
  users?: AdminUser[];
  /** Encrypts the credentials file, as a production settings.js does. */
  credentialSecret?: string;
  /** Left out: Node-RED's default (`/`). */
  httpAdminRoot?: string;
  /** Left out: Node-RED's default (`/`). */
  httpNodeRoot?: string;
  /** More settings, as JavaScript object properties (`httpNodeMiddleware: ...,`). */
  extraSettings?: string;
  /** Environment variables added to the process's. */
  env?: Record<string, string>;
  /**
   * A user's settings file to run with instead of the test defaults: its exports, with only what
   * this machine needs on top (loopback, the flows file in the userDir, no calls home) and
   * `extraSettings`. Its credentialSecret and logging stay as it has them.
   */
  settingsFile?: string;
}

/** One message of the editor's websocket (`/comms`). */
export interface CommsMessage {
  topic: string;
  data: unknown;
}

export interface NodeRedProcess {
  /** `http://127.0.0.1:PORT`: the server, without a root. */
  origin: string;
  /** The admin API and editor root, without a trailing slash (the origin by default). */
  url: string;
  /** The root of httpNode routes, without a trailing slash. */
  nodeUrl: string;
  userDir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** An access token for a user, as the editor's login gets it. */
  login(username: string, password: string): Promise<string>;
  /** Deploys `flow` (nodes may carry `credentials`) through the admin API, as the editor does. */
  deploy(flow: unknown[], token?: string): Promise<void>;
  /** Opens the editor's websocket, authenticates (with a token when adminAuth is on), subscribes. */
  openComms(token: string | undefined, topics: string[]): Promise<CommsSession>;
  /** Sends a signal (SIGKILL: dies at once, nothing closed; SIGSTOP: hangs); resolves once sent. */
  signal(signal: NodeJS.Signals): void;
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

function withoutNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_OPTIONS;
  return copy;
}

/** A port nothing listens on right now (Node-RED would report port 0 literally). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function rootOf(root: string | undefined): string {
  return (root ?? '/').replace(/^\/*/, '/').replace(/\/+$/, '');
}

function settingsSource(options: NodeRedProcessOptions, users: AdminUser[]): string {
  if (options.settingsFile) {
    const lines = [
      `uiHost: '127.0.0.1',`,
      `flowFile: 'flows.json',`,
      `telemetry: { enabled: false, updateNotification: false },`,
      `diagnostics: { enabled: false },`,
    ];
    if (options.extraSettings) lines.push(options.extraSettings);
    return `module.exports = {\n  ...require(${JSON.stringify(options.settingsFile)}),\n  ${lines.join('\n  ')}\n};\n`;
  }
  const lines = [
    `uiHost: '127.0.0.1',`,
    `flowFile: 'flows.json',`,
    `credentialSecret: ${JSON.stringify(options.credentialSecret ?? false)},`,
    `logging: { console: { level: 'trace', metrics: false, audit: true } },`,
    `telemetry: { enabled: false, updateNotification: false },`,
    `diagnostics: { enabled: false },`,
    `editorTheme: { tours: false, projects: { enabled: false } },`,
    `externalModules: { autoInstall: false, palette: { allowInstall: false } },`,
  ];
  if (options.httpAdminRoot !== undefined) {
    lines.push(`httpAdminRoot: ${JSON.stringify(options.httpAdminRoot)},`);
  }
  if (options.httpNodeRoot !== undefined) {
    lines.push(`httpNodeRoot: ${JSON.stringify(options.httpNodeRoot)},`);
  }
  if (users.length > 0) {
    lines.push(`adminAuth: { type: 'credentials', users: ${JSON.stringify(users)} },`);
  }
  if (options.extraSettings) lines.push(options.extraSettings);
  return `module.exports = {\n  ${lines.join('\n  ')}\n};\n`;
}

export async function startNodeRedProcess(
  options: NodeRedProcessOptions = {},
): Promise<NodeRedProcess> {
  const bcrypt = nodeRed.load('bcryptjs') as { hashSync(text: string, rounds: number): string };
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'cw-node-red-'));
  mkdirSync(path.join(userDir, 'node_modules', '@msp-nodes'), { recursive: true });
  symlinkSync(PACKAGE_ROOT, path.join(userDir, 'node_modules', PACKAGE_NAME), 'dir');
  writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const users = (options.users ?? []).map((user) => ({
    username: user.username,
    // The lowest cost bcrypt allows: logging in is not what is under test.
    password: bcrypt.hashSync(user.password, 4),
    permissions: user.permissions,
  }));
  const settingsFile = path.join(userDir, 'settings.js');
  writeFileSync(settingsFile, settingsSource(options, users));
  const redJs = nodeRed.cli;

  let output = '';
  let child: ChildProcess | undefined;
  let port = 0;
  // The free port may be taken between the check and Node-RED's listen: try another.
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    output = '';
    const started = spawn(
      process.execPath,
      [redJs, '--userDir', userDir, '--port', String(port), '--settings', settingsFile],
      {
        cwd: userDir,
        env: { ...withoutNodeOptions(process.env), ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const outcome = await new Promise<'started' | 'port in use' | Error>((resolve) => {
      const timer = setTimeout(
        () => resolve(new Error(`Node-RED did not start:\n${output}`)),
        START_TIMEOUT_MS,
      );
      // Node-RED logs "Started flows" before its HTTP server listens: wait for both.
      const check = (): void => {
        if (/Started flows/.test(output) && /Server now running|headless mode/.test(output)) {
          finish('started');
        } else if (/EADDRINUSE|port in use|Unable to listen/.test(output)) finish('port in use');
      };
      const finish = (result: 'started' | 'port in use' | Error): void => {
        clearTimeout(timer);
        started.stdout?.off('data', check);
        started.stderr?.off('data', check);
        resolve(result);
      };
      started.stdout?.on('data', check);
      started.stderr?.on('data', check);
      started.once('exit', (code) => finish(new Error(`Node-RED exited with ${code}:\n${output}`)));
    });
    if (outcome === 'started') child = started;
    else {
      started.kill();
      if (outcome instanceof Error && !/EADDRINUSE|port in use|Unable to listen/.test(output)) {
        rmSync(userDir, { recursive: true, force: true });
        throw outcome;
      }
    }
  }
  if (!child) {
    rmSync(userDir, { recursive: true, force: true });
    throw new Error(`Node-RED found no free port:\n${output}`);
  }
  const running = child;
  const origin = `http://127.0.0.1:${port}`;
  const url = `${origin}${rootOf(options.httpAdminRoot)}`;
  const nodeUrl = `${origin}${rootOf(options.httpNodeRoot)}`;

  return {
    origin,
    url,
    nodeUrl,
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
          scope: users.find((user) => user.username === username)?.permissions ?? '*',
          username,
          password,
        }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`login of ${username} failed: ${response.status}`);
      return body.access_token;
    },
    async deploy(flow, token) {
      const response = await fetch(`${url}/flows`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Node-RED-Deployment-Type': 'full',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(flow),
      });
      if (response.status !== 204 && response.status !== 200) {
        throw new Error(`deploy: ${response.status} ${await response.text()}`);
      }
    },
    async openComms(token, topics) {
      const WebSocket = nodeRed.load('ws') as WebSocketConstructor;
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`);
      const messages: CommsMessage[] = [];
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        const subscribe = (): void => {
          for (const topic of topics) socket.send(JSON.stringify({ subscribe: topic }));
          resolve();
        };
        socket.on('open', () => {
          if (token) socket.send(JSON.stringify({ auth: token }));
          else subscribe();
        });
        socket.on('message', (data) => {
          const parsed = JSON.parse(data.toString('utf8')) as unknown;
          if (!Array.isArray(parsed)) {
            if ((parsed as { auth?: string }).auth === 'ok') subscribe();
            else reject(new Error(`comms: ${JSON.stringify(parsed)}`));
            return;
          }
          messages.push(...(parsed as CommsMessage[]));
        });
      });
      return { messages, close: () => socket.close() };
    },
    signal(signal) {
      if (running.exitCode === null && running.signalCode === null) running.kill(signal);
    },
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        // A hung (stopped) process must run again to stop.
        running.kill('SIGCONT');
        // Node-RED stops its flows (closing nodes) on SIGINT, as after Ctrl-C.
        running.kill('SIGINT');
        const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
