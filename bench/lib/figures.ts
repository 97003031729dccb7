/**
 * What every benchmark reports: figures with a median and a spread over several runs, the
 * baseline measured in the same script and the ratio against it, and the target (shown, never
 * asserted). Run directly, a benchmark prints its own table; with `--json` it also prints one line
 * that `bench/run.js` collects into the combined table.
 */

/** The line prefix `bench/run.js` looks for; the rest of the line is a BenchReport. */
export const JSON_MARKER = '@@bench-json@@';

export interface Spread {
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  runs: number;
}

export interface Figure {
  /** What was measured, with the conditions that matter (`GET by id, 16 in flight`). */
  figure: string;
  unit: string;
  median: number;
  /** Lowest and highest of the runs, or p25 and p75 when `spreadKind` says so. */
  low: number;
  high: number;
  spreadKind: 'min–max' | 'p25–p75' | 'single';
  runs: number;
  baseline?: { name: string; median: number };
  /** median / baseline median. */
  ratio?: number;
  /** Human text: `ratio >= 1.0`, `<= 150 ms`. */
  target?: string;
  met?: boolean;
  /** How many decimals to show; default by magnitude. */
  digits?: number;
}

export interface BenchReport {
  benchmark: string;
  /** What ran against what, and anything a reader needs to trust the figures. */
  notes: string[];
  figures: Figure[];
  quick: boolean;
  seconds: number;
}

export interface BenchArgs {
  json: boolean;
  quick: boolean;
}

export function benchArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  return { json: argv.includes('--json'), quick: argv.includes('--quick') };
}

/** Nearest-rank percentile of already sorted values. */
export function percentileOf(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? NaN
      : sorted.length % 2
        ? sorted[middle]
        : (sorted[middle - 1] + sorted[middle]) / 2;
  return {
    median,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    p25: percentileOf(sorted, 25),
    p75: percentileOf(sorted, 75),
    runs: sorted.length,
  };
}

export interface FigureOptions {
  baseline?: { name: string; values: number[] };
  target?: string;
  /** Decides `met` from the figure (and its ratio, when there is a baseline). */
  meets?: (median: number, ratio: number | undefined) => boolean;
  /** Report p25–p75 instead of min–max (for many samples of one run). */
  quartiles?: boolean;
  digits?: number;
}

/** A figure from the values of several runs (or the samples of one). */
export function figureOf(
  figure: string,
  unit: string,
  values: number[],
  options: FigureOptions = {},
): Figure {
  const spread = spreadOf(values);
  const baselineMedian = options.baseline ? spreadOf(options.baseline.values).median : undefined;
  const ratio =
    baselineMedian !== undefined && baselineMedian !== 0
      ? spread.median / baselineMedian
      : undefined;
  return {
    figure,
    unit,
    median: spread.median,
    low: options.quartiles ? spread.p25 : spread.min,
    high: options.quartiles ? spread.p75 : spread.max,
    spreadKind: values.length === 1 ? 'single' : options.quartiles ? 'p25–p75' : 'min–max',
    runs: values.length,
    ...(options.baseline && baselineMedian !== undefined
      ? { baseline: { name: options.baseline.name, median: baselineMedian } }
      : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.meets ? { met: options.meets(spread.median, ratio) } : {}),
    ...(options.digits !== undefined ? { digits: options.digits } : {}),
  };
}

export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  const places =
    digits ??
    (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3);
  return value.toLocaleString('en-US', {
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  });
}

export function formatSpread(figure: Figure): string {
  if (figure.spreadKind === 'single') return '';
  const label = figure.spreadKind === 'p25–p75' ? 'p25–p75 ' : '';
  return `${label}${formatNumber(figure.low, figure.digits)}–${formatNumber(figure.high, figure.digits)}`;
}

export function targetText(figure: Figure): string {
  if (!figure.target) return '';
  if (figure.met === undefined) return figure.target;
  return `${figure.target}: ${figure.met ? 'met' : 'MISSED'}`;
}

/** Markdown table rows of figures (no benchmark column). */
export function figureTable(figures: Figure[]): string[] {
  const lines = [
    '| figure | unit | median | spread | runs | baseline | ratio | target |',
    '|---|---|---:|---:|---:|---|---:|---|',
  ];
  for (const f of figures) {
    const baseline = f.baseline
      ? `${f.baseline.name}: ${formatNumber(f.baseline.median, f.digits)}`
      : '';
    lines.push(
      `| ${f.figure} | ${f.unit} | ${formatNumber(f.median, f.digits)} | ${formatSpread(f)} | ${f.runs} | ` +
        `${baseline} | ${f.ratio !== undefined ? formatNumber(f.ratio, 3) : ''} | ${targetText(f)} |`,
    );
  }
  return lines;
}

/** Prints the benchmark's own table, and with `--json` the line the runner collects. */
export function report(
  benchmark: string,
  args: BenchArgs,
  startedAt: number,
  notes: string[],
  figures: Figure[],
): void {
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(`\n${benchmark}${args.quick ? ' (quick)' : ''}: ${seconds.toFixed(1)} s`);
  for (const note of notes) console.log(`  - ${note}`);
  console.log(figureTable(figures).join('\n'));
  if (args.json) {
    const payload: BenchReport = { benchmark, notes, figures, quick: args.quick, seconds };
    console.log(`${JSON_MARKER}${JSON.stringify(payload)}`);
  }
}

/**
 * Runs `main`, turning a failure into a message and exit code 1. A stop signal exits through
 * process.exit, so the 'exit' handlers that kill child processes run.
 */
export function runBench(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
