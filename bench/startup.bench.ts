/**
 * What installing the package adds to Node-RED's start: `red.js` spawned with a fresh userDir,
 * without the package, with it linked into the userDir's node_modules, and with it plus a flow
 * that uses a connection and a request node. Runs alternate between the three.
 *
 *   npx tsx bench/startup.bench.ts [--quick] [--json]
 *
 * Time is from the spawn to "Started flows" and to the first answer of the admin API; memory is
 * VmRSS half a second after both, when start-up work has settled.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import {
  connectionFlowNode,
  PACKAGE_ROOT,
  requestFlowNode,
  type FlowNode,
} from './lib/embedded-node-red';
import { benchArgs, figureOf, report, runBench, type Figure } from './lib/figures';
import { startNodeRedProcess, type NodeRedProcessOptions } from './lib/node-red-process';
import { nodeRed } from '../test/helpers/node-red-under-test';

const args = benchArgs();
const RUNS = args.quick ? 3 : 5;
const SETTLE_MS = 500;

interface Variant {
  key: string;
  label: string;
  options: NodeRedProcessOptions;
}

const usingFlow: FlowNode[] = [
  { id: 'tab', type: 'tab', label: 'uses the package' },
  // Nothing listens on port 9: the nodes are only constructed, nothing is sent.
  connectionFlowNode('connection', 'http://127.0.0.1:9', 'msp'),
  requestFlowNode('request', {
    z: 'tab',
    x: 100,
    y: 100,
    connection: 'connection',
    operationId: 'getServiceTicketsById',
    params: [{ name: 'id', type: 'msg', value: 'payload' }],
    wires: [[]],
  }),
];

const WITHOUT: Variant = {
  key: 'without',
  label: 'without the package',
  options: { withPackage: false },
};
const WITH: Variant = {
  key: 'with',
  label: 'with the package, no flow using it',
  options: { withPackage: true },
};
const WITH_FLOW: Variant = {
  key: 'with-flow',
  label: 'with the package and a connection + request flow',
  options: {
    withPackage: true,
    flows: usingFlow,
    credentials: { connection: { publicKey: 'pub', privateKey: 'priv', clientId: 'client' } },
  },
};
// A quick run leaves out the flow that uses the nodes.
const VARIANTS = args.quick ? [WITHOUT, WITH] : [WITHOUT, WITH, WITH_FLOW];

interface Samples {
  flowsMs: number[];
  httpMs: number[];
  cpuMs: number[];
  rssMb: number[];
}

const REQUIRE_RUNS = args.quick ? 3 : 10;
/** Every node file the package declares, as Node-RED loads them. */
const NODE_FILES = Object.values(
  (
    JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      'node-red': { nodes: Record<string, string> };
    }
  )['node-red'].nodes,
).map((file) => path.join(PACKAGE_ROOT, file));

/**
 * The package's own share of the start, without Node-RED's noise: a fresh node process requires
 * every node file of the package (what Node-RED does when it loads the package) and reports the time and
 * the RSS it took.
 */
function requireCost(): { ms: number; rssMb: number } {
  const script = `
    const files = JSON.parse(process.argv[1]);
    const before = process.memoryUsage.rss();
    const started = performance.now();
    for (const file of files) require(file);
    const ms = performance.now() - started;
    console.log(JSON.stringify({ ms, rssMb: (process.memoryUsage.rss() - before) / 1048576 }));
  `;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(NODE_FILES)], {
    encoding: 'utf8',
  });
  return JSON.parse(output) as { ms: number; rssMb: number };
}

/** Node-RED starts without types it cannot load, saying so in its log. */
function checkPackageLoaded(output: string): void {
  if (/Waiting for missing types|Failed to register|Error loading/i.test(output)) {
    throw new Error(`the package's nodes did not load:\n${output}`);
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const samples = new Map<string, Samples>(
    VARIANTS.map((variant) => [variant.key, { flowsMs: [], httpMs: [], cpuMs: [], rssMb: [] }]),
  );
  // One start discarded, so disk caches are warm for every measured run.
  const warm = await startNodeRedProcess(WITH_FLOW.options);
  try {
    checkPackageLoaded(warm.output());
  } finally {
    await warm.stop();
  }

  for (let run = 0; run < RUNS; run += 1) {
    // Rotate the order so no variant always starts first.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]);
    for (const variant of order) {
      const red = await startNodeRedProcess(variant.options);
      try {
        if (variant.options.withPackage) checkPackageLoaded(red.output());
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const sample = samples.get(variant.key) as Samples;
        sample.flowsMs.push(red.startedFlowsMs);
        sample.httpMs.push(red.httpReadyMs);
        sample.rssMb.push(red.rssMb());
        sample.cpuMs.push(red.cpuMs());
      } finally {
        await red.stop();
      }
    }
  }

  const of = (variant: Variant): Samples => samples.get(variant.key) as Samples;
  const paired = (variant: Variant, key: keyof Samples): number[] =>
    of(variant)[key].map((value, i) => value - of(WITHOUT)[key][i]);
  const figures: Figure[] = [];
  for (const variant of VARIANTS) {
    const baseline = variant === WITHOUT ? undefined : WITHOUT;
    figures.push(
      figureOf(`time to "Started flows", ${variant.label}`, 'ms', of(variant).flowsMs, {
        ...(baseline ? { baseline: { name: 'without', values: of(baseline).flowsMs } } : {}),
      }),
      figureOf(`time to admin HTTP ready, ${variant.label}`, 'ms', of(variant).httpMs, {
        ...(baseline ? { baseline: { name: 'without', values: of(baseline).httpMs } } : {}),
      }),
      figureOf(`CPU time (user + sys) to ready, ${variant.label}`, 'ms', of(variant).cpuMs, {
        ...(baseline ? { baseline: { name: 'without', values: of(baseline).cpuMs } } : {}),
      }),
      figureOf(`RSS after start, ${variant.label}`, 'MB', of(variant).rssMb, {
        ...(baseline ? { baseline: { name: 'without', values: of(baseline).rssMb } } : {}),
      }),
    );
  }
  for (const variant of VARIANTS.filter((variant) => variant !== WITHOUT)) {
    figures.push(
      figureOf(
        `added time to "Started flows", ${variant.label}`,
        'ms',
        paired(variant, 'flowsMs'),
        {
          target: '<= 150 ms',
          meets: (median) => median <= 150,
        },
      ),
      // Other load only ever adds time: the fastest runs are the least disturbed.
      figureOf(
        `added time to "Started flows", fastest run vs fastest run, ${variant.label}`,
        'ms',
        [Math.min(...of(variant).flowsMs) - Math.min(...of(WITHOUT).flowsMs)],
        { target: '<= 150 ms', meets: (value) => value <= 150 },
      ),
      figureOf(`added CPU time to ready, ${variant.label}`, 'ms', paired(variant, 'cpuMs')),
      figureOf(`added RSS, ${variant.label}`, 'MB', paired(variant, 'rssMb'), {
        target: '<= 25 MB',
        meets: (median) => median <= 25,
      }),
    );
  }
  const requires = Array.from({ length: REQUIRE_RUNS }, requireCost);
  figures.push(
    figureOf(
      `require() of the ${NODE_FILES.length} node files in a fresh process`,
      'ms',
      requires.map((cost) => cost.ms),
    ),
    figureOf(
      'RSS added by that require()',
      'MB',
      requires.map((cost) => cost.rssMb),
    ),
  );
  report(
    'startup',
    args,
    startedAt,
    [
      `node ${path.relative(PACKAGE_ROOT, nodeRed.cli)} (Node-RED ${nodeRed.version}, Node.js ${process.versions.node}) -u <fresh tmp userDir> -p <free port>, editor on, ${RUNS} runs per variant in rotating order after one discarded start`,
      'with the package: a symlink in <userDir>/node_modules, loading nodes/*.js and dist/ as installed',
      'CPU time is less sensitive than wall time to other load on the machine',
      `added = paired difference with the "without" run of the same round (median, min–max); RSS read ${SETTLE_MS} ms after ready`,
    ],
    figures,
  );
}

runBench(main);
