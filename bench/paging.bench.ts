/**
 * Every page of a long list through `connectwise-request` in `per-record` mode (one message per
 * record, a page at a time) in an embedded Node-RED, the simulator in a child process: the time
 * it takes and whether memory stays flat. Baseline: the same list in `all` mode with no record
 * limit, which holds every record in one array.
 *
 *   npx tsx bench/paging.bench.ts [--quick] [--json]
 */
import type { NodeMessage } from 'node-red';

import {
  connectionFlowNode,
  requestFlowNode,
  startEmbeddedNodeRed,
  type EmbeddedNodeRed,
  type FlowNode,
} from './lib/embedded-node-red';
import { benchArgs, figureOf, report, runBench, type Figure } from './lib/figures';
import { collectGarbage, rssMb, traceRss, type RssTrace } from './lib/memory';
import { startSimulatorProcess, type SimulatorProcess } from './lib/simulator-process';

const args = benchArgs();
const RECORDS = args.quick ? 10_000 : 50_000;
const RUNS = args.quick ? 2 : 3;
/** The connection's ceiling (the editor allows up to this). */
const RATE_LIMIT = 60_000;

type Mode = 'per-record' | 'all';
const MODES: Mode[] = ['per-record', 'all'];

type OutMessage = NodeMessage & { payload?: unknown; error?: { message?: string } };

function pagingFlow(sim: SimulatorProcess, requestId: string, mode: Mode): FlowNode[] {
  const tab = 'paging-flow';
  return [
    { id: tab, type: 'tab', label: 'paging' },
    connectionFlowNode('cw-connection', sim.url, sim.credentials.companyId, {
      rateLimit: RATE_LIMIT,
    }),
    requestFlowNode(requestId, {
      z: tab,
      connection: 'cw-connection',
      operationId: 'getServiceTickets',
      paging: mode,
      // `all` stops at 10,000 by default: the baseline holds the whole list.
      recordLimit: mode === 'all' ? '0' : '',
      wires: [['out']],
    }),
    { id: 'out', z: tab, type: 'bench-sink', name: 'out', wires: [] },
    { id: 'completion', z: tab, type: 'complete', scope: [requestId], wires: [['completed']] },
    { id: 'completed', z: tab, type: 'bench-sink', name: 'completed', wires: [] },
    { id: 'catcher', z: tab, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: tab, type: 'bench-sink', name: 'caught', wires: [] },
  ];
}

interface RunOutcome {
  seconds: number;
  records: number;
  trace: RssTrace;
  /** RSS when a fifth of the records had arrived (streamed modes only). */
  fifthMb?: number;
}

async function runOnce(red: EmbeddedNodeRed, requestId: string): Promise<RunOutcome> {
  const seen = new Uint8Array(RECORDS + 1);
  let records = 0;
  let fifthMb: number | undefined;
  const mark = (record: unknown): void => {
    const id = (record as { id?: number })?.id ?? 0;
    if (id > 0 && id <= RECORDS && seen[id] === 0) {
      seen[id] = 1;
      records += 1;
      if (records === Math.floor(RECORDS / 5)) fifthMb = rssMb();
    }
  };
  collectGarbage();
  const trace = traceRss();
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    red.onSink((sink, message) => {
      const msg = message as OutMessage;
      if (sink === 'out') {
        if (Array.isArray(msg.payload)) {
          msg.payload.forEach(mark);
          fifthMb = undefined; // one message: there is no "during"
        } else {
          mark(msg.payload);
        }
      } else if (sink === 'caught') {
        reject(new Error(`the request failed: ${msg.error?.message}`));
      } else if (sink === 'completed') {
        resolve();
      }
    });
    red.node(requestId).receive({ payload: '' });
  }).finally(() => red.onSink(undefined));
  const seconds = (performance.now() - started) / 1000;
  trace.stop();
  if (records !== RECORDS) throw new Error(`received ${records} distinct records of ${RECORDS}`);
  return { seconds, records, trace, ...(fifthMb !== undefined ? { fifthMb } : {}) };
}

interface Samples {
  seconds: number[];
  perSecond: number[];
  startMb: number[];
  peakMb: number[];
  endMb: number[];
  peakExtraMb: number[];
  /** End RSS minus the RSS at a fifth of the records: near 0 when memory is flat. */
  lateGrowthMb: number[];
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const sim = await startSimulatorProcess({
    seedSize: { tickets: RECORDS, ticketsWithNotes: 10 },
  });
  let red: EmbeddedNodeRed | undefined;
  const samples = new Map<Mode, Samples>(
    MODES.map((mode) => [
      mode,
      {
        seconds: [],
        perSecond: [],
        startMb: [],
        peakMb: [],
        endMb: [],
        peakExtraMb: [],
        lateGrowthMb: [],
      },
    ]),
  );
  try {
    red = await startEmbeddedNodeRed();
    const credentials = { 'cw-connection': { ...sim.credentials } };
    // A discarded warm-up: the first run also loads the catalog and compiles the code paths.
    await red.deploy(pagingFlow(sim, 'warm-up', 'per-record'), credentials);
    await runOnce(red, 'warm-up');
    let deployed = 0;
    for (let run = 0; run < RUNS; run += 1) {
      for (const mode of run % 2 === 0 ? MODES : [...MODES].reverse()) {
        const requestId = `request-${(deployed += 1)}`;
        await red.deploy(pagingFlow(sim, requestId, mode), credentials);
        const outcome = await runOnce(red, requestId);
        const sample = samples.get(mode) as Samples;
        sample.seconds.push(outcome.seconds);
        sample.perSecond.push(outcome.records / outcome.seconds);
        sample.startMb.push(outcome.trace.startMb);
        sample.peakMb.push(outcome.trace.peakMb);
        sample.endMb.push(outcome.trace.endMb);
        sample.peakExtraMb.push(outcome.trace.peakMb - outcome.trace.startMb);
        if (outcome.fifthMb !== undefined) {
          sample.lateGrowthMb.push(outcome.trace.endMb - outcome.fifthMb);
        }
        process.stderr.write(
          `  run ${run + 1}, ${mode}: ${outcome.seconds.toFixed(1)} s, RSS ` +
            `${outcome.trace.startMb.toFixed(0)} / ${outcome.trace.peakMb.toFixed(0)} / ` +
            `${outcome.trace.endMb.toFixed(0)} MB\n`,
        );
      }
    }
  } finally {
    await red?.stop();
    await sim.stop();
  }

  const count = RECORDS.toLocaleString('en-US');
  const of = (mode: Mode): Samples => samples.get(mode) as Samples;
  const versusAll = (key: keyof Samples) => ({
    baseline: { name: '`all`', values: of('all')[key] },
  });
  const figures: Figure[] = [
    figureOf(
      `${count} records, per-record: time`,
      's',
      of('per-record').seconds,
      versusAll('seconds'),
    ),
    figureOf(`${count} records, per-record: messages/s`, 'msg/s', of('per-record').perSecond),
    figureOf(`${count} records, per-record: RSS at start`, 'MB', of('per-record').startMb),
    figureOf(`${count} records, per-record: RSS peak`, 'MB', of('per-record').peakMb),
    figureOf(`${count} records, per-record: RSS at end`, 'MB', of('per-record').endMb),
    figureOf(
      `${count} records, per-record: RSS peak minus start`,
      'MB',
      of('per-record').peakExtraMb,
      { ...versusAll('peakExtraMb'), target: 'flat (a page, not the list)' },
    ),
    figureOf(
      `${count} records, per-record: RSS growth from a fifth of the records to the end`,
      'MB',
      of('per-record').lateGrowthMb,
      { target: '~0 (flat)' },
    ),
    figureOf(`${count} records, all (no limit): time`, 's', of('all').seconds),
    figureOf(`${count} records, all (no limit): RSS peak minus start`, 'MB', of('all').peakExtraMb),
  ];
  report(
    'paging',
    args,
    startedAt,
    [
      `connectwise-request getServiceTickets (its pager asks for pages of 1,000) in an embedded Node-RED; simulator in a child process with ${count} tickets`,
      `${RUNS} runs per mode in alternating order after a discarded warm-up; a freshly deployed node each run`,
      'RSS: this process, after a full GC before each run; peak from VmHWM reset at the start, plus 50 ms samples; baseline `all` with recordLimit 0 holds the whole list',
      `connection: editor defaults except rate limit ${RATE_LIMIT.toLocaleString('en-US')}/min`,
    ],
    figures,
  );
}

runBench(main);
