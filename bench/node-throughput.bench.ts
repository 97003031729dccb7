/**
 * End to end in Node-RED: messages through `connectwise-request` (getServiceTicketsById) against
 * the same call built with the core `http request` node (templated URL, Basic auth, clientId
 * header, parsed JSON), both in one embedded runtime, the simulator in a child process.
 *
 *   npx tsx bench/node-throughput.bench.ts [--quick] [--json]
 *
 * Each round runs every flow, in alternating order: N messages kept 16 in flight (messages/s and
 * per-message latency under load), then N/5 messages one at a time (latency alone; 100 when
 * quick).
 */
import type { Node, NodeMessage } from 'node-red';

import {
  connectionFlowNode,
  requestFlowNode,
  startEmbeddedNodeRed,
  type EmbeddedNodeRed,
  type FlowNode,
} from './lib/embedded-node-red';
import { benchArgs, figureOf, percentileOf, report, runBench, type Figure } from './lib/figures';
import { startSimulatorProcess, type SimulatorProcess } from './lib/simulator-process';

const args = benchArgs();
const MESSAGES = args.quick ? 1000 : 5000;
const SEQUENTIAL = args.quick ? 100 : MESSAGES / 5;
const ROUNDS = 3;
const IN_FLIGHT = 16;
const WARMUP = args.quick ? 150 : 300;
const SEEDED_TICKETS = 100;
/** The connection's ceiling (the editor allows up to this): the default 600 would be measured. */
const RATE_LIMIT = 60_000;

interface Variant {
  key: string;
  label: string;
  node: string;
}

const CW_DEFAULT: Variant = {
  key: 'cw',
  label: 'connectwise-request (concurrency 4, default)',
  node: 'cw-request',
};
const CW_16: Variant = {
  key: 'cw16',
  label: 'connectwise-request (concurrency 16)',
  node: 'cw-request-16',
};
const HTTP_KEEPALIVE: Variant = {
  key: 'http',
  label: 'http request (keep-alive on)',
  node: 'http-request',
};
const HTTP_DEFAULT: Variant = {
  key: 'http-default',
  label: 'http request (defaults: keep-alive off)',
  node: 'http-request-default',
};
// A quick run keeps the two flows the target compares.
const VARIANTS = args.quick
  ? [HTTP_KEEPALIVE, CW_DEFAULT]
  : [HTTP_KEEPALIVE, CW_DEFAULT, CW_16, HTTP_DEFAULT];
const measured = (variant: Variant): boolean => VARIANTS.includes(variant);

type BenchMessage = NodeMessage & {
  ticketId?: number;
  sentAt?: number;
  statusCode?: number;
  error?: { message?: string };
};

function flows(sim: SimulatorProcess): FlowNode[] {
  const { companyId, clientId } = sim.credentials;
  const tab = 'bench-flow';
  const cwRequest = (id: string, connection: string): FlowNode =>
    requestFlowNode(id, {
      z: tab,
      connection,
      operationId: 'getServiceTicketsById',
      params: [{ name: 'id', type: 'msg', value: 'ticketId' }],
      wires: [['out']],
    });
  const httpRequest = (id: string, keepAlive: boolean): FlowNode => ({
    id,
    z: tab,
    type: 'http request',
    name: '',
    method: 'GET',
    ret: 'obj',
    paytoqs: 'ignore',
    url: `${sim.baseUrl}/service/tickets/{{ticketId}}`,
    tls: '',
    persist: keepAlive,
    proxy: '',
    insecureHTTPParser: false,
    authType: 'basic',
    senderr: false,
    headers: [{ keyType: 'other', keyValue: 'clientId', valueType: 'other', valueValue: clientId }],
    wires: [['out']],
  });
  return [
    { id: tab, type: 'tab', label: 'throughput' },
    connectionFlowNode('cw-connection', sim.url, companyId, { rateLimit: RATE_LIMIT }),
    connectionFlowNode('cw-connection-16', sim.url, companyId, {
      rateLimit: RATE_LIMIT,
      concurrency: 16,
    }),
    cwRequest(CW_DEFAULT.node, 'cw-connection'),
    cwRequest(CW_16.node, 'cw-connection-16'),
    httpRequest(HTTP_KEEPALIVE.node, true),
    httpRequest(HTTP_DEFAULT.node, false),
    { id: 'out', z: tab, type: 'bench-sink', name: 'out', wires: [] },
    { id: 'catcher', z: tab, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: tab, type: 'bench-sink', name: 'caught', wires: [] },
  ];
}

interface RunResult {
  perSecond: number;
  latencies: number[];
}

/** Sends `count` messages into `entry`, keeping `inFlight` of them unanswered at any time. */
function drive(
  red: EmbeddedNodeRed,
  entry: Node,
  count: number,
  inFlight: number,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let sent = 0;
    let answered = 0;
    const started = performance.now();
    const sendOne = (): void => {
      const ticketId = (sent % SEEDED_TICKETS) + 1;
      sent += 1;
      const msg: BenchMessage = { payload: '', ticketId, sentAt: performance.now() };
      entry.receive(msg);
    };
    red.onSink((sink, message) => {
      const msg = message as BenchMessage;
      if (sink === 'caught') {
        red.onSink(undefined);
        reject(new Error(`message ${msg.ticketId} failed: ${msg.error?.message}`));
        return;
      }
      if (msg.statusCode !== 200 || (msg.payload as { id?: number })?.id !== msg.ticketId) {
        red.onSink(undefined);
        reject(new Error(`ticket ${msg.ticketId}: answered ${msg.statusCode}`));
        return;
      }
      latencies.push(performance.now() - (msg.sentAt ?? 0));
      answered += 1;
      if (answered === count) {
        const seconds = (performance.now() - started) / 1000;
        red.onSink(undefined);
        resolve({ perSecond: count / seconds, latencies });
      } else if (sent < count) {
        sendOne();
      }
    });
    for (let i = 0; i < Math.min(inFlight, count); i += 1) sendOne();
  });
}

interface Samples {
  perSecond: number[];
  loadP50: number[];
  loadP99: number[];
  aloneP50: number[];
  aloneP99: number[];
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const sim = await startSimulatorProcess({ seedSize: { tickets: SEEDED_TICKETS } });
  let red: EmbeddedNodeRed | undefined;
  try {
    red = await startEmbeddedNodeRed();
    await red.deploy(flows(sim), {
      'cw-connection': { ...sim.credentials },
      'cw-connection-16': { ...sim.credentials },
      [HTTP_KEEPALIVE.node]: {
        user: `${sim.credentials.companyId}+${sim.credentials.publicKey}`,
        password: sim.credentials.privateKey,
      },
      [HTTP_DEFAULT.node]: {
        user: `${sim.credentials.companyId}+${sim.credentials.publicKey}`,
        password: sim.credentials.privateKey,
      },
    });
    const samples = new Map<string, Samples>(
      VARIANTS.map((variant) => [
        variant.key,
        { perSecond: [], loadP50: [], loadP99: [], aloneP50: [], aloneP99: [] },
      ]),
    );
    for (const variant of VARIANTS) await drive(red, red.node(variant.node), WARMUP, IN_FLIGHT);

    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate the order so no flow always runs first or on a warmer process.
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) {
        const entry = red.node(variant.node);
        const sample = samples.get(variant.key) as Samples;
        const loaded = await drive(red, entry, MESSAGES, IN_FLIGHT);
        const loadedSorted = loaded.latencies.sort((a, b) => a - b);
        sample.perSecond.push(loaded.perSecond);
        sample.loadP50.push(percentileOf(loadedSorted, 50));
        sample.loadP99.push(percentileOf(loadedSorted, 99));
        const alone = await drive(red, entry, SEQUENTIAL, 1);
        const aloneSorted = alone.latencies.sort((a, b) => a - b);
        sample.aloneP50.push(percentileOf(aloneSorted, 50));
        sample.aloneP99.push(percentileOf(aloneSorted, 99));
        process.stderr.write(
          `  round ${round + 1} ${variant.label}: ${loaded.perSecond.toFixed(0)} msg/s\n`,
        );
      }
    }

    const of = (variant: Variant): Samples => samples.get(variant.key) as Samples;
    const versusHttp = (key: keyof Samples) => ({
      baseline: { name: 'http request', values: of(HTTP_KEEPALIVE)[key] },
    });
    const figures: Figure[] = [];
    for (const variant of [CW_DEFAULT, CW_16, HTTP_KEEPALIVE, HTTP_DEFAULT].filter(measured)) {
      const isCw = variant === CW_DEFAULT || variant === CW_16;
      figures.push(
        figureOf(
          `msg/s, ${IN_FLIGHT} in flight: ${variant.label}`,
          'msg/s',
          of(variant).perSecond,
          {
            ...(isCw ? versusHttp('perSecond') : {}),
            ...(variant === CW_DEFAULT
              ? { target: 'ratio >= 1.0', meets: (_median, ratio) => (ratio ?? 0) >= 1.0 }
              : {}),
          },
        ),
      );
    }
    for (const variant of [CW_DEFAULT, CW_16, HTTP_KEEPALIVE].filter(measured)) {
      for (const [label, key] of [
        ['p50', 'loadP50'],
        ['p99', 'loadP99'],
      ] as const) {
        figures.push(
          figureOf(
            `latency ${label}, ${IN_FLIGHT} in flight: ${variant.label}`,
            'ms',
            of(variant)[key],
            {
              ...(variant !== HTTP_KEEPALIVE ? versusHttp(key) : {}),
            },
          ),
        );
      }
    }
    for (const variant of [CW_DEFAULT, HTTP_KEEPALIVE, HTTP_DEFAULT].filter(measured)) {
      for (const [label, key] of [
        ['p50', 'aloneP50'],
        ['p99', 'aloneP99'],
      ] as const) {
        figures.push(
          figureOf(`latency ${label}, 1 in flight: ${variant.label}`, 'ms', of(variant)[key], {
            ...(variant === CW_DEFAULT ? versusHttp(key) : {}),
          }),
        );
      }
    }
    report(
      'node-throughput',
      args,
      startedAt,
      [
        `Node-RED ${red.version} embedded in one process; simulator in a child process, ${SEEDED_TICKETS} tickets`,
        `${MESSAGES.toLocaleString('en-US')} messages kept ${IN_FLIGHT} in flight, then ${SEQUENTIAL.toLocaleString('en-US')} one at a time, per flow and round; ${ROUNDS} rounds in alternating order after ${WARMUP} warm-up messages each`,
        `connections: editor defaults except rate limit ${RATE_LIMIT.toLocaleString('en-US')}/min (the most allowed; the default 600/min caps at 10 msg/s)`,
        'baseline: core http request node with a templated URL, Basic auth, clientId header, "a parsed JSON object"; spread is min–max of the rounds',
      ],
      figures,
    );
  } finally {
    await red?.stop();
    await sim.stop();
  }
}

runBench(main);
