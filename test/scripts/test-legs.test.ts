/**
 * What CI reads from the test run: each leg's line with its Node.js and Node-RED and its counts,
 * the total on the very last line, and an exit code that fails the run when any test failed;
 * and the leg table itself (the versions a leg names are the versions it runs).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import {
  chosenLegs,
  LEGS,
  legSummary,
  NODE_RELEASES,
  parseLegSummary,
  runsOn,
  selectedNodeRed,
} from '../../scripts/supported-versions';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');

/** Runs the legs runner on one fixture suite, on the default leg; its output lines and exit code. */
function runLegs(fixture: string, legs?: string): { lines: string[]; status: number | null } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (legs === undefined) delete env.CW_LEGS;
  else env.CW_LEGS = legs;
  const run = spawnSync(process.execPath, ['scripts/test-legs.js', path.join(FIXTURES, fixture)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = `${run.stdout}${run.stderr}`.trimEnd().split('\n');
  return { lines, status: run.status };
}

describe('the test matrix', function () {
  this.timeout(60_000);

  it('ends a leg with its versions and counts, the run with the total, and fails on a failure', () => {
    const { lines, status } = runLegs('two-pass-one-fail.fixture.ts');
    const nodeRed = selectedNodeRed(LEGS[0].nodeRed).version;
    const leg = `Node ${NODE_RELEASES[LEGS[0].node]} · Node-RED ${nodeRed}: 2 passed, 1 failed`;
    assert.ok(lines.includes(leg), `the leg's line is printed:\n${lines.join('\n')}`);
    assert.equal(lines.at(-1), '2 passed, 1 failed');
    assert.equal(status, 1);
  });

  it('exits 0 when every test passed', () => {
    const { lines, status } = runLegs('one-pass.fixture.ts');
    assert.equal(lines.at(-1), '1 passed, 0 failed');
    assert.equal(status, 0);
  });

  it('names the legs there are when CW_LEGS names another', () => {
    const { lines, status } = runLegs('one-pass.fixture.ts', 'nr3-node18');
    assert.match(
      lines.join('\n'),
      /no leg "nr3-node18"; the legs are nr5-node24, nr5-node22, nr4-node22/,
    );
    assert.equal(status, 1);
  });

  it('runs the default leg unless CW_LEGS says otherwise, and every leg with all', () => {
    assert.deepEqual(chosenLegs(''), [LEGS[0]]);
    assert.deepEqual(chosenLegs('all'), LEGS);
    assert.deepEqual(
      chosenLegs('nr4-node22, nr5-node22').map((leg) => leg.name),
      ['nr4-node22', 'nr5-node22'],
    );
  });

  it('finds the installed Node-RED of each line, and knows which Node.js each accepts', () => {
    const five = selectedNodeRed('5.0');
    const four = selectedNodeRed('4.1');
    assert.match(five.version, /^5\.0\.\d+$/);
    assert.match(four.version, /^4\.1\.\d+$/);
    assert.equal(runsOn(five, 'v20.20.2'), false, 'Node-RED 5 refuses Node.js 20');
    for (const leg of LEGS) {
      assert.ok(runsOn(selectedNodeRed(leg.nodeRed), NODE_RELEASES[leg.node]), leg.name);
    }
  });

  it('reads back the line it prints', () => {
    const counts = { node: '24.22.3', nodeRed: '5.0.7', passed: 3, failed: 1, skipped: 2 };
    assert.deepEqual(parseLegSummary(legSummary(counts)), counts);
    assert.equal(parseLegSummary('3 passed, 1 failed'), undefined);
  });
});
