/**
 * The simulator in a child process, so its work does not share the event loop (or the RSS) of
 * the Node-RED runtime being measured. The child is bundled with esbuild into bench/out/ and runs
 * without the TypeScript loader, as compiled code would.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

import { buildSync } from 'esbuild';

import type { SimulatorOptions } from '../../src/simulator';
import type { SimulatorReady } from './simulator-child';

const ROOT = path.resolve(__dirname, '..', '..');
// Two folders below the package root, as dist/simulator is, so the document is found the same way.
const CHILD = path.join(ROOT, 'bench', 'out', 'simulator-child.js');
const START_TIMEOUT_MS = 120_000;

export interface SimulatorProcess {
  url: string;
  baseUrl: string;
  credentials: SimulatorReady['credentials'];
  pid: number;
  /** From the child's first line of code to listening with its seed loaded. */
  startMs: number;
  stop(): Promise<void>;
}

let bundled = false;

function bundleChild(): void {
  if (bundled) return;
  buildSync({
    entryPoints: [path.join(__dirname, 'simulator-child.ts')],
    outfile: CHILD,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  bundled = true;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGTERM');
  });
}

/** Starts the simulator in a child on a free loopback port. */
export async function startSimulatorProcess(
  options: Omit<SimulatorOptions, 'port' | 'host'> = {},
): Promise<SimulatorProcess> {
  bundleChild();
  const child = fork(CHILD, [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const ready = await new Promise<SimulatorReady>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the simulator did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.once('message', (message: SimulatorReady) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited with code ${code} before it was ready`));
    });
  });
  return {
    url: ready.url,
    baseUrl: ready.baseUrl,
    credentials: ready.credentials,
    pid: child.pid as number,
    startMs: ready.startMs,
    stop: () => stopChild(child),
  };
}
