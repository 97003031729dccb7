/**
 * Runs the mocha suites (.mocharc.json) once per leg of the test matrix, each on its own Node.js
 * and Node-RED, one leg after another. Each leg ends with its line from the reporter
 * (`Node 24.22.3 · Node-RED 5.0.7: N passed, N failed`); after the last leg come the legs'
 * lines again with their durations, and the very last line is the total: `N passed, N failed`.
 *
 *   node scripts/test-legs.js [mocha arguments...] [test files...]
 *   CW_LEGS=all node scripts/test-legs.js              every leg
 *   CW_LEGS=nr4-node22 node scripts/test-legs.js test/nodes/connectwise-poll.test.ts
 *
 * Without CW_LEGS only the default leg runs. Test files given run instead of the config's suites
 * (mocha itself would run both). Exits with 1 when any test failed or a leg did not report its
 * counts.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { nodeArguments, runOnNode } = require('./node-tools');
const {
  chosenLegs,
  legSummary,
  NODE_RED_ENV,
  NODE_RELEASES,
  parseLegSummary,
  selectedNodeRed,
} = require('./supported-versions');

/** Runs one leg; answers its counts as its reporter printed them, and how long it took. */
async function runLeg(leg, mochaArgs) {
  const started = Date.now();
  const nodeRed = selectedNodeRed(leg.nodeRed);
  let counts;
  let pending = '';
  const child = runOnNode(leg.node, nodeArguments('mocha', mochaArgs), {
    env: { ...process.env, [NODE_RED_ENV]: leg.nodeRed },
    onStdout(chunk) {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) counts = parseLegSummary(line) ?? counts;
    },
  });
  const code = await child;
  counts = parseLegSummary(pending) ?? counts;
  const minutes = (Date.now() - started) / 60_000;
  if (!counts) {
    // Mocha stopped before its reporter could count: the leg counts as one failure.
    counts = {
      node: NODE_RELEASES[leg.node],
      nodeRed: nodeRed.version,
      passed: 0,
      failed: 1,
      skipped: 0,
    };
    process.stdout.write(`${leg.name}: mocha exited with ${code} before it reported its counts\n`);
  }
  return { leg, counts, minutes, code };
}

/**
 * The mocha arguments: as given, except that when test files are named, the config comes
 * without its `spec` list (a copy in the temp folder), so only those files run.
 */
function mochaArguments(args) {
  const files = args.filter((arg, i) => !arg.startsWith('-') && args[i - 1] !== '--config');
  if (files.length === 0) return args;
  const configAt = args.indexOf('--config');
  const configFile = path.resolve(configAt >= 0 ? args[configAt + 1] : '.mocharc.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  delete config.spec;
  if (config.reporter) config.reporter = path.resolve(path.dirname(configFile), config.reporter);
  const only = path.join(os.tmpdir(), `cw-mocharc-${process.pid}.json`);
  fs.writeFileSync(only, JSON.stringify(config));
  process.once('exit', () => fs.rmSync(only, { force: true }));
  const rest = configAt >= 0 ? [...args.slice(0, configAt), ...args.slice(configAt + 2)] : args;
  return ['--config', only, ...rest];
}

async function main() {
  const legs = chosenLegs();
  const mochaArgs = mochaArguments(process.argv.slice(2));
  const results = [];
  for (const leg of legs) {
    process.stdout.write(`\n== ${leg.name}: Node-RED ${leg.nodeRed} on Node.js ${leg.node}\n`);
    results.push(await runLeg(leg, mochaArgs));
  }
  const total = { passed: 0, failed: 0, skipped: 0 };
  process.stdout.write('\n');
  for (const { counts, minutes } of results) {
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
    process.stdout.write(`${legSummary(counts)} (${minutes.toFixed(1)} min)\n`);
  }
  const skipped = total.skipped ? `, ${total.skipped} skipped` : '';
  process.stdout.write(`${total.passed} passed, ${total.failed} failed${skipped}\n`);
  const failed = total.failed > 0 || results.some((result) => result.code !== 0);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
