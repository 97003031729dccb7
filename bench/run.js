/**
 * `npm run bench`: runs every benchmark, one after the other, and prints one table of their
 * figures with the machine they ran on; a full run of all of them also writes bench/results.md.
 *
 *   node bench/run.js [--quick] [--verbose] [--out file.md] [name ...]
 *
 * Names filter the benchmarks (a name matches when it is part of a benchmark's name). Each
 * benchmark runs in its own process (`tsx bench/<name>.bench.ts --json`), never two at once: on a
 * small machine they would measure each other. Benchmarks run on the default leg of the test
 * matrix (Node-RED 5.0 on Node.js 24); those that compare against Node-RED itself (start-up,
 * node throughput) also run on the first leg of every other Node-RED line.
 */
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { nodeBinary, nodeArguments } = require('../scripts/node-tools');
const {
  DEFAULT_LEG,
  LEGS,
  NODE_RED_ENV,
  NODE_RED_LINES,
  NODE_RELEASES,
  selectedNodeRed,
} = require('../scripts/supported-versions');

const ROOT = path.resolve(__dirname, '..');
const JSON_MARKER = '@@bench-json@@';
const RESULTS_FILE = path.join(__dirname, 'results.md');
const PARTIAL_RESULTS_FILE = path.join(__dirname, 'out', 'results.md');

/** In the order of the list of figures the package promises. `everyNodeRed`: on each line. */
const BENCHMARKS = [
  {
    name: 'node-throughput',
    about: 'connectwise-request vs the core http request node',
    everyNodeRed: true,
  },
  { name: 'client', about: 'CwClient overhead vs raw axios' },
  {
    name: 'startup',
    about: 'Node-RED start-up with and without the package',
    everyNodeRed: true,
  },
  { name: 'catalog', about: 'catalog compile, sizes, editor index request' },
  { name: 'poll', about: 'connectwise-poll: backlog drain and idle polls' },
  { name: 'paging', about: 'per-record paging over a long list' },
  { name: 'simulator', about: 'simulator throughput and seed sizes' },
  { name: 'soak', about: 'poll node across restarts and faults: nothing lost or repeated' },
  { name: 'queue', about: 'a connection through a 429 outage: waits and backlog drain' },
  { name: 'editor', about: 'the editor in Chromium: the picker and the conditions builder' },
  { name: 'change-tracking', about: 'watched-field snapshot: memory, stored size, diff time' },
  {
    name: 'coordination',
    about: 'a connection coordinated through Redis: added latency, throughput, poll takeover',
  },
];

/** The known benchmarks in their order, then any other bench/*.bench.ts in name order. */
function allBenchmarks() {
  const known = new Set(BENCHMARKS.map((benchmark) => benchmark.name));
  const found = fs
    .readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.slice(0, -'.bench.ts'.length))
    .sort();
  return [
    ...BENCHMARKS.filter((benchmark) => found.includes(benchmark.name)),
    ...found.filter((name) => !known.has(name)).map((name) => ({ name, about: name })),
  ];
}

const MINUTE = 60_000;

/** The benchmark process running now: stopped with the runner. */
let current;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    if (current) current.kill('SIGTERM');
    process.stderr.write(`\nstopped by ${signal}\n`);
    process.exit(130);
  });
}

function parseArguments(argv) {
  const options = { quick: false, verbose: false, out: undefined, filters: [], help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--out') {
      options.out = argv[++i];
      if (!options.out) throw new Error('--out: give a file name');
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else options.filters.push(arg.toLowerCase());
  }
  return options;
}

const USAGE = `Usage: npm run bench -- [--quick] [--verbose] [--out file.md] [name ...]
  --quick    fewer and smaller runs (the whole quick run takes under 3 minutes)
  --verbose  show each benchmark's own output as it runs
  --out      where to write the table (default: bench/results.md for a full run of every
             benchmark, bench/out/results.md otherwise)
  name       run only the benchmarks whose name contains it: ${allBenchmarks()
    .map((b) => b.name)
    .join(', ')}`;

/** The legs a benchmark runs on: the default leg, then each other line's first leg. */
function legsFor(benchmark) {
  if (!benchmark.everyNodeRed) return [DEFAULT_LEG];
  const others = Object.keys(NODE_RED_LINES)
    .filter((line) => line !== DEFAULT_LEG.nodeRed)
    .map((line) => LEGS.find((leg) => leg.nodeRed === line));
  return [DEFAULT_LEG, ...others];
}

function legLabel(leg) {
  return `Node-RED ${selectedNodeRed(leg.nodeRed).version} · Node.js ${NODE_RELEASES[leg.node]}`;
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return '';
  }
}

function machine() {
  const cpus = os.cpus();
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const changed = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    cores: cpus.length,
    cpu: cpus[0] ? cpus[0].model.replace(/\s+/g, ' ').trim() : 'unknown',
    ramGb: os.totalmem() / 1024 ** 3,
    defaultLeg: legLabel(DEFAULT_LEG),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverage: os.loadavg(),
    commit: commit ? `${commit}${changed ? ' (with uncommitted changes)' : ''}` : 'unknown',
  };
}

/** Newest modification time of the files under `dir` with one of `extensions`. */
function newestMtime(dir, extensions) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, extensions));
    else if (extensions.some((ext) => entry.name.endsWith(ext))) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

/** The nodes load from dist/ as an installed package does: it must be built. */
function checkBuild() {
  const required = [
    'dist/nodes/connectwise-request/index.js',
    'dist/nodes/connectwise-poll/index.js',
    'dist/catalog/index.json',
  ];
  const missing = required.filter((file) => !fs.existsSync(path.join(ROOT, file)));
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} not found: run \`npm run build\` first`);
  }
  const source = ['src/core', 'src/nodes', 'src/shared'].map((dir) =>
    newestMtime(path.join(ROOT, dir), ['.ts']),
  );
  const built = newestMtime(path.join(ROOT, 'dist'), ['.js']);
  if (Math.max(...source) > built) {
    process.stderr.write(
      'warning: src/ has changed since dist/ was built; the nodes run from dist/ ' +
        '(run `npm run build` to measure the current code)\n',
    );
  }
}

function runOne(benchmark, leg, options) {
  const file = path.join(__dirname, `${benchmark.name}.bench.ts`);
  const args = nodeArguments('tsx', [file, '--json', ...(options.quick ? ['--quick'] : [])]);
  const timeoutMs = options.quick ? 3 * MINUTE : 10 * MINUTE;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(nodeBinary(leg.node), args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', [NODE_RED_ENV]: leg.nodeRed },
    });
    current = child;
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\nstopped after ${timeoutMs / MINUTE} minutes`;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      const text = chunk.toString();
      stdout += text;
      if (options.verbose) {
        process.stdout.write(
          text
            .split('\n')
            .filter((line) => !line.startsWith(JSON_MARKER))
            .join('\n'),
        );
      }
    });
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      stderr += text;
      // Progress lines (indented) always; everything else only when asked.
      for (const line of text.split('\n')) {
        if (options.verbose || /^ {2}\S/.test(line)) process.stderr.write(`  ${line}\n`);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      const seconds = (Date.now() - started) / 1000;
      const line = stdout.split('\n').find((text) => text.startsWith(JSON_MARKER));
      if (code === 0 && line) {
        resolve({ ok: true, seconds, report: JSON.parse(line.slice(JSON_MARKER.length)) });
      } else {
        const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-8).join('\n');
        resolve({
          ok: false,
          seconds,
          error: `exited with ${signal || code}${line ? '' : ', no figures'}: ${tail}`,
        });
      }
    });
  });
}

function formatNumber(value, digits) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const places = digits ?? (abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
  return value.toLocaleString('en-US', {
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  });
}

function spreadText(figure) {
  if (figure.spreadKind === 'single') return '';
  const prefix = figure.spreadKind === 'p25–p75' ? 'p25–p75 ' : '';
  return `${prefix}${formatNumber(figure.low, figure.digits)}–${formatNumber(figure.high, figure.digits)}`;
}

function targetText(figure) {
  if (!figure.target) return '';
  if (figure.met === undefined) return figure.target;
  return `${figure.target}: ${figure.met ? 'met' : '**missed**'}`;
}

function escapeCell(text) {
  return String(text).replace(/\|/g, '\\|');
}

function renderTable(info, options, outcomes, totalSeconds) {
  const lines = [];
  const mode = options.quick ? 'quick run' : 'full run';
  const chosen = options.filters.length > 0 ? `, only: ${options.filters.join(', ')}` : '';
  lines.push(`# Benchmarks (${mode}${chosen})`, '');
  lines.push(
    'Generated by `npm run bench` (bench/run.js). Targets are shown, never asserted; ratios are ' +
      'against a baseline measured in the same script and run. Spread is min–max over the runs ' +
      'unless marked p25–p75 (quartiles of many samples).',
    '',
  );
  lines.push('| machine | |', '|---|---|');
  lines.push(`| date | ${info.date} |`);
  lines.push(`| CPU | ${info.cores} × ${escapeCell(info.cpu)} |`);
  lines.push(`| RAM | ${info.ramGb.toFixed(1)} GB |`);
  lines.push(`| OS | ${info.os} |`);
  lines.push(`| runs on (unless the table says otherwise) | ${info.defaultLeg} |`);
  lines.push(`| commit | ${info.commit} |`);
  lines.push(
    `| load average at start (1, 5, 15 min) | ${info.loadAverage.map((l) => l.toFixed(2)).join(', ')} |`,
  );
  lines.push(`| total time | ${(totalSeconds / 60).toFixed(1)} min |`, '');

  lines.push(
    '| benchmark | figure | unit | median | spread | runs | baseline | ratio | target |',
    '|---|---|---|---:|---:|---:|---|---:|---|',
  );
  for (const outcome of outcomes) {
    // Another leg than the default is named in the benchmark column.
    const name =
      outcome.leg === DEFAULT_LEG
        ? outcome.benchmark.name
        : `${outcome.benchmark.name} (${legLabel(outcome.leg)})`;
    if (!outcome.ok) {
      lines.push(`| ${name} | **failed**: see below | | | | | | | |`);
      continue;
    }
    for (const f of outcome.report.figures) {
      const baseline = f.baseline
        ? `${escapeCell(f.baseline.name)}: ${formatNumber(f.baseline.median, f.digits)}`
        : '';
      lines.push(
        `| ${name} | ${escapeCell(f.figure)} | ${f.unit} | ${formatNumber(f.median, f.digits)} | ` +
          `${spreadText(f)} | ${f.runs} | ${baseline} | ` +
          `${f.ratio !== undefined ? formatNumber(f.ratio, 3) : ''} | ${escapeCell(targetText(f))} |`,
      );
    }
  }

  const targets = outcomes
    .filter((outcome) => outcome.ok)
    .flatMap((outcome) => outcome.report.figures.filter((f) => f.met !== undefined));
  const missed = targets.filter((f) => !f.met);
  lines.push(
    '',
    `Targets: ${targets.length - missed.length} of ${targets.length} met` +
      (missed.length > 0 ? `; missed: ${missed.map((f) => escapeCell(f.figure)).join('; ')}` : ''),
    '',
  );

  lines.push('## How each benchmark ran', '');
  for (const outcome of outcomes) {
    const { name, about } = outcome.benchmark;
    lines.push(
      `- **${name}**, ${legLabel(outcome.leg)} (${about}; \`${NODE_RED_ENV}=${outcome.leg.nodeRed} ` +
        `node scripts/node-tools.js ${outcome.leg.node} tsx bench/${name}.bench.ts\`, ` +
        `${outcome.seconds.toFixed(0)} s, ` +
        `load average before: ${outcome.loadBefore.map((l) => l.toFixed(2)).join(', ')})`,
    );
    if (outcome.ok) {
      for (const note of outcome.report.notes) lines.push(`  - ${note}`);
    } else {
      lines.push('  - failed:', '', '```', outcome.error, '```', '');
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const benchmarks = allBenchmarks();
  const chosen = benchmarks.filter(
    (benchmark) =>
      options.filters.length === 0 || options.filters.some((f) => benchmark.name.includes(f)),
  );
  if (chosen.length === 0) {
    process.stderr.write(`no benchmark matches ${options.filters.join(', ')}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  checkBuild();
  const info = machine();
  process.stderr.write(
    `${chosen.length} benchmark(s), ${options.quick ? 'quick' : 'full'} run; load average ` +
      `${info.loadAverage.map((l) => l.toFixed(2)).join(', ')} on ${info.cores} cores\n`,
  );
  const started = Date.now();
  const outcomes = [];
  for (const benchmark of chosen) {
    for (const leg of legsFor(benchmark)) {
      const loadBefore = os.loadavg();
      process.stderr.write(`> ${benchmark.name} on ${legLabel(leg)}: ${benchmark.about}\n`);
      const outcome = await runOne(benchmark, leg, options);
      outcomes.push({ ...outcome, benchmark, leg, loadBefore });
      process.stderr.write(
        `< ${benchmark.name}: ${outcome.ok ? 'done' : 'FAILED'} in ${outcome.seconds.toFixed(0)} s\n`,
      );
    }
  }
  const table = renderTable(info, options, outcomes, (Date.now() - started) / 1000);
  const complete = !options.quick && chosen.length === benchmarks.length;
  const outFile = options.out
    ? path.resolve(options.out)
    : complete
      ? RESULTS_FILE
      : PARTIAL_RESULTS_FILE;
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, table);
  process.stdout.write(`\n${table}\nWritten to ${path.relative(process.cwd(), outFile)}\n`);
  if (outcomes.some((outcome) => !outcome.ok)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
