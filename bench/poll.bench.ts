/**
 * The connectwise-poll node in an embedded Node-RED against the simulator in a child process:
 * the time and the memory it takes to drain a backlog of changed tickets (one message per
 * ticket), and the requests an idle poll sends.
 *
 *   npx tsx bench/poll.bench.ts [--quick] [--json]
 *
 * Every seeded ticket counts as changed: the node starts "since" a date before all of them. Each
 * run deploys a fresh poll node (a new watermark) and triggers it with a message.
 */
import type { NodeMessage } from 'node-red';

import type { CwClient } from '../src/core/client';
import type { PreparedRequest } from '../src/core/http-types';
import {
  connectionFlowNode,
  startEmbeddedNodeRed,
  type EmbeddedNodeRed,
  type FlowNode,
} from './lib/embedded-node-red';
import { benchArgs, figureOf, report, runBench, type Figure } from './lib/figures';
import { collectGarbage, traceRss } from './lib/memory';
import { startSimulatorProcess, type SimulatorProcess } from './lib/simulator-process';

const args = benchArgs();
const RUNS = args.quick ? 2 : 3;
const IDLE_POLLS = 5;
/** The connection's ceiling (the editor allows up to this). */
const RATE_LIMIT = 60_000;
const DEFAULT_RATE_LIMIT = 600;
const DEFAULT_PAGE_SIZE = 100;

interface Scenario {
  tickets: number;
  pageSize: number;
}

/**
 * The simulator scans and sorts the whole store for every page of the change query, so a drain
 * of 100,000 tickets at the default page size (1,001 pages) is mostly simulator time: that one is
 * measured on 10,000 tickets, the 100,000-ticket drain with the largest page.
 */
const SCENARIOS: Scenario[] = args.quick
  ? [
      { tickets: 10_000, pageSize: 1000 },
      { tickets: 10_000, pageSize: DEFAULT_PAGE_SIZE },
    ]
  : [
      { tickets: 100_000, pageSize: 1000 },
      { tickets: 10_000, pageSize: DEFAULT_PAGE_SIZE },
    ];

interface ConnectionWithClient {
  getClient(): Promise<CwClient>;
}

type PollMessage = NodeMessage & { payload?: { id?: number }; error?: { message?: string } };

function pollFlow(sim: SimulatorProcess, pollId: string, pageSize: number): FlowNode[] {
  const tab = 'poll-flow';
  return [
    { id: tab, type: 'tab', label: 'poll' },
    connectionFlowNode('cw-connection', sim.url, sim.credentials.companyId, {
      rateLimit: RATE_LIMIT,
    }),
    {
      id: pollId,
      z: tab,
      type: 'connectwise-poll',
      name: '',
      connection: 'cw-connection',
      operationId: 'getServiceTickets',
      params: [],
      conditions: '',
      fields: '',
      pageSize,
      interval: 1,
      intervalUnit: 'h',
      updatedField: '_info/lastUpdated',
      createdField: '_info/dateEntered',
      idField: 'id',
      output: 'per-record',
      start: 'since',
      since: '2000-01-01T00:00:00Z',
      wires: [['out']],
    },
    { id: 'out', z: tab, type: 'bench-sink', name: 'out', wires: [] },
    { id: 'completion', z: tab, type: 'complete', scope: [pollId], wires: [['completed']] },
    { id: 'completed', z: tab, type: 'bench-sink', name: 'completed', wires: [] },
    { id: 'catcher', z: tab, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: tab, type: 'bench-sink', name: 'caught', wires: [] },
  ];
}

interface PollOutcome {
  ms: number;
  /** Time spent waiting for answers: the poller asks for one page at a time. */
  waitingMs: number;
  messages: number;
  distinct: number;
  requests: number;
}

/** Triggers the poll node once and waits for its done(); counts messages and requests. */
async function pollOnce(
  red: EmbeddedNodeRed,
  pollId: string,
  tickets: number,
): Promise<PollOutcome> {
  const client = await (red.node('cw-connection') as unknown as ConnectionWithClient).getClient();
  const attemptsBefore = client.limiterStats.attempts;
  // Timed on the instance only: the simulator's scan and sort of every page is not the node's cost.
  const request = client.request;
  let waitingMs = 0;
  client.request = (async (req: PreparedRequest) => {
    const sent = performance.now();
    try {
      return await request.call(client, req);
    } finally {
      waitingMs += performance.now() - sent;
    }
  }) as CwClient['request'];
  const seen = new Uint8Array(tickets + 1);
  let messages = 0;
  let distinct = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    red.onSink((sink, message) => {
      const msg = message as PollMessage;
      if (sink === 'out') {
        messages += 1;
        const id = msg.payload?.id ?? 0;
        if (id > 0 && id <= tickets && seen[id] === 0) {
          seen[id] = 1;
          distinct += 1;
        }
      } else if (sink === 'caught') {
        reject(new Error(`the poll failed: ${msg.error?.message}`));
      } else if (sink === 'completed') {
        resolve();
      }
    });
    red.node(pollId).receive({ payload: 'poll now' });
  }).finally(() => {
    client.request = request;
    red.onSink(undefined);
  });
  return {
    ms: performance.now() - started,
    waitingMs,
    messages,
    distinct,
    requests: client.limiterStats.attempts - attemptsBefore,
  };
}

interface Samples {
  drainSeconds: number[];
  waitingSeconds: number[];
  perSecond: number[];
  startMb: number[];
  peakExtraMb: number[];
  endExtraMb: number[];
  drainRequests: number[];
  idleRequests: number[];
  idleMs: number[];
}

function emptySamples(): Samples {
  return {
    drainSeconds: [],
    waitingSeconds: [],
    perSecond: [],
    startMb: [],
    peakExtraMb: [],
    endExtraMb: [],
    drainRequests: [],
    idleRequests: [],
    idleMs: [],
  };
}

/** RUNS drains of one scenario, each by a freshly deployed poll node, then idle polls. */
async function measureScenario(red: EmbeddedNodeRed, scenario: Scenario): Promise<Samples> {
  const sample = emptySamples();
  const sim = await startSimulatorProcess({
    seedSize: { tickets: scenario.tickets, ticketsWithNotes: 10 },
  });
  try {
    const credentials = { 'cw-connection': { ...sim.credentials } };
    for (let run = 0; run < RUNS; run += 1) {
      const pollId = `poll-${scenario.tickets}-${scenario.pageSize}-${run}`;
      await red.deploy(pollFlow(sim, pollId, scenario.pageSize), credentials);
      collectGarbage();
      const trace = traceRss();
      const drain = await pollOnce(red, pollId, scenario.tickets);
      trace.stop();
      if (drain.distinct !== scenario.tickets) {
        throw new Error(
          `drained ${drain.distinct} distinct tickets of ${scenario.tickets} (${drain.messages} messages)`,
        );
      }
      const idle: PollOutcome[] = [];
      for (let i = 0; i < IDLE_POLLS; i += 1) {
        idle.push(await pollOnce(red, pollId, scenario.tickets));
      }
      sample.drainSeconds.push(drain.ms / 1000);
      sample.waitingSeconds.push(drain.waitingMs / 1000);
      sample.perSecond.push(drain.messages / (drain.ms / 1000));
      sample.startMb.push(trace.startMb);
      sample.peakExtraMb.push(trace.peakMb - trace.startMb);
      sample.endExtraMb.push(trace.endMb - trace.startMb);
      sample.drainRequests.push(drain.requests);
      sample.idleRequests.push(...idle.map((outcome) => outcome.requests));
      sample.idleMs.push(...idle.map((outcome) => outcome.ms));
      process.stderr.write(
        `  ${scenario.tickets} tickets, pageSize ${scenario.pageSize}, run ${run + 1}: ` +
          `${(drain.ms / 1000).toFixed(1)} s (${(drain.waitingMs / 1000).toFixed(1)} s waiting), ` +
          `peak +${(trace.peakMb - trace.startMb).toFixed(1)} MB\n`,
      );
    }
  } finally {
    await red.deploy([]);
    await sim.stop();
  }
  return sample;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const red = await startEmbeddedNodeRed();
  const results: [Scenario, Samples][] = [];
  try {
    for (const scenario of SCENARIOS)
      results.push([scenario, await measureScenario(red, scenario)]);
  } finally {
    await red.stop();
  }

  const figures: Figure[] = [];
  for (const [scenario, sample] of results) {
    const label =
      `${scenario.tickets.toLocaleString('en-US')} tickets, pageSize ${scenario.pageSize}` +
      (scenario.pageSize === DEFAULT_PAGE_SIZE ? ' (default)' : '');
    figures.push(
      figureOf(`drain, ${label}`, 's', sample.drainSeconds, {
        target: '< 60 s',
        meets: (median) => median < 60,
      }),
      figureOf(`waiting for the simulator's answers, ${label}`, 's', sample.waitingSeconds),
      figureOf(
        `the node's own work (drain minus waiting), ${label}`,
        's',
        sample.drainSeconds.map((seconds, i) => seconds - sample.waitingSeconds[i]),
      ),
      figureOf(
        `simulator answer per page, ${label}`,
        'ms',
        sample.waitingSeconds.map((seconds, i) => (seconds * 1000) / sample.drainRequests[i]),
      ),
      figureOf(`messages/s, ${label}`, 'msg/s', sample.perSecond),
      figureOf(`requests, ${label}`, 'requests', sample.drainRequests, { digits: 0 }),
      figureOf(`peak RSS above start while draining, ${label}`, 'MB', sample.peakExtraMb, {
        target: '< 100 MB',
        meets: (median) => median < 100,
      }),
      figureOf(`RSS above start after draining, ${label}`, 'MB', sample.endExtraMb),
      figureOf(`RSS at start (runtime + catalog), ${label}`, 'MB', sample.startMb),
      figureOf(`requests per idle poll, ${label}`, 'requests', sample.idleRequests, {
        digits: 0,
        target: '1',
        meets: (median) => median === 1,
      }),
      figureOf(`idle poll, trigger to done, ${label}`, 'ms', sample.idleMs, { quartiles: true }),
    );
  }
  const largest = Math.max(...SCENARIOS.map((scenario) => scenario.tickets));
  const defaultRequests = Math.ceil(largest / DEFAULT_PAGE_SIZE) + 1;
  const burst = DEFAULT_RATE_LIMIT / 10;
  report(
    'poll',
    args,
    startedAt,
    [
      'connectwise-poll node (per-record output) in an embedded Node-RED; simulator in a child process per scenario',
      `${RUNS} drains per scenario, each by a freshly deployed node started "since" 2000-01-01 (every ticket is a change); then ${IDLE_POLLS} idle polls after each drain`,
      "waiting = time inside the client's request() (the poller asks for one page at a time); the simulator scans and sorts the whole store for every page",
      `connection: editor defaults except rate limit ${RATE_LIMIT.toLocaleString('en-US')}/min; at the default ${DEFAULT_RATE_LIMIT}/min, ${largest.toLocaleString('en-US')} tickets at pageSize ${DEFAULT_PAGE_SIZE} (${defaultRequests.toLocaleString('en-US')} requests) take at least ${Math.round(((defaultRequests - burst) / DEFAULT_RATE_LIMIT) * 60)} s`,
      'RSS: this process (the Node-RED runtime) after a full GC before each drain; peak from VmHWM reset at the start, plus 50 ms samples',
    ],
    figures,
  );
}

runBench(main);
