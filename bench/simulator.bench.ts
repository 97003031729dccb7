/**
 * Simulator throughput and memory. The simulator is bundled with esbuild (as compiled code runs,
 * without the TypeScript loader) and runs in a child process; the load comes from this one at
 * concurrency 16 over keep-alive connections, through a node:http keep-alive agent and through
 * raw sockets (a cheaper client, closer to the server's own ceiling on a 2-core machine).
 *   npx tsx bench/simulator.bench.ts [--quick] [--json]
 * Prints requests/s for GET by id, list (pageSize 25) and create (median and spread of 3 runs
 * of ~3 s, ~1 s when quick), then start time and RSS with 100 and 100,000 tickets.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import * as path from 'node:path';

import { buildSync } from 'esbuild';

import { benchArgs, figureOf, report, runBench, type Figure } from './lib/figures';

const args = benchArgs();
const ROOT = path.resolve(__dirname, '..');
// Two folders below the package root, as dist/simulator is, so the document is found the same way.
const CLI = path.join(ROOT, 'bench', 'out', 'simulator-cli.js');

function bundleSimulator(): void {
  buildSync({
    entryPoints: [path.join(ROOT, 'src', 'simulator', 'cli.ts')],
    outfile: CLI,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}
const CONCURRENCY = 16;
const RUN_MS = args.quick ? 1000 : 3000;
const RUNS = 3;
const AUTH = `Basic ${Buffer.from('msp+simPublicKey:simPrivateKey').toString('base64')}`;

interface Running {
  child: ChildProcess;
  baseUrl: string;
  startMs: number;
}

function startChild(args: string[]): Promise<Running> {
  const started = Date.now();
  const child = fork(CLI, ['--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API base:\s+(\S+)/.exec(output);
      if (match) resolve({ child, baseUrl: match[1], startMs: Date.now() - started });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

function stopChild(running: Running): Promise<void> {
  return new Promise((resolve) => {
    running.child.once('exit', () => resolve());
    running.child.kill('SIGTERM');
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

interface Call {
  method: string;
  path: string;
  body?: string;
}

function send(agent: Agent, baseUrl: string, call: Call): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: AUTH, clientId: 'bench' };
    if (call.body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(call.body));
    }
    const req = request(
      `${baseUrl}${call.path}`,
      { method: call.method, agent, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });
}

async function measure(
  baseUrl: string,
  next: (i: number) => Call,
  runMs = RUN_MS,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let done = 0;
  let failures = 0;
  const deadline = Date.now() + runMs;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const status = await send(agent, baseUrl, next(done));
        if (status >= 400) failures++;
        done++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} requests failed`);
  return done / seconds;
}

/** Raw keep-alive sockets: one request in flight per socket, answers framed by Content-Length. */
async function measureRaw(
  baseUrl: string,
  next: (i: number) => Call,
  runMs = RUN_MS,
): Promise<number> {
  const url = new URL(baseUrl);
  const deadline = Date.now() + runMs;
  const started = Date.now();
  let done = 0;
  let failures = 0;
  const wire = (call: Call): string => {
    const body = call.body ?? '';
    return (
      `${call.method} ${url.pathname}${call.path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${AUTH}\r\n` +
      `clientId: bench\r\nConnection: keep-alive\r\n` +
      (call.body
        ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
        : '') +
      `\r\n${body}`
    );
  };
  await Promise.all(
    Array.from(
      { length: CONCURRENCY },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname);
          let pending: Buffer = Buffer.alloc(0);
          const sendNext = (): void => {
            if (Date.now() >= deadline) {
              socket.end();
              resolve();
              return;
            }
            socket.write(wire(next(done)));
          };
          socket.on('connect', sendNext);
          socket.on('error', reject);
          socket.on('data', (chunk: Buffer) => {
            pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            for (;;) {
              const headerEnd = pending.indexOf('\r\n\r\n');
              if (headerEnd < 0) return;
              const head = pending.subarray(0, headerEnd).toString('latin1');
              const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
              if (pending.length < headerEnd + 4 + length) return;
              if (!/^HTTP\/1\.1 2/.test(head)) failures++;
              pending = pending.subarray(headerEnd + 4 + length);
              done++;
              sendNext();
            }
          });
        }),
    ),
  );
  if (failures > 0) throw new Error(`${failures} requests failed`);
  return done / ((Date.now() - started) / 1000);
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const TARGET_PER_SECOND = 3000;

async function main(): Promise<void> {
  const startedAt = performance.now();
  const figures: Figure[] = [];
  const scenarios: { name: string; call: (i: number) => Call }[] = [
    {
      name: 'GET by id',
      call: (i) => ({ method: 'GET', path: `/service/tickets/${(i % 100) + 1}` }),
    },
    {
      name: 'list (pageSize 25)',
      call: (i) => ({ method: 'GET', path: `/service/tickets?page=${(i % 4) + 1}&pageSize=25` }),
    },
    {
      name: 'create (POST ticket)',
      call: (i) => ({
        method: 'POST',
        path: '/service/tickets',
        body: JSON.stringify({ summary: `Bench ${i}`, company: { id: 1 + (i % 20) } }),
      }),
    },
  ];

  bundleSimulator();
  const sim = await startChild([]);
  console.log(
    `Simulator throughput: keep-alive, concurrency ${CONCURRENCY}, ${RUNS} runs of ${RUN_MS / 1000} s each`,
  );
  console.log('| operation | client | median req/s | min | max | spread | vs 3,000 req/s |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  const clients = [
    { name: 'http.Agent', run: measure },
    { name: 'raw socket', run: measureRaw },
  ];
  for (const scenario of scenarios) {
    // Creating grows the store: measured once, through the agent.
    for (const client of scenario.name.startsWith('create') ? clients.slice(0, 1) : clients) {
      await client.run(sim.baseUrl, scenario.call, 500); // warm-up, discarded
      const runs: number[] = [];
      for (let r = 0; r < RUNS; r++) runs.push(await client.run(sim.baseUrl, scenario.call));
      figures.push(
        figureOf(
          `${scenario.name}, ${client.name}`,
          'req/s',
          runs,
          // The promise is about GET requests.
          scenario.name === 'GET by id'
            ? {
                target: `>= ${fmt(TARGET_PER_SECOND)} req/s`,
                meets: (value) => value >= TARGET_PER_SECOND,
              }
            : {},
        ),
      );
      const mid = median(runs);
      const spread = ((Math.max(...runs) - Math.min(...runs)) / mid) * 100;
      console.log(
        `| ${scenario.name} | ${client.name} | ${fmt(mid)} | ${fmt(Math.min(...runs))} | ${fmt(Math.max(...runs))} | ` +
          `${fmt(spread, 1)}% | ${fmt(mid / 3000, 2)}x |`,
      );
    }
  }
  const smallRss = rssMb(sim.child.pid as number);
  const smallStart = sim.startMs;
  await stopChild(sim);

  const big = await startChild(['--tickets', '100000']);
  const bigRss = rssMb(big.child.pid as number);
  const timed = async (call: Call): Promise<number[]> => {
    const agent = new Agent({ keepAlive: true });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      await send(agent, big.baseUrl, call);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    agent.destroy();
    return times;
  };
  const countMs = await timed({
    method: 'GET',
    path: `/service/tickets/count?conditions=${encodeURIComponent('status/name = "New"')}`,
  });
  const pageMs = await timed({ method: 'GET', path: '/service/tickets?page=2000&pageSize=25' });
  const sortedMs = await timed({
    method: 'GET',
    path: `/service/tickets?orderBy=${encodeURIComponent('summary desc')}&pageSize=25`,
  });
  await stopChild(big);
  figures.push(
    figureOf('start with 100 tickets (process + document load)', 'ms', [smallStart]),
    figureOf('RSS with 100 tickets', 'MB', [smallRss]),
    figureOf('start with 100,000 tickets', 'ms', [big.startMs]),
    figureOf('RSS with 100,000 tickets', 'MB', [bigRss]),
    figureOf('100,000 tickets: count with conditions (full scan)', 'ms', countMs),
    figureOf('100,000 tickets: page 2,000 of 25, no conditions', 'ms', pageMs),
    figureOf('100,000 tickets: orderBy summary desc (full sort)', 'ms', sortedMs),
  );

  console.log('\nSeed size');
  console.log('| tickets | start (ms, incl. process and document load) | RSS (MB) |');
  console.log('|---:|---:|---:|');
  console.log(`| 100 | ${fmt(smallStart)} | ${fmt(smallRss, 1)} |`);
  console.log(`| 100,000 | ${fmt(big.startMs)} | ${fmt(bigRss, 1)} |`);
  console.log(`\nRSS ratio 100,000 / 100 tickets: ${fmt(bigRss / smallRss, 2)}x`);
  console.log('\nWith 100,000 tickets (median of 5 requests)');
  console.log('| request | ms |');
  console.log('|---|---:|');
  console.log(`| count with conditions (full scan) | ${fmt(median(countMs), 1)} |`);
  console.log(`| page 2,000 of 25, no conditions | ${fmt(median(pageMs), 1)} |`);
  console.log(`| orderBy summary desc (full sort) | ${fmt(median(sortedMs), 1)} |`);
  if (args.json) {
    report(
      'simulator',
      args,
      startedAt,
      [
        `simulator bundled with esbuild in a child process; load from this process at concurrency ${CONCURRENCY} over keep-alive connections, ${RUNS} runs of ${RUN_MS / 1000} s after a 0.5 s warm-up`,
        'requests with 100,000 tickets: 5 each, one at a time',
      ],
      figures,
    );
  }
}

runBench(main);
