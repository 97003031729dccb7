/**
 * Forward-only paging in the request node's paging modes: `pagination-type: forward-only`, then
 * `pageId` from the `Link` header, records in id order, and a header that conflicts with the
 * node's paging refused before anything is sent.
 */
import { strict as assert } from 'node:assert';

import type { Node, NodeMessage } from 'node-red';

import { startSimulator, type Simulator } from '../../src/simulator';
import type { RequestConfig } from '../../src/shared/node-configs';
import {
  connectionCredentials,
  connectionNode,
  requestNode,
  type SimulatorAddress,
} from '../helpers/node-flows';
import {
  caughtText,
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  recorderState,
  requestModule,
  waitFor,
  type Recorder,
} from '../helpers/node-red-harness';

const TICKETS = 350;

type OutMessage = NodeMessage & {
  cw?: {
    paging?: {
      pages?: number;
      count?: number;
      truncated?: boolean;
      last?: boolean;
      limit?: number;
    };
  };
  error?: { message: string };
};

let sim: Simulator;
let recorder: Recorder<OutMessage>;

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

async function loadFlow(
  config: Partial<RequestConfig> & { operationId: string; [key: string]: unknown },
): Promise<Node> {
  const loaded = await loadObserved<OutMessage>(
    [connectionModule, requestModule],
    observedFlow(requestNode(config), [connectionNode(address())]),
    connectionCredentials(address()),
  );
  recorder = loaded.recorder;
  return loaded.node;
}

/** Sends `msg` and waits until the node calls done. */
async function exchange(node: Node, msg: Record<string, unknown> = {}): Promise<void> {
  const before = recorder.completed.length + recorder.caught.length;
  node.receive({ payload: '', ...msg });
  await waitFor(
    'the node to finish',
    () => recorder.completed.length + recorder.caught.length > before,
    15_000,
    () => recorderState(recorder),
  );
  if (recorder.caught.length > 0 && !('expectError' in msg)) {
    throw new Error(`unexpected error: ${caughtText(recorder.caught[0])}`);
  }
}

function listRequests() {
  return sim.log.filter(
    (entry) => entry.method === 'GET' && entry.path.endsWith('/service/tickets'),
  );
}

function allTicketIds(): number[] {
  return sim.store
    .list('service/tickets')
    .map((ticket) => ticket.id)
    .sort((a, b) => a - b);
}

const pageSizeRow = { name: 'pageSize', type: 'num' as const, value: '100' };

describe('connectwise-request node: forward-only paging', function () {
  this.timeout(30_000);

  before(async () => {
    sim = await startSimulator({ seedSize: { tickets: TICKETS, ticketsWithNotes: 0 } });
  });
  after(() => sim.stop());
  afterEach(async () => {
    await helper.unload();
    sim.clearLog();
  });

  it('all pages: every record once, in id order, by pageId, with the Link header followed', async () => {
    const node = await loadFlow({
      operationId: 'getServiceTickets',
      paging: 'all',
      forwardOnly: true,
      params: [pageSizeRow],
    });
    await exchange(node);
    const [msg] = recorder.out;
    const ids = (msg.payload as { id: number }[]).map((ticket) => ticket.id);
    assert.deepEqual(ids, allTicketIds());
    assert.deepEqual(msg.cw?.paging, {
      pages: 4,
      count: ids.length,
      truncated: false,
      limit: 10_000,
    });
    const sent = listRequests();
    assert.equal(sent.length, 4);
    for (const entry of sent) {
      assert.equal(entry.headers['pagination-type'], 'forward-only');
      assert.equal(entry.query.page, undefined, 'no page parameter');
    }
    assert.deepEqual(
      sent.map((entry) => entry.query.pageId),
      [undefined, String(ids[99]), String(ids[199]), String(ids[299])],
    );
  });

  it('all pages with a limit: cut there, and truncated', async () => {
    const node = await loadFlow({
      operationId: 'getServiceTickets',
      paging: 'all',
      forwardOnly: true,
      recordLimit: '150',
      params: [pageSizeRow],
    });
    await exchange(node);
    const [msg] = recorder.out;
    assert.deepEqual(
      (msg.payload as { id: number }[]).map((ticket) => ticket.id),
      allTicketIds().slice(0, 150),
    );
    assert.equal(msg.cw?.paging?.truncated, true);
    assert.equal(listRequests().length, 2);
  });

  it('one message per record: each once, last: true on the final one only', async () => {
    const node = await loadFlow({
      operationId: 'getServiceTickets',
      paging: 'per-record',
      forwardOnly: true,
      params: [pageSizeRow],
    });
    await exchange(node);
    const ids = recorder.out.map((msg) => (msg.payload as { id: number }).id);
    assert.deepEqual(ids, allTicketIds());
    const lasts = recorder.out.map((msg) => msg.cw?.paging?.last);
    assert.equal(lasts.filter(Boolean).length, 1);
    assert.equal(lasts[lasts.length - 1], true);
  });

  it('refuses a pagination-type header that the paging mode would not follow, sending nothing', async () => {
    const node = await loadFlow({ operationId: 'getServiceTickets', paging: 'all' });
    await exchange(node, {
      expectError: true,
      cw: { headers: { 'pagination-type': 'forward-only' } },
    });
    assert.equal(recorder.out.length, 0);
    assert.match(
      caughtText(recorder.caught[0]),
      /^msg\.cw\.headers\.pagination-type: "forward-only" conflicts with the paging mode.*turn on "Forward-only"/,
    );
    assert.equal(sim.log.length, 0, 'nothing was sent');
  });

  it('refuses orderBy with forward-only paging: the records come in id order', async () => {
    const node = await loadFlow({
      operationId: 'getServiceTickets',
      paging: 'per-page',
      forwardOnly: true,
      params: [{ name: 'orderBy', type: 'str', value: 'summary desc' }],
    });
    await exchange(node, { expectError: true });
    assert.match(caughtText(recorder.caught[0]), /^params\.orderBy: forward-only paging orders/);
    assert.equal(sim.log.length, 0, 'nothing was sent');
  });

  it('a request node saved before the setting (version 1) pages by page number as before', async () => {
    const saved: Record<string, unknown> = {
      operationId: 'getServiceTickets',
      paging: 'all',
      params: [pageSizeRow],
      version: 1,
    };
    const node = await loadFlow({ ...saved, forwardOnly: undefined } as never);
    await exchange(node);
    assert.equal((recorder.out[0].payload as unknown[]).length, TICKETS);
    const sent = listRequests();
    assert.deepEqual(
      sent.map((entry) => entry.query.page),
      ['1', '2', '3', '4'],
    );
    assert.ok(sent.every((entry) => entry.headers['pagination-type'] === undefined));
  });
});
