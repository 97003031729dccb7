/**
 * The poll node's watched fields and filters in a Node-RED runtime against the simulator over
 * HTTP: msg.changes, "status becomes", the snapshot stored with the watermark, restarts.
 */
import { strict as assert } from 'node:assert';

import type { Node, NodeMessage } from 'node-red';

import type { FieldChanges } from '../../src/core/change-tracker';
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
  waitFor as waitUntil,
  type Recorder,
} from '../helpers/node-red-harness';
import { persistentContextStore, type StoredContext } from '../helpers/persistent-context';

const TICKETS = 'service/tickets';
const START = '2025-03-01T10:00:00Z';
const WAITING = 'Waiting on Customer';

type OutMessage = NodeMessage & {
  event?: string;
  changes?: FieldChanges | FieldChanges[];
  cw?: { id?: number; lastUpdated?: string; changes?: { id: number; changes?: FieldChanges }[] };
  error?: { message: string };
};
type Ticket = { id: number; [key: string]: unknown };

let sim: Simulator;
let recorder: Recorder<OutMessage>;

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

const WATCHING: Partial<PollConfig> = {
  watchedFields: 'status/name, owner/identifier',
  changeFilters: [],
};

async function loadFlow(
  config: Partial<PollConfig> & Record<string, unknown>,
  stored?: StoredContext,
): Promise<Node> {
  if (stored) {
    helper.settings({ contextStorage: { default: { module: persistentContextStore(stored) } } });
  }
  const loaded = await loadObserved<OutMessage>(
    [connectionModule, pollModule],
    observedFlow(pollNode(config), [connectionNode(address(), { retries: 0 })], {
      label: 'poll changes',
    }),
    connectionCredentials(address()),
    { contextStores: stored !== undefined },
  );
  recorder = loaded.recorder;
  return loaded.node;
}

async function poll(node: Node): Promise<OutMessage[]> {
  const outBefore = recorder.out.length;
  const caughtBefore = recorder.caught.length;
  const doneBefore = recorder.completed.length;
  node.receive({ payload: '' });
  await waitUntil(
    'the poll to finish',
    () => recorder.completed.length > doneBefore || recorder.caught.length > caughtBefore,
    8000,
    () => recorderState(recorder),
  );
  await settle();
  const caught = recorder.caught.slice(caughtBefore);
  if (caught.length > 0) throw new Error(`unexpected error: ${caught[0].error?.message}`);
  return recorder.out.slice(outBefore);
}

function addTicket(status: string, owner = 'amy'): Ticket {
  return sim.store.insert(TICKETS, {
    summary: 'printer',
    status: { id: 1, name: status },
    owner: { id: 1, identifier: owner },
  }) as Ticket;
}

function setStatus(id: number, status: string, owner?: string): void {
  sim.clock.advance(60);
  sim.store.update(TICKETS, id, {
    status: { id: 2, name: status },
    ...(owner ? { owner: { id: 2, identifier: owner } } : {}),
  });
}

function summary(messages: OutMessage[]): unknown[] {
  return messages.map((msg) => [(msg.payload as Ticket).id, msg.event, msg.changes]);
}

describe('connectwise-poll node: watched fields', function () {
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

  it('says what changed: every watched field on creation, then only the changed ones', async () => {
    const node = await loadFlow(WATCHING);
    await poll(node);
    sim.clock.advance(5);
    const created = addTicket('New');
    assert.deepEqual(summary(await poll(node)), [
      [created.id, 'created', { 'status/name': { to: 'New' }, 'owner/identifier': { to: 'amy' } }],
    ]);
    setStatus(created.id, 'In Progress');
    assert.deepEqual(summary(await poll(node)), [
      [created.id, 'updated', { 'status/name': { from: 'New', to: 'In Progress' } }],
    ]);
    sim.clock.advance(60);
    sim.store.update(TICKETS, created.id, { summary: 'not watched' });
    assert.deepEqual(
      summary(await poll(node)),
      [[created.id, 'updated', {}]],
      'no filter: every change is sent, the diff is empty',
    );
  });

  it('knows what a field was before for records that existed before the first deploy', async () => {
    const old = addTicket('In Progress');
    sim.clock.advance(60);
    const node = await loadFlow({
      ...WATCHING,
      changeFilters: [{ kind: 'becomes', field: 'status/name', value: WAITING }],
    });
    await poll(node); // notes the time and reads the watched fields of every ticket once
    const baseline = sim.log.filter((entry) => /\/service\/tickets$/.test(entry.path)).at(-1);
    assert.match(String((baseline?.query as { fields?: string }).fields), /status\/name/);
    setStatus(old.id, WAITING);
    assert.deepEqual(summary(await poll(node)), [
      [old.id, 'updated', { 'status/name': { from: 'In Progress', to: WAITING } }],
    ]);
  });

  it('sends only the tickets that enter a status, once each time they enter it', async () => {
    const node = await loadFlow({
      ...WATCHING,
      changeFilters: [{ kind: 'becomes', field: 'status/name', value: WAITING }],
    });
    await poll(node);
    const a = addTicket('New');
    const b = addTicket(WAITING);
    assert.deepEqual(summary(await poll(node)), [
      [b.id, 'created', { 'status/name': { to: WAITING }, 'owner/identifier': { to: 'amy' } }],
    ]);
    setStatus(a.id, WAITING);
    setStatus(b.id, WAITING, 'bob'); // still waiting: the owner changed, nothing entered
    assert.deepEqual(summary(await poll(node)), [
      [a.id, 'updated', { 'status/name': { from: 'New', to: WAITING } }],
    ]);
    setStatus(a.id, 'In Progress');
    assert.deepEqual(await poll(node), []);
    setStatus(a.id, WAITING);
    assert.deepEqual(summary(await poll(node)), [
      [a.id, 'updated', { 'status/name': { from: 'In Progress', to: WAITING } }],
    ]);
  });

  it('keeps the snapshot with the watermark in one value, and diffs across a restart', async () => {
    const stored: StoredContext = new Map();
    const config = {
      ...WATCHING,
      changeFilters: [{ kind: 'leaves' as const, field: 'status/name', value: 'New' }],
    };
    let node = await loadFlow(config, stored);
    await poll(node);
    const ticket = addTicket('New');
    assert.deepEqual(await poll(node), [], 'created as New: it did not leave New');
    const saved = [...stored.values()].map((values) => values.get('watermark')).find(Boolean);
    const snapshot = JSON.parse(saved ?? '{}').snapshot;
    assert.deepEqual(
      { ...snapshot, records: JSON.parse(snapshot.records) },
      {
        version: 1,
        fields: ['status/name', 'owner/identifier'],
        records: { [ticket.id]: [Date.parse(START) / 1000, 'New', 'amy'] },
      },
    );
    assert.equal(
      [...stored.values()].reduce((keys, values) => keys + values.size, 0),
      1,
      'one key: the watermark and its snapshot',
    );

    await helper.unload();
    setStatus(ticket.id, 'Open');
    node = await loadFlow(config, stored);
    assert.deepEqual(summary(await poll(node)), [
      [ticket.id, 'updated', { 'status/name': { from: 'New', to: 'Open' } }],
    ]);
    await helper.unload();
    node = await loadFlow(config, stored);
    assert.deepEqual(await poll(node), [], 'nothing repeated after a second restart');
  });

  it('loses and repeats no diff when stopped in the middle of a burst', async () => {
    const stored: StoredContext = new Map();
    const config = { ...WATCHING, pageSize: 3 };
    let node = await loadFlow(config, stored);
    await poll(node);
    const tickets = Array.from({ length: 7 }, () => addTicket('New'));
    await poll(node);
    sim.clock.advance(60);
    for (const ticket of tickets)
      sim.store.update(TICKETS, ticket.id, { status: { name: 'Open' } });

    sim.faults.add({ kind: 'slow', count: 2, delayMs: 300 });
    const before = recorder.out.length;
    node.receive({ payload: '' });
    await waitUntil('the first page', () => recorder.out.length >= before + 3, 8000);
    const beforeRestart = recorder.out.slice(before);
    await helper.unload();
    await settle(400);

    node = await loadFlow(config, stored);
    const sent = [...beforeRestart, ...(await poll(node))];
    assert.deepEqual(
      sent.map((msg) => (msg.payload as Ticket).id),
      tickets.map((ticket) => ticket.id),
      'every ticket once',
    );
    for (const msg of sent) {
      assert.deepEqual(msg.changes, { 'status/name': { from: 'New', to: 'Open' } });
    }
  });

  it('puts the diffs in msg.changes and msg.cw.changes with per-poll output', async () => {
    const node = await loadFlow({
      ...WATCHING,
      output: 'per-poll',
      changeFilters: [{ kind: 'any' }],
    });
    await poll(node);
    const ticket = addTicket('New');
    await poll(node);
    setStatus(ticket.id, 'Open');
    const [message, ...rest] = await poll(node);
    assert.equal(rest.length, 0);
    const diff = { 'status/name': { from: 'New', to: 'Open' } };
    assert.deepEqual(message.changes, [diff]);
    assert.deepEqual(message.cw?.changes?.[0].changes, diff);
    sim.clock.advance(60);
    sim.store.update(TICKETS, ticket.id, { summary: 'not watched' });
    assert.deepEqual(
      await poll(node),
      [],
      '"any watched field": an unwatched change sends nothing',
    );
  });

  it('asks for the watched fields when the node reads some fields only', async () => {
    const node = await loadFlow({ ...WATCHING, fields: 'id,summary' });
    await poll(node);
    addTicket('New');
    const [message] = await poll(node);
    assert.deepEqual(message.changes, {
      'status/name': { to: 'New' },
      'owner/identifier': { to: 'amy' },
    });
    const query = sim.log.filter((entry) => entry.method === 'GET').at(-1)?.query as {
      fields?: string;
    };
    assert.match(query.fields ?? '', /status\/name/);
  });

  it('polls as before for a node saved before watched fields (version 1)', async () => {
    const saved: Record<string, unknown> = { ...pollNode(), version: 1 };
    delete saved.watchedFields;
    delete saved.changeFilters;
    const node = await loadFlow(saved);
    await poll(node);
    addTicket('New');
    const [message] = await poll(node);
    assert.equal(message.event, 'created');
    assert.equal(message.changes, undefined, 'watches nothing: no msg.changes');
  });

  it('refuses a filter on a field it does not watch, naming it', async () => {
    const node = await loadFlow({
      ...WATCHING,
      changeFilters: [{ kind: 'becomes', field: 'priority/name', value: 'High' }],
    });
    node.receive({ payload: '' });
    await waitUntil('the error', () => recorder.caught.length >= 1, 8000);
    assert.match(
      recorder.caught[0].error?.message ?? '',
      /changeFilters\[0\]\.field: "priority\/name" is not one of the watched fields/,
    );
    assert.equal(recorder.out.length, 0);
  });
});
