/**
 * A connection through a throttling outage: 8 requests a second keep arriving while ConnectWise
 * answers every request 429 (Retry-After 5 s) for 20 seconds, then recovers. Measures how long
 * requests wait for an outcome and how long the backlog takes to drain after the outage, with the
 * connection's default bounds (a request waits at most the timeout, 1,000 wait at most) against
 * the same limiter without bounds.
 *
 *   npx tsx bench/queue.bench.ts [--quick] [--json]
 */
import { CwClient } from '../src/core/client';
import { resolveClientSettings } from '../src/core/connection-settings';
import { CwError } from '../src/core/errors';
import { CONNECTION_DEFAULTS } from '../src/shared/node-configs';
import { startSimulator, type Simulator } from '../src/simulator';
import { benchArgs, figureOf, percentileOf, report, runBench, type Figure } from './lib/figures';

const args = benchArgs();
const OUTAGE_S = args.quick ? 6 : 20;
const AFTER_S = args.quick ? 12 : 40;
const PER_SECOND = 8;
const RETRY_AFTER_S = 5;
const PATH = '/service/tickets/1';

interface Result {
  waitsMs: number[];
  drainMs: number;
  codes: Record<string, number>;
  peakQueued: number;
}

async function run(sim: Simulator, bounded: boolean): Promise<Result> {
  const settings = resolveClientSettings(
    { ...CONNECTION_DEFAULTS, site: 'custom', host: sim.url, companyId: sim.credentials.companyId },
    sim.credentials,
  );
  const client = new CwClient(
    bounded ? settings : { ...settings, maxWaitMs: undefined, maxQueue: undefined },
  );
  sim.faults.add({ kind: 429, count: Infinity, retryAfter: RETRY_AFTER_S, match: { path: PATH } });
  const started = Date.now();
  const outageEnds = started + OUTAGE_S * 1000;
  const inputEnds = outageEnds + AFTER_S * 1000;
  const waitsMs: number[] = [];
  const codes: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  let peakQueued = 0;
  let drainedAt: number | undefined;
  let recovered = false;
  const sampler = setInterval(() => {
    const { queued, running } = client.limiterStats;
    peakQueued = Math.max(peakQueued, queued);
    if (!recovered && Date.now() >= outageEnds) {
      sim.faults.clear();
      recovered = true;
    }
    // Drained: after the outage, nothing waits and at most the steady flow is on the wire.
    if (recovered && drainedAt === undefined && queued === 0 && running <= 1)
      drainedAt = Date.now();
    if (queued > 0) drainedAt = undefined;
  }, 50);
  while (Date.now() < inputEnds) {
    const sentAt = Date.now();
    pending.push(
      client.request({ method: 'get', path: PATH }).then(
        () => {
          codes.OK = (codes.OK ?? 0) + 1;
          waitsMs.push(Date.now() - sentAt);
        },
        (err: unknown) => {
          const code = err instanceof CwError ? err.code : 'OTHER';
          codes[code] = (codes[code] ?? 0) + 1;
          waitsMs.push(Date.now() - sentAt);
        },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / PER_SECOND));
  }
  await Promise.all(pending);
  clearInterval(sampler);
  client.close();
  sim.faults.clear();
  return {
    waitsMs: waitsMs.sort((a, b) => a - b),
    drainMs: (drainedAt ?? Date.now()) - outageEnds,
    codes,
    peakQueued,
  };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const sim = await startSimulator();
  const bounded = await run(sim, true);
  const unbounded = await run(sim, false);
  await sim.stop();
  const seconds = (ms: number): number => ms / 1000;
  const figures: Figure[] = [
    figureOf('backlog drained after the outage, default bounds', 's', [seconds(bounded.drainMs)], {
      baseline: { name: 'no bounds', values: [seconds(unbounded.drainMs)] },
      target: 'ratio <= 1.0',
      meets: (_median, ratio) => (ratio ?? Infinity) <= 1,
    }),
    figureOf(
      'longest wait for an outcome, default bounds',
      's',
      [seconds(bounded.waitsMs.at(-1) ?? 0)],
      {
        baseline: { name: 'no bounds', values: [seconds(unbounded.waitsMs.at(-1) ?? 0)] },
        target: '<= (retries + 1) x (timeout + Retry-After) = 140 s',
        meets: (median) => median <= 140,
      },
    ),
    figureOf(
      'p50 wait for an outcome, default bounds',
      's',
      [seconds(percentileOf(bounded.waitsMs, 50))],
      { baseline: { name: 'no bounds', values: [seconds(percentileOf(unbounded.waitsMs, 50))] } },
    ),
    figureOf('most requests waiting at once, default bounds', 'requests', [bounded.peakQueued], {
      baseline: { name: 'no bounds', values: [unbounded.peakQueued] },
    }),
  ];
  const outcome = (result: Result): string =>
    Object.entries(result.codes)
      .map(([code, count]) => `${count} ${code}`)
      .join(', ');
  report(
    'queue',
    args,
    startedAt,
    [
      `CwClient with the connection's defaults (timeout 30 s, 3 retries, 4 at once, 600 a minute) on the simulator; ${PER_SECOND} requests a second for ${OUTAGE_S + AFTER_S} s, every request answered 429 with Retry-After ${RETRY_AFTER_S} s for the first ${OUTAGE_S} s`,
      `outcomes with bounds: ${outcome(bounded)}; without: ${outcome(unbounded)}`,
      'drained: the first moment after the outage from which no request waits in the queue',
    ],
    figures,
  );
}

runBench(main);
