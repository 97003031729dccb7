// The spec reporter, plus one closing line that names the run's Node.js and Node-RED and counts
// its tests ("Node 24.22.3 · Node-RED 5.0.7: N passed, N failed"): scripts/test-legs.js reads it.
const Mocha = require('mocha');

const { legSummary, selectedNodeRed } = require('../scripts/supported-versions');

class SpecWithCounts extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const nodeRed = selectedNodeRed().version;
    runner.once('end', () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      const node = process.versions.node;
      const line = legSummary({
        node,
        nodeRed,
        passed: passes,
        failed: failures,
        skipped: pending,
      });
      process.stdout.write(`${line}\n`);
    });
  }
}

module.exports = SpecWithCounts;
