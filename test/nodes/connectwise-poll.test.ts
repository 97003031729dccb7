/**
 * The connectwise-poll node in a Node-RED runtime (node-red-node-test-helper) against the
 * simulator with a frozen clock. Polls are triggered by input messages (the interval is an hour);
 * loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';

import type { Node, NodeMessage } from 'node-red';

import type { Watermark } from '../../src/core/change-poller';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { PollConfig } from '../../src/shared/node-configs';
import {
  connectionCredentials,
  connectionNode,
  pollNode,
  type SimulatorAddress,
} from '../helpers/node-flows';
import {
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  pollModule,
  recorderState,
  settle,
  statusCalls,
  waitFor as waitUntil,
  type Recorder,
  type Status,
} from '../helpers/node-red-harness';
import { persistentContextStore } from '../helpers/persistent-context';

const TICKETS = 'service/tickets';
const START = '2025-03-01T10:00:00Z';
const WAIT_MS = 8000;

interface PollInfo {
  operationId: string;
  watermark: Watermark;
  pollId: string;
  id?: number;
  lastUpdated?: string;
  page?: number;
  last?: boolean;
  changes?: { id: number; event: string; lastUpdated: string }[];
}

type OutMessage = NodeMessage & {
  event?: string;
  cw?: PollInfo;
  error?: { message: string };
  status?: Status;
};

type Ticket = { id: number; summary?: string; [key: string]: unknown };

let sim: Simulator;
let recorder: Recorder<OutMessage>;

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

type PollSettings = Partial<PollConfig> & Record<string, unknown>;

async function loadFlow(
  config: PollSettings = {},
  options: { connection?: Record<string, unknown>; contextStores?: boolean } = {},
): Promise<Node> {
  const connection = connectionNode(address(), { retries: 0, ...options.connection });
  const loaded = await loadObserved<OutMessage>(
    [connectionModule, pollModule],
    observedFlow(pollNode(config), [connection], { label: 'poll tests' }),
    connectionCredentials(address()),
    { contextStores: options.contextStores },
  );
  recorder = loaded.recorder;
  return loaded.node;
}

function waitFor(label: string, ready: () => boolean, ms = WAIT_MS): Promise<void> {
  return waitUntil(label, ready, ms, () => recorderState(recorder));
}

/** Triggers a poll with an input message; answers the messages it sent. Fails on an error. */
async function poll(node: Node, msg: Record<string, unknown> = {}): Promise<OutMessage[]> {
  const outBefore = recorder.out.length;
  const caughtBefore = recorder.caught.length;
  const doneBefore = recorder.completed.length;
  node.receive({ payload: '', ...msg });
  await waitFor(
    'the poll to finish',
    () => recorder.completed.length > doneBefore || recorder.caught.length > caughtBefore,
  );
  await settle();
  const caught = recorder.caught.slice(caughtBefore);
  if (caught.length > 0) throw new Error(`unexpected error: ${caught[0].error?.message}`);
  return recorder.out.slice(outBefore);
}

/** Triggers a poll that must fail; answers the error message and the messages sent before it. */
async function failingPoll(node: Node): Promise<{ error: string; sent: OutMessage[] }> {
  const outBefore = recorder.out.length;
  const caughtBefore = recorder.caught.length;
  node.receive({ payload: '' });
  await waitFor('the poll to fail', () => recorder.caught.length > caughtBefore);
  await settle();
  assert.equal(recorder.caught.length - caughtBefore, 1, 'one error per failing poll');
  return {
    error: recorder.caught[caughtBefore].error?.message ?? '',
    sent: recorder.out.slice(outBefore),
  };
}

function lastStatus(): Status {
  const { fill, shape, text } = recorder.statuses[recorder.statuses.length - 1] ?? {};
  return { fill, shape, text };
}

function ids(messages: OutMessage[]): number[] {
  return messages.map((msg) => (msg.payload as Ticket).id);
}

function ticketRequests(): { conditions?: string; page?: string }[] {
  return sim.log
    .filter((entry) => entry.method === 'GET' && /\/service\/tickets$/i.test(entry.path))
    .map((entry) => entry.query as { conditions?: string; page?: string });
}

function addTickets(count: number, fields: Record<string, unknown> = {}): Ticket[] {
  const added: Ticket[] = [];
  for (let index = 0; index < count; index++) {
    added.push(sim.store.insert(TICKETS, { summary: `ticket ${index}`, ...fields }) as Ticket);
  }
  return added;
}

describe('connectwise-poll node', function () {
  this.timeout(30_000);

  before(async () => {
    sim = await startSimulator({ seed: false, clock: () => new Date(START) });
    sim.clock.freeze();
  });

  after(async () => {
    await sim.stop();
  });

  beforeEach(() => {
    sim.store.clear();
    sim.faults.clear();
    sim.clock.set(START);
    sim.clearLog();
  });

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  it('emits a created ticket, then its update, each once, with event, topic and cw', async () => {
    addTickets(2);
    const node = await loadFlow();
    assert.deepEqual(await poll(node), [], 'the first poll only sets the starting point');
    assert.match(lastStatus().text ?? '', /^watching from now · /);

    sim.clock.advance(5);
    const [created] = addTickets(1, { summary: 'printer on fire' });
    const first = await poll(node);
    assert.deepEqual(ids(first), [created.id]);
    assert.equal(first[0].event, 'created');
    assert.equal(first[0].topic, '/service/tickets');
    assert.equal((first[0].payload as Ticket).summary, 'printer on fire');
    assert.equal(first[0].cw?.operationId, 'getServiceTickets');
    assert.equal(first[0].cw?.id, created.id);
    assert.equal(first[0].cw?.lastUpdated, '2025-03-01T10:00:05Z');
    assert.deepEqual(first[0].cw?.watermark, {
      version: 1,
      lastUpdated: '2025-03-01T10:00:05Z',
      ids: [created.id],
    });
    assert.equal(typeof first[0].cw?.pollId, 'string');
    assert.equal(lastStatus().fill, 'green');
    assert.equal(lastStatus().shape, 'dot');
    assert.match(lastStatus().text ?? '', /^1 change · \d\d:\d\d:\d\d$/);

    sim.clock.advance(60);
    sim.store.update(TICKETS, created.id, { summary: 'printer still on fire' });
    const second = await poll(node);
    assert.deepEqual(ids(second), [created.id]);
    assert.equal(second[0].event, 'updated');
    assert.equal((second[0].payload as Ticket).summary, 'printer still on fire');

    assert.deepEqual(await poll(node), [], 'nothing is emitted twice');
    assert.match(lastStatus().text ?? '', /^no changes · \d\d:\d\d:\d\d$/);
    assert.equal(lastStatus().shape, 'ring');
  });

  it('emits records changed in the same second as the watermark, and none twice', async () => {
    const node = await loadFlow();
    await poll(node); // empty collection: everything after this is new
    const [first] = addTickets(1);
    assert.deepEqual(ids(await poll(node)), [first.id]);

    // Same frozen second: a new ticket and an update of an older one.
    const [older] = addTickets(1);
    const [second] = addTickets(1);
    sim.store.update(TICKETS, older.id, { summary: 'changed' });
    const again = await poll(node);
    assert.deepEqual(ids(again).sort(), [older.id, second.id].sort());
    assert.deepEqual(again[again.length - 1].cw?.watermark.ids, [first.id, older.id, second.id]);
    assert.deepEqual(await poll(node), []);
  });

  it('walks more changes than one page in one poll, in order', async () => {
    const node = await loadFlow({ pageSize: 5 });
    await poll(node);
    const added = addTickets(7);
    sim.clock.advance(1);
    added.push(...addTickets(5));
    sim.clearLog();
    const sent = await poll(node);
    assert.deepEqual(
      ids(sent),
      added.map((ticket) => ticket.id),
    );
    assert.ok(sent.every((msg) => msg.event === 'created'));
    assert.equal(new Set(sent.map((msg) => msg.cw?.pollId)).size, 1, 'one poll id');
    assert.equal(ticketRequests().length, 3, '12 changes in pages of 5: three queries');
    assert.ok(
      ticketRequests().every((query) => query.page === '1'),
      'no page offsets',
    );
    assert.match(lastStatus().text ?? '', /^12 changes · /);
  });

  it("adds the node's conditions to every query", async () => {
    const helpDesk = { board: { id: 1, name: 'Help Desk' } };
    const node = await loadFlow({ conditions: 'board/name="Help Desk"' });
    await poll(node);
    const wanted = addTickets(2, helpDesk);
    addTickets(1, { board: { id: 2, name: 'Projects' } });
    assert.deepEqual(
      ids(await poll(node)),
      wanted.map((ticket) => ticket.id),
    );
    assert.ok(
      ticketRequests().every((query) => query.conditions?.includes('board/name="Help Desk"')),
    );
  });

  it('fills message-time values into its conditions at each poll', async () => {
    const node = await loadFlow({ conditions: 'board/name = {{msg.board}}' });
    await poll(node, { board: 'Help Desk' });
    const helpDesk = addTickets(2, { board: { id: 1, name: 'Help Desk' } });
    const projects = addTickets(1, { board: { id: 2, name: 'Projects' } });
    assert.deepEqual(
      ids(await poll(node, { board: 'Help Desk' })),
      helpDesk.map((ticket) => ticket.id),
    );
    const queries = ticketRequests();
    assert.ok(queries.every((query) => query.conditions?.includes('board/name = "Help Desk"')));
    // The next message names another board: the poll asks for its records from the watermark on.
    sim.store.update(TICKETS, projects[0].id, { summary: 'moved on' });
    assert.deepEqual(ids(await poll(node, { board: 'Projects' })), [projects[0].id]);
  });

  it('fails a poll whose message lacks a value of its conditions, sending nothing', async () => {
    const node = await loadFlow({ conditions: 'board/name = {{msg.board}}' });
    sim.clearLog();
    const { error, sent } = await failingPoll(node);
    assert.equal(error, 'conditions: {{msg.board}} is not set');
    assert.deepEqual(sent, []);
    assert.equal(ticketRequests().length, 0);
  });

  it('reads very long conditions as POST .../search', async () => {
    const added = addTickets(3);
    const others = Array.from({ length: 400 }, (_, i) => 900000 + i);
    const conditions = `id in (${[added[0].id, added[2].id, ...others].join(',')})`;
    const node = await loadFlow({ conditions, start: 'since', since: '2025-01-01T00:00:00Z' });
    assert.deepEqual(ids(await poll(node)), [added[0].id, added[2].id]);
    const searches = sim.log.filter((entry) => entry.path.endsWith('/service/tickets/search'));
    assert.ok(searches.length > 0 && searches.every((entry) => entry.method === 'POST'));
    assert.equal(ticketRequests().length, 0, 'no GET with the long URL');
  });

  it('starts from a date with start "since"', async () => {
    sim.store.insert(TICKETS, {
      summary: 'old',
      _info: { lastUpdated: '2025-01-15T08:00:00Z', dateEntered: '2025-01-15T08:00:00Z' },
    });
    const recent = sim.store.insert(TICKETS, {
      summary: 'recent',
      _info: { lastUpdated: '2025-02-20T08:00:00Z', dateEntered: '2025-01-10T08:00:00Z' },
    }) as Ticket;
    const [today] = addTickets(1);
    const node = await loadFlow({ start: 'since', since: '2025-02-01T00:00:00.000Z' });
    const sent = await poll(node);
    assert.deepEqual(ids(sent), [recent.id, today.id]);
    assert.deepEqual(
      sent.map((msg) => msg.event),
      ['updated', 'created'],
    );
    assert.deepEqual(await poll(node), []);
  });

  it('sends one message per page with "per-poll" output, the last one marked', async () => {
    const node = await loadFlow({ pageSize: 5, output: 'per-poll' });
    await poll(node);
    const added = addTickets(12);
    const pages = await poll(node);
    assert.equal(pages.length, 3);
    assert.deepEqual(
      pages.map((msg) => (msg.payload as Ticket[]).length),
      [5, 5, 2],
    );
    assert.deepEqual(
      pages.map((msg) => [msg.cw?.page, msg.cw?.last]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    assert.deepEqual(
      pages.flatMap((msg) => ids((msg.payload as Ticket[]).map((payload) => ({ payload })))),
      added.map((ticket) => ticket.id),
    );
    assert.deepEqual(pages[0].cw?.changes?.[0], {
      id: added[0].id,
      event: 'created',
      lastUpdated: START,
    });
    assert.equal(pages[0].topic, '/service/tickets');

    // Exactly two full pages: the second is still the last message of its poll.
    addTickets(10);
    const full = await poll(node);
    assert.deepEqual(
      full.map((msg) => [msg.cw?.page, msg.cw?.last]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.deepEqual(await poll(node), [], 'no message when nothing changed');
  });

  it('loses and repeats nothing when restarted in the middle of a burst', async () => {
    const stored = new Map<string, Map<string, string>>();
    helper.settings({
      contextStorage: { default: { module: persistentContextStore(stored) } },
    });
    const config: PollSettings = { pageSize: 5 };
    let node = await loadFlow(config, { contextStores: true });
    await poll(node);
    assert.doesNotMatch(lastStatus().text ?? '', /restarts/, 'a persistent store: no warning');
    const added = addTickets(12);

    // Every answer is slow, so the second page is still on its way when the node stops.
    sim.faults.add({ kind: 'slow', count: 2, delayMs: 300 });
    node.receive({ payload: '' });
    await waitFor('the first page', () => recorder.out.length >= 5);
    const beforeRestart = ids(recorder.out);
    await helper.unload();
    await settle(400); // the abandoned second page arrives after the close

    node = await loadFlow(config, { contextStores: true });
    const afterRestart = await poll(node);
    assert.deepEqual(
      beforeRestart,
      added.slice(0, 5).map((ticket) => ticket.id),
    );
    assert.deepEqual(
      [...beforeRestart, ...ids(afterRestart)],
      added.map((ticket) => ticket.id),
      'every ticket exactly once',
    );
    const saved = [...stored.values()].map((values) => values.get('watermark')).find(Boolean);
    assert.deepEqual(JSON.parse(saved ?? '{}'), {
      version: 1,
      lastUpdated: START,
      ids: added.map((ticket) => ticket.id),
      operationId: 'getServiceTickets',
    });
  });

  for (const output of ['per-record', 'per-poll'] as const) {
    it(`loses nothing when the flow stops after a send, before delivery (${output})`, async () => {
      const stored = new Map<string, Map<string, string>>();
      helper.settings({
        contextStorage: { default: { module: persistentContextStore(stored) } },
      });
      const config: PollSettings = { pageSize: 5, output };
      let node = await loadFlow(config, { contextStores: true });
      await poll(node);
      const added = addTickets(3);

      // Node-RED hands a sent message to the next node on a later turn: a stop in the same turn
      // as the send closes that node first, and the runtime drops the message.
      const received = recorder.out;
      const send = node.send.bind(node);
      let stopped: Promise<void> | undefined;
      node.send = (msg) => {
        send(msg);
        stopped ??= helper.unload();
      };
      node.receive({ payload: '' });
      await waitFor('the flow to stop', () => stopped !== undefined);
      await stopped;
      await settle(100);

      node = await loadFlow(config, { contextStores: true });
      const afterRestart = await poll(node);
      const emitted = [...received, ...afterRestart].flatMap((msg) =>
        Array.isArray(msg.payload)
          ? (msg.payload as Ticket[]).map((ticket) => ticket.id)
          : ids([msg]),
      );
      assert.deepEqual(
        emitted,
        added.map((ticket) => ticket.id),
        'every ticket reaches the flow once',
      );
    });
  }

  it('keeps the watermark when the server fails mid-paging, and resumes on the next poll', async () => {
    const node = await loadFlow({ pageSize: 5 });
    await poll(node);
    const added = addTickets(12);
    // The first answer passes; the second page's request fails (the connection does not retry).
    sim.faults.add({ kind: 'slow', count: 1, delayMs: 1 });
    sim.faults.add({ kind: 500, count: 1 });
    const failed = await failingPoll(node);
    assert.match(failed.error, /500/);
    assert.deepEqual(
      ids(failed.sent),
      added.slice(0, 5).map((ticket) => ticket.id),
    );
    assert.equal(lastStatus().fill, 'red');
    assert.match(lastStatus().text ?? '', /500.* · \d\d:\d\d:\d\d$/);

    const resumed = await poll(node);
    assert.deepEqual(
      ids(resumed),
      added.slice(5).map((ticket) => ticket.id),
    );
    assert.equal(lastStatus().fill, 'green');
  });

  it('sends the page it holds when a later page fails, with "per-poll" output', async () => {
    const node = await loadFlow({ pageSize: 5, output: 'per-poll' });
    await poll(node);
    const added = addTickets(12);
    sim.faults.add({ kind: 'slow', count: 1, delayMs: 1 });
    sim.faults.add({ kind: 503, count: 1 });
    const failed = await failingPoll(node);
    assert.deepEqual(
      failed.sent.map((msg) => [msg.cw?.page, msg.cw?.last, (msg.payload as Ticket[]).length]),
      [[1, true, 5]],
    );
    const resumed = await poll(node);
    assert.deepEqual(
      resumed.flatMap((msg) => (msg.payload as Ticket[]).map((ticket) => ticket.id)),
      added.slice(5).map((ticket) => ticket.id),
    );
  });

  it('sends one request when nothing changed', async () => {
    addTickets(3);
    const node = await loadFlow();
    await poll(node);
    sim.clearLog();
    assert.deepEqual(await poll(node), []);
    assert.equal(sim.log.length, 1);
    assert.match(sim.log[0].path, /\/service\/tickets$/);
  });

  it('refuses an interval under ten seconds', async () => {
    const node = await loadFlow({ interval: 5, intervalUnit: 's' });
    const [refused] = statusCalls(node);
    assert.equal(refused?.fill, 'red');
    assert.match(refused?.text ?? '', /^interval: 5s is too short/);
    node.receive({ payload: '' });
    await waitFor('the error', () => recorder.caught.length > 0);
    assert.match(
      recorder.caught[0].error?.message ?? '',
      /interval: 5s is too short: poll every 10 s or more/,
    );
    await settle(1200);
    assert.equal(sim.log.length, 0, 'a refused node never polls');
  });

  it('polls shortly after deploy and says when restarts start from now', async () => {
    await loadFlow();
    await waitFor('the first timed poll', () => recorder.statuses.some((s) => s.text), 3000);
    assert.deepEqual(lastStatus(), {
      fill: 'green',
      shape: 'ring',
      text: 'watching from now · restarts start from now',
    });
    assert.equal(ticketRequests().length, 1);
  });

  it('hands a failed timed poll to a Catch node, naming the operation', async () => {
    sim.faults.add({ kind: 500, count: 1 });
    await loadFlow();
    await waitFor('the timed poll to fail', () => recorder.caught.length > 0, 3000);
    await settle();
    assert.equal(recorder.caught.length, 1);
    assert.match(recorder.caught[0].error?.message ?? '', /GET \/service\/tickets failed: 500/);
    assert.equal(recorder.caught[0].cw?.operationId, 'getServiceTickets');
    assert.equal(lastStatus().fill, 'red');
  });

  it('polls a child collection with a path parameter row', async () => {
    const node = await loadFlow({
      operationId: 'getServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'num', value: '12' }],
      start: 'since',
      since: '2025-01-01T00:00:00Z',
    });
    const note = sim.store.insert('service/tickets/12/notes', { text: 'called the customer' });
    sim.store.insert('service/tickets/13/notes', { text: 'another ticket' });
    const sent = await poll(node);
    assert.deepEqual(ids(sent), [note.id]);
    assert.equal(sent[0].topic, '/service/tickets/12/notes');
  });

  it('reads a parameter row from the triggering message', async () => {
    const node = await loadFlow({
      operationId: 'getServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'msg', value: 'ticketId' }],
      start: 'since',
      since: '2025-01-01T00:00:00Z',
    });
    const note = sim.store.insert('service/tickets/7/notes', { text: 'on site' });
    const sent = await poll(node, { ticketId: 7 });
    assert.deepEqual(ids(sent), [note.id]);
    assert.equal(sent[0].topic, '/service/tickets/7/notes');
  });

  it('refuses an operation that does not answer a list', async () => {
    const node = await loadFlow({ operationId: 'getServiceTicketsById' });
    node.receive({ payload: '' });
    await waitFor('the error', () => recorder.caught.length > 0);
    assert.match(recorder.caught[0].error?.message ?? '', /^operationId: .*does not answer a list/);
    assert.equal(lastStatus().fill, 'red');
  });
});
