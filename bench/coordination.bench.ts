/**
 * What coordinating a connection through Redis costs, against a real redis-server on loopback:
 * the latency it adds per request (shared rate limit and shared concurrency, one script and one
 * round trip together) at one request at a time, the throughput with 16 in flight against the same client with its
 * local limiter only, and how long a poll node's takeover takes after the instance holding its
 * lease stops (the lease runs out, then a standby's next check takes it).
 *
 *   npx tsx bench/coordination.bench.ts [--quick] [--json]
 */
import { CwClient } from '../src/core/client';
import type { ClientSettings } from '../src/core/http-types';
import { PollLease } from '../src/core/poll-lease';
import { RedisCoordinator } from '../src/core/redis-coordinator';
import { coordinationPrefix, type RedisSettings } from '../src/core/redis-settings';
import { leaseCheckMs } from '../src/nodes/connectwise-poll/poll-runner';
import { startSimulator } from '../src/simulator';
import { startRedisServer } from '../test/helpers/redis-server';
import { benchArgs, figureOf, percentileOf, report, runBench, type Figure } from './lib/figures';

const args = benchArgs();
const RUNS = 5;
const SEQUENTIAL_REQUESTS = args.quick ? 300 : 1000;
const PARALLEL_REQUESTS = args.quick ? 1500 : 4000;
const WORKERS = 16;
const THROUGHPUT_TURNS = 8;
const LEASE_MS = 3000;
const FAILOVERS = args.quick ? 2 : 3;

type Send = () => Promise<unknown>;

const p50 = (values: number[]): number =>
  percentileOf(
    [...values].sort((a, b) => a - b),
    50,
  );

async function timed(send: Send): Promise<number> {
  const started = process.hrtime.bigint();
  await send();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Measures each sender `turns` times, the senders taking turns (in the order A B B A …), so a
 * change in how busy the shared machine is falls on all of them alike instead of on whichever
 * ran its share later. Returns each sender's measurements.
 */
async function takeTurns<Name extends string>(
  sends: Record<Name, Send>,
  turns: number,
  measure: (send: Send) => Promise<number>,
): Promise<Record<Name, number[]>> {
  const names = Object.keys(sends) as Name[];
  const taken = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    Name,
    number[]
  >;
  for (let turn = 0; turn < turns; turn += 1) {
    for (const name of turn % 2 === 0 ? names : [...names].reverse()) {
      taken[name].push(await measure(sends[name]));
    }
  }
  return taken;
}

const eachOf = <Name extends string>(
  taken: Record<Name, number[]>,
  reduce: (values: number[]) => number,
): Record<Name, number> =>
  Object.fromEntries(
    (Object.keys(taken) as Name[]).map((name) => [name, reduce(taken[name])]),
  ) as Record<Name, number>;

/** One request at a time, taking turns request by request: each sender's p50 in ms. */
async function interleavedP50<Name extends string>(
  sends: Record<Name, Send>,
  count: number,
): Promise<Record<Name, number>> {
  return eachOf(await takeTurns(sends, count, timed), p50);
}

/** Seconds to send `count` requests with WORKERS in flight. */
async function burst(send: Send, count: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < count) {
        next += 1;
        await send();
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Requests a second with WORKERS in flight, taking turns in THROUGHPUT_TURNS bursts each: each
 * sender's requests over its own time.
 */
async function interleavedThroughput<Name extends string>(
  sends: Record<Name, Send>,
  count: number,
): Promise<Record<Name, number>> {
  const perBurst = Math.ceil(count / THROUGHPUT_TURNS);
  const seconds = await takeTurns(sends, THROUGHPUT_TURNS, (send) => burst(send, perBurst));
  return eachOf(seconds, (values) => (perBurst * values.length) / values.reduce((a, b) => a + b));
}

/** From the moment the holder stops renewing to the moment a standby checking as poll nodes do holds it. */
async function failover(redis: RedisSettings): Promise<number> {
  const options = { ratePerMinute: 600, concurrency: 4, attemptMs: 10_000 };
  const holder = await RedisCoordinator.connect(redis, options);
  const standby = await RedisCoordinator.connect(redis, options);
  await Promise.all([holder.whenAvailable(5000), standby.whenAvailable(5000)]);
  const name = `bench-${Date.now()}`;
  const held = new PollLease(holder, name);
  const waiting = new PollLease(standby, name);
  if ((await held.hold()) !== 'taken') throw new Error('the first instance did not get the lease');
  // The holder renews as a poll node does, then stops without giving the lease up (killed).
  await new Promise((resolve) => setTimeout(resolve, leaseCheckMs(LEASE_MS)));
  await held.hold();
  const stoppedAt = Date.now();
  await holder.close();
  for (;;) {
    const state = await waiting.hold();
    if (state === 'taken') break;
    await new Promise((resolve) => setTimeout(resolve, leaseCheckMs(LEASE_MS)));
  }
  const took = Date.now() - stoppedAt;
  await waiting.release();
  await standby.close();
  return took;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const [sim, server] = await Promise.all([startSimulator(), startRedisServer()]);
  const settings: ClientSettings = {
    baseUrl: sim.baseUrl(),
    ...sim.credentials,
    timeoutMs: 30_000,
    retries: 3,
    concurrency: WORKERS,
    ratePerMinute: 1_000_000,
    removeNulls: false,
  };
  const redis: RedisSettings = {
    url: server.url,
    tls: false,
    prefix: coordinationPrefix(settings.baseUrl, settings.companyId, settings.publicKey),
    leaseMs: LEASE_MS,
  };
  const coordinator = await RedisCoordinator.connect(redis, {
    ratePerMinute: settings.ratePerMinute,
    concurrency: settings.concurrency,
    attemptMs: settings.timeoutMs + 5000,
  });
  await coordinator.whenAvailable(5000);
  const local = new CwClient(settings);
  const shared = new CwClient(settings, { gate: coordinator });
  const { Redis } = await import('ioredis');
  const ping = new Redis(server.url);
  const sends: Record<'local' | 'shared', Send> = {
    local: () => local.request({ method: 'get', path: '/system/info' }),
    shared: () => shared.request({ method: 'get', path: '/system/info' }),
  };
  const results = {
    local: { p50: [] as number[], rps: [] as number[] },
    shared: { p50: [] as number[], rps: [] as number[] },
    ping: [] as number[],
  };
  const timedSends = { ...sends, ping: () => ping.ping() };
  // Both paths warmed up the way they are measured, one at a time and 16 in flight, so neither
  // pays the other's compilation in its first run.
  await interleavedP50(timedSends, 300);
  await interleavedThroughput(sends, 1000);
  for (let run = 0; run < RUNS; run += 1) {
    const round = await interleavedP50(timedSends, SEQUENTIAL_REQUESTS);
    results.local.p50.push(round.local);
    results.shared.p50.push(round.shared);
    results.ping.push(round.ping);
    const rates = await interleavedThroughput(sends, PARALLEL_REQUESTS);
    results.local.rps.push(rates.local);
    results.shared.rps.push(rates.shared);
  }
  local.close();
  shared.close();
  ping.disconnect();
  await coordinator.close();
  const failovers: number[] = [];
  for (let run = 0; run < FAILOVERS; run += 1) failovers.push(await failover(redis));
  await Promise.all([sim.stop(), server.stop()]);

  const added = results.shared.p50.map((p50, index) => p50 - results.local.p50[index]);
  // Side by side within a round: what a busy machine takes from both runs of a round cancels out.
  const paired = results.shared.rps.map((rps, index) => rps / results.local.rps[index]);
  const figures: Figure[] = [
    figureOf('added latency p50, c=1: coordinated vs local limiter', 'ms', added, {
      target: '<= 0.5 ms',
      meets: (median) => median <= 0.5,
    }),
    figureOf('latency p50, c=1: coordinated', 'ms', results.shared.p50, {
      baseline: { name: 'local limiter', values: results.local.p50 },
    }),
    figureOf('Redis round trip p50 (PING), c=1, taken in the same turns', 'ms', results.ping),
    figureOf(
      "added latency beyond one Redis round trip: the coordinator's own cost",
      'ms',
      added.map((ms, index) => ms - results.ping[index]),
    ),
    figureOf(`throughput, c=${WORKERS}: coordinated`, 'req/s', results.shared.rps, {
      baseline: { name: 'local limiter', values: results.local.rps },
      target: 'ratio >= 0.90',
      meets: (_median, ratio) => (ratio ?? 0) >= 0.9,
    }),
    figureOf(
      `throughput, c=${WORKERS}: coordinated / local limiter in the same round`,
      '×',
      paired,
      {
        digits: 2,
      },
    ),
    figureOf(
      `poll takeover after the holder stops, lease ${LEASE_MS / 1000} s`,
      's',
      failovers.map((ms) => ms / 1000),
      {
        target: `<= lease + 1 s = ${LEASE_MS / 1000 + 1} s`,
        meets: (median) => median <= LEASE_MS / 1000 + 1,
      },
    ),
  ];
  report(
    'coordination',
    args,
    startedAt,
    [
      `GET /system/info against the simulator in the same process, CwClient with its local limiter only against the same client coordinated through redis-server on loopback (one script takes the rate point and the concurrency slot, and carries the slots given back since: one round trip per attempt), ${RUNS} rounds after a warm-up of both at one and at ${WORKERS} in flight; one at a time the two clients (and a PING for reference) take turns request by request, at ${WORKERS} in flight they take turns in ${THROUGHPUT_TURNS} bursts each`,
      `takeover: a holder renewing its lease as poll nodes do (every ${leaseCheckMs(LEASE_MS)} ms) stops without giving it up; a standby asks at the same interval; ${FAILOVERS} runs`,
    ],
    figures,
  );
}

runBench(main);
