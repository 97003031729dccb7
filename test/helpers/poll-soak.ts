/**
 * The poll node soak: the simulator creates and updates tickets at random moments (many in the
 * same second, on a frozen clock moved in random steps of 0-2 s) while the flow is stopped and
 * started again many times, sometimes in the middle of a poll, sometimes redeployed through the
 * runtime's flows API, with server faults now and then. The watermark lives in a context store
 * that survives the restarts. At the end, after a fault-free poll, every (id, lastUpdated) pair
 * that is a ticket's final state must have been emitted exactly once, and no pair twice.
 *
 * Shared by the CI test (about 2,000 tickets, 20 restarts) and the benchmark (20,000, 50).
 */
import type { Node, NodeMessage } from 'node-red';

import { startSimulator, type FaultSpec, type Simulator } from '../../src/simulator';
import {
  CONNECTION_ID,
  connectionCredentials,
  connectionNode,
  type SimulatorAddress,
} from './node-flows';
import {
  connectionModule,
  helper,
  loadContextStores,
  observedFlow,
  pollModule,
  SUBJECT_ID,
  type FlowNode,
  type OutMessage,
} from './node-red-harness';
import { persistentContextStore, type StoredContext } from './persistent-context';

const TICKETS = 'service/tickets';
const START = '2025-03-01T10:00:00Z';
const PAGE_SIZES = [10, 25, 50, 100, 250];
/** Faults the soak switches on now and then: each makes one poll fail part-way. */
const SOAK_FAULTS: FaultSpec['kind'][] = [500, 503, 'drop-mid-body', 'invalid-json', 'html'];

export interface SoakOptions {
  /** Tickets created over the whole run. */
  tickets: number;
  /** Stops and starts of the flow (a few of them redeploys). */
  restarts: number;
  /** Seed of the run's random choices: the same seed replays the same run. */
  seed: number;
  /** Every n-th restart redeploys through the flows API instead of stopping the runtime. */
  redeployEvery?: number;
  /** Share of changes that update an existing ticket while new tickets remain to be created. */
  updateShare?: number;
  /** Chance a poll meets a server fault. */
  faultRate?: number;
  /** Called with a line of progress now and then. */
  progress?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  tickets: number;
  updates: number;
  restarts: number;
  redeploys: number;
  /** Restarts made while a poll was running. */
  stopsMidPoll: number;
  polls: number;
  pollErrors: number;
  faults: number;
  /** Messages the poll node emitted (one per change, or one per page with per-poll output). */
  messages: number;
  /** Changes those messages carried. */
  changesEmitted: number;
  /** Requests the simulator answered. */
  requests: number;
  finalPairs: number;
  /** Final (id, lastUpdated) pairs never emitted. */
  missing: string[];
  /** Pairs emitted more than once. */
  duplicates: string[];
  seconds: number;
}

/** A small seeded generator (mulberry32): enough randomness, replayable from the seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PollMessageInfo {
  id?: number;
  lastUpdated?: string;
  changes?: { id: number; lastUpdated: string }[];
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runPollSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const redeployEvery = options.redeployEvery ?? 4;
  const updateShare = options.updateShare ?? 0.3;
  const faultRate = options.faultRate ?? 0.2;

  const sim: Simulator = await startSimulator({
    seed: false,
    clock: () => new Date(START),
    // Never trimmed between two counts: the request figure stays exact.
    logLimit: 1_000_000,
  });
  sim.clock.freeze();
  const stored: StoredContext = new Map();
  helper.settings({ contextStorage: { default: { module: persistentContextStore(stored) } } });
  const address: SimulatorAddress = { url: sim.url, credentials: sim.credentials };
  const credentials = connectionCredentials(address);

  const emitted = new Map<string, number>();
  const ids: number[] = [];
  const report: SoakReport = {
    seed: options.seed,
    tickets: 0,
    updates: 0,
    restarts: 0,
    redeploys: 0,
    stopsMidPoll: 0,
    polls: 0,
    pollErrors: 0,
    faults: 0,
    messages: 0,
    changesEmitted: 0,
    requests: 0,
    finalPairs: 0,
    missing: [],
    duplicates: [],
    seconds: 0,
  };
  let ended = 0; // polls that completed or failed
  let requestsSeen = 0;
  const countRequests = (): void => {
    requestsSeen += sim.log.length;
    sim.clearLog();
  };

  /** One random change: a new ticket while the budget lasts, else (or sometimes) an update. */
  const change = (budget: { tickets: number }): void => {
    const update = ids.length > 0 && (budget.tickets <= 0 || random() < updateShare);
    if (update) {
      const id = pick(ids);
      sim.store.update(TICKETS, id, { summary: `update ${report.updates}` });
      report.updates += 1;
    } else if (budget.tickets > 0) {
      ids.push(sim.store.insert(TICKETS, { summary: `ticket ${report.tickets}` }).id as number);
      report.tickets += 1;
      budget.tickets -= 1;
    }
    // Most changes share their second with others: the clock moves now and then, 0-2 s.
    if (random() < 0.08) sim.clock.advance(Math.floor(random() * 2000) / 1000);
  };
  const changes = (count: number, budget: { tickets: number }): void => {
    for (let index = 0; index < count; index++) change(budget);
  };

  const record = (msg: NodeMessage): void => {
    const cw = (msg as OutMessage).cw as PollMessageInfo | undefined;
    // A per-poll message lists its page's changes; a per-record message is one change.
    const changed = cw?.changes ?? [{ id: cw?.id, lastUpdated: cw?.lastUpdated }];
    for (const { id, lastUpdated } of changed) {
      const key = `${id}@${lastUpdated}`;
      emitted.set(key, (emitted.get(key) ?? 0) + 1);
      report.changesEmitted += 1;
    }
    report.messages += 1;
  };
  const recordEnds = (): void => {
    helper.getNode('out').on('input', record);
    helper.getNode('completed').on('input', () => (ended += 1));
    helper.getNode('caught').on('input', () => {
      ended += 1;
      report.pollErrors += 1;
    });
  };

  const flow = (epoch: number): FlowNode[] =>
    observedFlow(
      {
        id: SUBJECT_ID,
        type: 'connectwise-poll',
        name: `soak ${epoch}`,
        connection: CONNECTION_ID,
        operationId: 'getServiceTickets',
        params: [],
        conditions: '',
        fields: '',
        pageSize: pick(PAGE_SIZES),
        interval: 1,
        intervalUnit: 'h',
        output: pick(['per-record', 'per-record', 'per-poll']),
        start: 'since',
        since: '2020-01-01T00:00:00Z',
      },
      [connectionNode(address, { retries: 1, timeout: 2 }) as unknown as FlowNode],
    );

  let loaded = false;
  const deploy = async (epoch: number, redeploy: boolean): Promise<Node> => {
    if (redeploy && loaded) {
      // A full deploy through the runtime's flows API, as the editor's Deploy button does.
      await helper.setFlows(flow(epoch), 'full', credentials);
      report.redeploys += 1;
    } else {
      if (loaded) await helper.unload();
      await helper.load([connectionModule, pollModule], flow(epoch), credentials);
      await loadContextStores();
    }
    loaded = true;
    recordEnds();
    return helper.getNode(SUBJECT_ID);
  };

  /** Triggers a poll and changes tickets while it runs; answers when it ended. */
  const pollWhileChanging = async (node: Node, budget: { tickets: number }): Promise<void> => {
    const before = ended;
    if (random() < faultRate) {
      sim.faults.add({ kind: pick(SOAK_FAULTS), count: 2, match: { method: 'GET' } });
      report.faults += 1;
    }
    node.receive({ payload: '' });
    report.polls += 1;
    const deadline = Date.now() + 30_000;
    while (ended === before) {
      if (Date.now() > deadline) throw new Error('soak: a poll did not end within 30 s');
      changes(Math.floor(random() * 4), budget);
      await pause(1);
    }
    sim.faults.clear();
  };

  const perEpoch = Math.ceil(options.tickets / options.restarts);
  let node = await deploy(0, false);
  for (let epoch = 1; epoch <= options.restarts; epoch++) {
    const budget = { tickets: Math.min(perEpoch, options.tickets - report.tickets) };
    const rounds = 2 + Math.floor(random() * 3);
    for (let round = 0; round < rounds; round++) {
      changes(Math.ceil(budget.tickets / (rounds - round)) + Math.floor(random() * 5), budget);
      await pollWhileChanging(node, budget);
    }
    while (budget.tickets > 0) change(budget);
    if (random() < 0.5) {
      // Stop in the middle of a poll: after its first messages, or before it got anywhere.
      const messagesBefore = report.messages;
      const endedBefore = ended;
      const waitForMessages = random() < 0.5;
      node.receive({ payload: '' });
      report.polls += 1;
      const deadline = Date.now() + 2000;
      while (waitForMessages && report.messages === messagesBefore && Date.now() < deadline) {
        await pause(1);
      }
      changes(Math.floor(random() * 10), budget);
      if (ended === endedBefore) report.stopsMidPoll += 1;
    }
    report.restarts += 1;
    node = await deploy(epoch, epoch % redeployEvery === 0);
    countRequests();
    options.progress?.(
      `restart ${epoch}/${options.restarts}: ${report.tickets} tickets, ${report.updates} updates, ` +
        `${report.messages} messages`,
    );
  }

  // The final poll: no faults, nothing changing, every page walked.
  sim.faults.clear();
  const before = ended;
  const errorsBefore = report.pollErrors;
  node.receive({ payload: '' });
  report.polls += 1;
  const deadline = Date.now() + 60_000;
  while (ended === before && Date.now() < deadline) await pause(2);
  if (ended === before || report.pollErrors > errorsBefore) {
    throw new Error('soak: the final, fault-free poll did not complete');
  }
  await pause(20);
  await helper.unload();
  helper.settings({});
  countRequests();
  report.requests = requestsSeen;

  const finals = sim.store
    .list(TICKETS)
    .map((ticket) => `${ticket.id}@${(ticket._info as { lastUpdated: string }).lastUpdated}`);
  report.finalPairs = finals.length;
  report.missing = finals.filter((pair) => !emitted.has(pair));
  report.duplicates = [...emitted].filter(([, count]) => count > 1).map(([pair]) => pair);
  await sim.stop();
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
