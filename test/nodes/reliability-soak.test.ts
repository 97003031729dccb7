/**
 * No loss under restarts: the poll node soak at CI scale (about 2,000 tickets, 20 restarts), see
 * test/helpers/poll-soak.ts. `npx tsx bench/soak.bench.ts` runs it at full scale. Loads the
 * compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';

import { runPollSoak } from '../helpers/poll-soak';
import { formatTable } from '../helpers/results-table';

/** A fixed seed keeps CI repeatable; CW_SOAK_SEED replays another run. */
const SEED = Number(process.env.CW_SOAK_SEED ?? 20250301);

describe('reliability: no loss under restarts (poll soak)', function () {
  this.timeout(60_000);

  it('emits every final (id, lastUpdated) pair exactly once over 20 restarts', async () => {
    const report = await runPollSoak({ tickets: 2000, restarts: 20, seed: SEED });
    console.log(
      `\n${formatTable(
        [
          {
            seed: report.seed,
            tickets: report.tickets,
            updates: report.updates,
            restarts: report.restarts,
            redeploys: report.redeploys,
            'mid-poll stops': report.stopsMidPoll,
            polls: report.polls,
            'poll errors': report.pollErrors,
            faults: report.faults,
            messages: report.messages,
            'changes emitted': report.changesEmitted,
            requests: report.requests,
            'final pairs': report.finalPairs,
            missing: report.missing.length,
            duplicates: report.duplicates.length,
            seconds: report.seconds.toFixed(1),
          },
        ],
        'Poll soak',
      )}\n`,
    );
    assert.equal(report.tickets, 2000);
    assert.equal(report.restarts, 20);
    assert.ok(report.redeploys >= 3, 'some restarts were redeploys');
    assert.ok(report.stopsMidPoll >= 3, 'some restarts stopped a running poll');
    assert.ok(report.faults >= 1 && report.pollErrors >= 1, 'some polls met faults');
    assert.deepEqual(
      report.missing.slice(0, 10),
      [],
      `${report.missing.length} final pairs never emitted`,
    );
    assert.deepEqual(
      report.duplicates.slice(0, 10),
      [],
      `${report.duplicates.length} pairs emitted twice`,
    );
    assert.ok(report.changesEmitted >= report.finalPairs);
  });
});
