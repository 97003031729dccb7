/**
 * The poll node soak at full scale: 20,000 tickets created (and more updates) at random moments,
 * many in the same second, while the flow is stopped and started 50 times (some mid-poll, some
 * redeploys through the flows API) with server faults now and then; see test/helpers/poll-soak.ts.
 *   npx tsx bench/soak.bench.ts            (full scale, one run)
 *   npx tsx bench/soak.bench.ts --quick    (the CI scale: 2,000 tickets, 20 restarts, three seeds)
 * Run `npx tsc -p tsconfig.json` first: the nodes load from dist/. Prints what happened and the
 * figures that matter: final (id, lastUpdated) pairs missing or emitted twice (target 0).
 */
import { runPollSoak, type SoakReport } from '../test/helpers/poll-soak';
import { formatTable } from '../test/helpers/results-table';
import { benchArgs, figureOf, report, runBench } from './lib/figures';

const FULL = { tickets: 20_000, restarts: 50, seeds: [20250301] };
const QUICK = { tickets: 2000, restarts: 20, seeds: [20250301, 7, 42] };

const ZERO = { target: '0', meets: (median: number) => median === 0, digits: 0 };

runBench(async () => {
  const args = benchArgs();
  const scale = args.quick ? QUICK : FULL;
  const startedAt = performance.now();
  const runs: SoakReport[] = [];
  for (const seed of scale.seeds) {
    const run = await runPollSoak({
      tickets: scale.tickets,
      restarts: scale.restarts,
      seed,
      progress: (line) => {
        if (/^restart \d*0\//.test(line)) process.stderr.write(`  seed ${seed}, ${line}\n`);
      },
    });
    runs.push(run);
  }
  const rows = runs.map((run) => ({
    seed: run.seed,
    tickets: run.tickets,
    updates: run.updates,
    restarts: run.restarts,
    redeploys: run.redeploys,
    'mid-poll stops': run.stopsMidPoll,
    polls: run.polls,
    'poll errors': run.pollErrors,
    faults: run.faults,
    messages: run.messages,
    'changes emitted': run.changesEmitted,
    requests: run.requests,
    'final pairs': run.finalPairs,
    missing: run.missing.length,
    duplicates: run.duplicates.length,
    seconds: run.seconds.toFixed(1),
  }));
  console.log(`\n${formatTable(rows, 'Poll soak runs')}`);
  const values = (pick: (run: SoakReport) => number): number[] => runs.map(pick);
  report(
    'soak',
    args,
    startedAt,
    [
      `${scale.tickets.toLocaleString('en-US')} tickets, ${scale.restarts} restarts, ` +
        `seeds ${scale.seeds.join(', ')}; simulator on a frozen clock in this process`,
      'missing: final (id, lastUpdated) pairs never emitted; duplicates: pairs emitted twice',
    ],
    [
      figureOf(
        'final pairs missing',
        'pairs',
        values((run) => run.missing.length),
        ZERO,
      ),
      figureOf(
        'pairs emitted twice',
        'pairs',
        values((run) => run.duplicates.length),
        ZERO,
      ),
      figureOf(
        'changes emitted per final pair',
        'ratio',
        values((run) => run.changesEmitted / run.finalPairs),
        { digits: 2 },
      ),
      figureOf(
        'run time',
        's',
        values((run) => run.seconds),
        { digits: 1 },
      ),
    ],
  );
  const missing = runs.flatMap((run) => run.missing).slice(0, 5);
  const duplicates = runs.flatMap((run) => run.duplicates).slice(0, 5);
  if (missing.length > 0) console.log(`first missing: ${missing.join(', ')}`);
  if (duplicates.length > 0) console.log(`first duplicates: ${duplicates.join(', ')}`);
});
