/**
 * CwClient against raw axios with the same keep-alive agent, both talking to the simulator over
 * loopback: what the client's limiter, retry wrapper and answer handling cost per request.
 * Prints p50/p99 latency at concurrency 1 and throughput at concurrency 16, medians of 3 runs.
 *
 *   npx tsx bench/client.bench.ts [--quick] [--json]
 */
import * as http from 'node:http';

import axios, { type AxiosInstance } from 'axios';

import { CwClient } from '../src/core/client';
import type { ClientSettings } from '../src/core/http-types';
import { startSimulator } from '../src/simulator';
import { benchArgs, figureOf, report, runBench } from './lib/figures';

const args = benchArgs();
const RUNS = 3;
const SEQUENTIAL_REQUESTS = args.quick ? 300 : 1000;
const PARALLEL_REQUESTS = args.quick ? 1500 : 4000;
const PARALLEL_WORKERS = 16;
const WARMUP_REQUESTS = args.quick ? 100 : 300;

type Send = () => Promise<unknown>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latency(send: Send, count: number): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    await send();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(send: Send, count: number, workers: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) {
        next += 1;
        await send();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

async function warm(send: Send): Promise<void> {
  for (let i = 0; i < WARMUP_REQUESTS; i += 1) await send();
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const sim = await startSimulator();
  const { companyId, publicKey, privateKey, clientId } = sim.credentials;
  const baseUrl = sim.baseUrl();
  const path = '/system/info';

  const settings: ClientSettings = {
    baseUrl,
    companyId,
    publicKey,
    privateKey,
    clientId,
    timeoutMs: 30_000,
    retries: 3,
    concurrency: PARALLEL_WORKERS,
    ratePerMinute: 1_000_000,
    removeNulls: false,
  };
  const client = new CwClient(settings);
  const agent = new http.Agent({ keepAlive: true });
  const raw: AxiosInstance = axios.create({
    baseURL: baseUrl,
    httpAgent: agent,
    timeout: 30_000,
    auth: { username: `${companyId}+${publicKey}`, password: privateKey },
    headers: { clientId, Accept: 'application/json' },
  });

  const sendClient: Send = () => client.request({ method: 'get', path });
  const sendRaw: Send = () => raw.get(path);

  const results = {
    client: { p50: [] as number[], p99: [] as number[], rps: [] as number[] },
    axios: { p50: [] as number[], p99: [] as number[], rps: [] as number[] },
  };
  await warm(sendRaw);
  await warm(sendClient);
  for (let run = 0; run < RUNS; run += 1) {
    // Alternate the order so neither side always runs on a warmer process.
    const order: [keyof typeof results, Send][] =
      run % 2 === 0
        ? [
            ['axios', sendRaw],
            ['client', sendClient],
          ]
        : [
            ['client', sendClient],
            ['axios', sendRaw],
          ];
    for (const [name, send] of order) {
      const { p50, p99 } = await latency(send, SEQUENTIAL_REQUESTS);
      results[name].p50.push(p50);
      results[name].p99.push(p99);
    }
    for (const [name, send] of order) {
      results[name].rps.push(await throughput(send, PARALLEL_REQUESTS, PARALLEL_WORKERS));
    }
  }

  client.close();
  agent.destroy();
  await sim.stop();

  const rows = [
    ['p50 latency, c=1', 'p50', 'ms'],
    ['p99 latency, c=1', 'p99', 'ms'],
    [`throughput, c=${PARALLEL_WORKERS}`, 'rps', 'req/s'],
  ] as const;
  const figures = rows.flatMap(([label, key, unit]) => [
    figureOf(`${label}: CwClient`, unit, results.client[key], {
      baseline: { name: 'raw axios', values: results.axios[key] },
      ...(key === 'rps'
        ? {
            target: 'ratio >= 0.90',
            meets: (_median: number, ratio?: number) => (ratio ?? 0) >= 0.9,
          }
        : key === 'p50'
          ? {
              target: 'ratio <= 1.10',
              meets: (_median: number, ratio?: number) => (ratio ?? Infinity) <= 1.1,
            }
          : {}),
    }),
    figureOf(`${label}: raw axios`, unit, results.axios[key]),
  ]);
  report(
    'client',
    args,
    startedAt,
    [
      `GET ${path} against the simulator in the same process (one event loop for both ends), ${RUNS} runs in alternating order after ${WARMUP_REQUESTS} warm-up requests each`,
      `latency: ${SEQUENTIAL_REQUESTS} sequential requests per run; throughput: ${PARALLEL_REQUESTS} requests by ${PARALLEL_WORKERS} workers per run; raw axios shares the keep-alive agent settings and auth`,
    ],
    figures,
  );
}

runBench(main);
