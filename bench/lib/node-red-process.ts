/**
 * Node-RED as a user starts it (`node node_modules/node-red/red.js -u <userDir> -p <port>`), in its
 * own process with a fresh temporary userDir, with or without this package linked into the
 * userDir's node_modules. Times are taken from the spawn to the "Started flows" log line and to
 * the first answer of the admin HTTP API; memory is the process's RSS read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { nodeRed } from '../../test/helpers/node-red-under-test';
import { linkPackage, type FlowCredentials, type FlowNode } from './embedded-node-red';
import { rssMb } from './memory';

const RED_JS = nodeRed.cli;
const START_TIMEOUT_MS = 60_000;
const HTTP_POLL_MS = 10;

export interface NodeRedProcessOptions {
  withPackage: boolean;
  flows?: FlowNode[];
  credentials?: FlowCredentials;
}

export interface NodeRedProcess {
  pid: number;
  /** `http://127.0.0.1:PORT` (admin and editor root). */
  url: string;
  /** Spawn to the "Started flows" log line. */
  startedFlowsMs: number;
  /** Spawn to the first 200 from GET /settings. */
  httpReadyMs: number;
  rssMb(): number;
  /** User + system CPU time the process has used so far (10 ms resolution). */
  cpuMs(): number;
  /** Everything the process printed, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (Node-RED reports port 0 literally, so it gets a real one). */
export function freePort(): Promise<number> {
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

function settingsFile(port: number): string {
  return `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: false,
  logging: { console: { level: 'info', metrics: false, audit: false } },
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  editorTheme: { projects: { enabled: false }, tours: false },
};
`;
}

/** Clock ticks a second for /proc/<pid>/stat: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS;
}

function answers200(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGINT');
  });
}

export async function startNodeRedProcess(options: NodeRedProcessOptions): Promise<NodeRedProcess> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'cw-bench-red-'));
  const port = await freePort();
  const settingsPath = path.join(userDir, 'settings.js');
  writeFileSync(settingsPath, settingsFile(port));
  writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows ?? []));
  if (options.credentials) {
    writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(options.credentials));
  }
  if (options.withPackage) linkPackage(userDir);
  const url = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [RED_JS, '-u', userDir, '-p', String(port), '-s', settingsPath],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: userDir,
    },
  );
  let output = '';
  // If this process is stopped while Node-RED runs, Node-RED goes too.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(userDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const cleanUp = async (): Promise<void> => {
    await stopChild(child);
    process.off('exit', killOnExit);
    rmSync(userDir, { recursive: true, force: true });
  };

  try {
    const [startedFlowsMs, httpReadyMs] = await new Promise<[number, number]>((resolve, reject) => {
      let flowsAt: number | undefined;
      let httpAt: number | undefined;
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        if (err) {
          settled = true;
          clearTimeout(timeout);
          reject(err);
        } else if (flowsAt !== undefined && httpAt !== undefined) {
          settled = true;
          clearTimeout(timeout);
          resolve([flowsAt, httpAt]);
        }
      };
      const timeout = setTimeout(
        () => finish(new Error(`Node-RED did not start within ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      const onOutput = (chunk: Buffer): void => {
        output += chunk.toString();
        if (flowsAt === undefined && output.includes('Started flows')) {
          flowsAt = performance.now() - spawnedAt;
          finish();
        }
      };
      child.stdout?.on('data', onOutput);
      child.stderr?.on('data', onOutput);
      child.once('exit', (code) =>
        finish(new Error(`Node-RED exited with code ${code} while starting`)),
      );
      const poll = (): void => {
        if (settled) return;
        void answers200(`${url}/settings`).then((ok) => {
          if (ok) {
            httpAt = performance.now() - spawnedAt;
            finish();
          } else {
            setTimeout(poll, HTTP_POLL_MS);
          }
        });
      };
      poll();
    });
    return {
      pid: child.pid as number,
      url,
      startedFlowsMs,
      httpReadyMs,
      rssMb: () => rssMb(child.pid as number),
      cpuMs: () => cpuMs(child.pid as number),
      output: () => output,
      stop: cleanUp,
    };
  } catch (err) {
    await cleanUp();
    const tail = output.trim().split('\n').slice(-10).join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
}
