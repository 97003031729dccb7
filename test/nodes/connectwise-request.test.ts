import { strict as assert } from 'node:assert';

import type { Node, NodeMessage } from 'node-red';

import { getCatalog } from '../../src/core/catalog-store';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { RequestConfig } from '../../src/shared/node-configs';
import {
  CONNECTION_ID,
  connectionCredentials,
  connectionNode,
  requestNode,
  type SimulatorAddress,
} from '../helpers/node-flows';
import {
  SUBJECT_ID,
  caughtText,
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  recorderState,
  requestModule,
  waitFor as waitUntil,
  type Recorder,
  type Status,
} from '../helpers/node-red-harness';

const TICKETS = 2500;
const WAIT_MS = 8000;

interface Paging {
  page?: number;
  pageSize?: number;
  hasNext?: boolean;
  next?: number;
  pages?: number;
  count?: number;
  truncated?: boolean;
  index?: number;
  last?: boolean;
}

interface CwInfo {
  operationId: string;
  method: string;
  url: string;
  description: string;
  paging?: Paging;
  count?: number;
  fileName?: string;
  contentType?: string;
  error?: { code: string; statusCode?: number; cwCode?: string; message: string };
}

type OutMessage = NodeMessage & {
  statusCode?: number;
  headers?: Record<string, string>;
  cw?: CwInfo;
  error?: { message: string; source?: { id: string } };
  status?: Status;
  keep?: string;
};

type TicketRecord = { id: number; summary?: string; [key: string]: unknown };

let sim: Simulator;
let recorder: Recorder<OutMessage>;

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

/** Loads the request node with catch, complete and status nodes around it and records them. */
async function loadFlow(
  config: Partial<RequestConfig> & { operationId: string },
  options: {
    connection?: Record<string, unknown>;
    credentials?: Record<string, unknown>;
    tabEnv?: { name: string; value: string }[];
  } = {},
): Promise<Node> {
  const tab = {
    label: 'request tests',
    env: (options.tabEnv ?? []).map((entry) => ({ ...entry, type: 'str' })),
  };
  const loaded = await loadObserved<OutMessage>(
    [connectionModule, requestModule],
    observedFlow(requestNode(config), [connectionNode(address(), options.connection)], tab),
    { ...connectionCredentials(address()), ...options.credentials },
  );
  recorder = loaded.recorder;
  return loaded.node;
}

/** Resolves once `ready()` holds; rejects after `ms`, saying what was awaited and what came. */
function waitFor(label: string, ready: () => boolean, ms = WAIT_MS): Promise<void> {
  return waitUntil(label, ready, ms, () => recorderState(recorder));
}

/** Sends `msg` and waits until the node calls done (with or without an error). */
async function exchange(
  node: Node,
  msg: Record<string, unknown> = {},
): Promise<Recorder<OutMessage>> {
  const before = recorder.completed.length + recorder.caught.length;
  node.receive({ payload: '', ...msg });
  await waitFor(
    'the node to finish',
    () => recorder.completed.length + recorder.caught.length > before,
  );
  return recorder;
}

/** The one answer to `msg`; fails fast with the node's error if it reported one. */
async function answer(node: Node, msg: Record<string, unknown> = {}): Promise<OutMessage> {
  const outBefore = recorder.out.length;
  const caughtBefore = recorder.caught.length;
  await exchange(node, msg);
  const caught = recorder.caught.slice(caughtBefore);
  if (caught.length > 0) throw new Error(`unexpected error: ${caught[0].error?.message}`);
  assert.equal(recorder.out.length - outBefore, 1, 'one message out');
  return recorder.out[recorder.out.length - 1];
}

/** The error a Catch node received for `msg`; fails when the node answered instead. */
async function failure(node: Node, msg: Record<string, unknown> = {}): Promise<OutMessage> {
  const caughtBefore = recorder.caught.length;
  await exchange(node, msg);
  const caught = recorder.caught.slice(caughtBefore);
  assert.equal(caught.length, 1, `expected an error, got ${recorder.out.length} messages`);
  return caught[0];
}

function lastStatus(): Status {
  const { fill, shape, text } = recorder.statuses[recorder.statuses.length - 1] ?? {};
  return { fill, shape, text };
}

function ids(messages: OutMessage[]): number[] {
  return messages.map((msg) => (msg.payload as TicketRecord).id);
}

function assertNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of [
    sim.credentials.privateKey,
    sim.credentials.publicKey,
    sim.credentials.clientId,
  ]) {
    assert.ok(!text.includes(secret), 'no credential in the message');
  }
}

function requestsTo(pathEnd: string): number {
  return sim.log.filter((entry) => entry.path.endsWith(pathEnd)).length;
}

describe('connectwise-request node', function () {
  this.timeout(30_000);

  before(async () => {
    sim = await startSimulator({ seedSize: { tickets: TICKETS, ticketsWithNotes: 10 } });
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(async () => {
    await helper.unload();
    sim.faults.clear();
    sim.clearLog();
  });

  describe('reading', () => {
    it('gets a ticket by id from a parameter row, keeping the message’s other properties', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: '7' }],
      });
      const msg = await answer(node, { keep: 'me', topic: 't' });
      assert.equal((msg.payload as TicketRecord).id, 7);
      assert.equal(msg.statusCode, 200);
      assert.equal(msg.keep, 'me');
      assert.equal(msg.topic, 't');
      assert.equal(typeof msg.headers?.['content-type'], 'string');
      assert.equal(msg.cw?.operationId, 'getServiceTicketsById');
      assert.equal(msg.cw?.method, 'GET');
      assert.match(msg.cw?.url ?? '', /\/apis\/3\.0\/service\/tickets\/7$/);
      assert.ok(msg.cw?.description, 'the operation summary');
      assertNoSecrets(msg);
      assert.deepEqual(lastStatus(), { fill: 'green', shape: 'dot', text: '200 OK' });
      assert.ok(
        recorder.statuses.some((status) => status.fill === 'blue' && status.shape === 'ring'),
        'a blue ring while busy',
      );
    });

    it('lists with conditions, orderBy and fields', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        params: [
          { name: 'conditions', type: 'str', value: 'id <= 40 and id > 10' },
          { name: 'orderBy', type: 'str', value: 'id desc' },
          { name: 'fields', type: 'str', value: 'id,summary' },
          { name: 'pageSize', type: 'num', value: '100' },
        ],
      });
      const msg = await answer(node);
      const records = msg.payload as TicketRecord[];
      assert.equal(records.length, 30);
      assert.equal(records[0].id, 40);
      assert.equal(records[29].id, 11);
      assert.deepEqual(Object.keys(records[0]).sort(), ['id', 'summary']);
      assert.equal(lastStatus().text, '200 · 30 records');
      assert.deepEqual(msg.cw?.paging, { page: 1, pageSize: 100, hasNext: false });
    });

    it('reads one page in `page` mode and says where the next one is', async () => {
      const node = await loadFlow({ operationId: 'getServiceTickets' });
      const msg = await answer(node, { cw: { query: { page: 2 } } });
      const records = msg.payload as TicketRecord[];
      assert.equal(records.length, 25);
      assert.equal(records[0].id, 26);
      assert.deepEqual(msg.cw?.paging, { page: 2, pageSize: 25, hasNext: true, next: 3 });
      assert.equal(lastStatus().text, '200 · 25 records');
    });

    it('counts', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTicketsCount',
        params: [{ name: 'conditions', type: 'str', value: 'id <= 100' }],
      });
      const msg = await answer(node);
      assert.deepEqual(msg.payload, { count: 100 });
      assert.equal(msg.cw?.count, 100);
      assert.equal(lastStatus().text, '200 · count 100');
    });

    it('downloads a document as a Buffer with its file name', async () => {
      const document = sim.store.list('system/documents')[0];
      const node = await loadFlow({
        operationId: 'getSystemDocumentsByIdDownload',
        params: [{ name: 'id', type: 'num', value: String(document.id) }],
      });
      const msg = await answer(node);
      assert.ok(Buffer.isBuffer(msg.payload), 'payload is a Buffer');
      assert.ok((msg.payload as Buffer).length > 0);
      const stored = sim.store.getContent('system/documents', document.id);
      assert.equal(msg.cw?.fileName, stored?.fileName);
      assert.match(msg.headers?.['content-disposition'] ?? '', /attachment; filename=/);
      assert.equal(lastStatus().text, `200 · ${stored?.fileName}`);
    });
  });

  describe(`paging over ${TICKETS.toLocaleString('en-US')} records`, () => {
    it('`all` merges every page into one array', async () => {
      const node = await loadFlow({ operationId: 'getServiceTickets', paging: 'all' });
      const msg = await answer(node);
      const records = msg.payload as TicketRecord[];
      assert.equal(records.length, TICKETS);
      assert.equal(records[0].id, 1);
      assert.equal(records[TICKETS - 1].id, TICKETS);
      assert.equal(new Set(records.map((record) => record.id)).size, TICKETS);
      assert.deepEqual(msg.cw?.paging, {
        pages: 3,
        count: TICKETS,
        truncated: false,
        limit: 10_000,
      });
      assert.equal(lastStatus().text, '200 · 2,500 records');
    });

    it('`all` stops at the record limit and says so', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        paging: 'all',
        recordLimit: 1200,
      });
      const msg = await answer(node);
      const records = msg.payload as TicketRecord[];
      assert.equal(records.length, 1200);
      assert.equal(records[1199].id, 1200);
      assert.equal(msg.cw?.paging?.truncated, true);
      assert.equal(lastStatus().text, '200 · 1,200 records (limit reached)');
    });

    it('`per-page` sends one message per page', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        paging: 'per-page',
        params: [{ name: 'pageSize', type: 'num', value: '1000' }],
      });
      const { out } = await exchange(node);
      assert.deepEqual(
        out.map((msg) => msg.cw?.paging),
        [
          { page: 1, count: 1000, last: false },
          { page: 2, count: 1000, last: false },
          { page: 3, count: 500, last: true },
        ],
      );
      const all = out.flatMap((msg) => msg.payload as TicketRecord[]).map((record) => record.id);
      assert.equal(new Set(all).size, TICKETS);
      assert.equal(all[0], 1);
      assert.equal(all[TICKETS - 1], TICKETS);
      assert.equal(new Set(out.map((msg) => msg._msgid)).size, 3, 'each message its own id');
      assert.equal(lastStatus().text, '200 · 2,500 records');
    });

    it('`per-record` streams one message per record, a page at a time', async () => {
      const node = await loadFlow({ operationId: 'getServiceTickets', paging: 'per-record' });
      // Count the records already sent each time a page is asked for.
      const sentWhenAsked: number[] = [];
      const onRequest = (): void => {
        sentWhenAsked.push(recorder.out.length);
      };
      const pageRequests = sim.log.length;
      const poll = setInterval(() => {
        while (sim.log.length - pageRequests > sentWhenAsked.length) onRequest();
      }, 1);
      try {
        const { out } = await exchange(node, { keep: 'x' });
        assert.equal(out.length, TICKETS);
        const seen = ids(out);
        assert.equal(seen[0], 1);
        assert.equal(seen[TICKETS - 1], TICKETS);
        assert.equal(new Set(seen).size, TICKETS, 'no duplicates');
        assert.deepEqual(out[0].cw?.paging, { index: 0, page: 1, last: false });
        assert.deepEqual(out[TICKETS - 1].cw?.paging, { index: TICKETS - 1, page: 3, last: true });
        assert.equal(out[1500].keep, 'x');
      } finally {
        clearInterval(poll);
      }
      assert.equal(requestsTo('/service/tickets'), 3);
      assert.ok(
        sentWhenAsked[1] >= 1000 && sentWhenAsked[2] >= 2000,
        `pages asked after sending: ${sentWhenAsked}`,
      );
    });

    it('reads every page of very long conditions as POST .../search', async () => {
      const wanted = Array.from({ length: 1500 }, (_, i) => i + 1);
      const conditions = `id in (${wanted.join(',')})`;
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        paging: 'all',
        params: [{ name: 'conditions', type: 'str', value: conditions }],
      });
      const msg = await answer(node);
      assert.deepEqual(
        (msg.payload as TicketRecord[]).map((record) => record.id),
        wanted,
      );
      assert.deepEqual(msg.cw?.paging, { pages: 2, count: 1500, truncated: false, limit: 10_000 });
      const searches = sim.log.filter((entry) => entry.path.endsWith('/service/tickets/search'));
      assert.deepEqual(
        searches.map((entry) => [entry.method, entry.query.page]),
        [
          ['POST', '1'],
          ['POST', '2'],
        ],
      );
      assert.equal(requestsTo('/service/tickets'), 0);
    });

    it('`per-record` honours the record limit', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        paging: 'per-record',
        recordLimit: '30',
      });
      const { out } = await exchange(node);
      assert.equal(out.length, 30);
      assert.equal(out[29].cw?.paging?.last, true);
    });
    it('streams an empty list as one empty page and no records', async () => {
      const condition = { name: 'conditions', type: 'str' as const, value: 'id > 999999' };
      const perPage = await loadFlow({
        operationId: 'getServiceTickets',
        paging: 'per-page',
        params: [condition],
      });
      const pages = (await exchange(perPage)).out;
      assert.deepEqual(
        pages.map((msg) => [msg.payload, msg.cw?.paging]),
        [[[], { page: 1, count: 0, last: true }]],
      );
      await helper.unload();

      const perRecord = await loadFlow({
        operationId: 'getServiceTickets',
        paging: 'per-record',
        params: [condition],
      });
      const records = await exchange(perRecord);
      assert.equal(records.out.length, 0);
      assert.equal(records.caught.length, 0);
      assert.equal(lastStatus().text, '200 · 0 records');
    });

    it('answers messages sent together, each with its own record', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTicketsById',
        params: [{ name: 'id', type: 'msg', value: 'payload' }],
      });
      const wanted = [31, 32, 33, 34, 35, 36, 37, 38];
      for (const id of wanted) node.receive({ payload: id });
      await waitFor('every answer', () => recorder.completed.length === wanted.length);
      assert.deepEqual(
        ids(recorder.out).sort((a, b) => a - b),
        wanted,
      );
    });
  });

  describe('writing', () => {
    it('creates a ticket from the sample body', async () => {
      const body = getCatalog().sampleBody('postServiceTickets') as Record<string, unknown>;
      const company = sim.store.list('company/companies')[0];
      const node = await loadFlow({ operationId: 'postServiceTickets' });
      const msg = await answer(node, {
        payload: { ...body, summary: 'Printer on fire', company: { id: company.id } },
      });
      assert.equal(msg.statusCode, 201);
      const created = msg.payload as TicketRecord;
      assert.equal(created.summary, 'Printer on fire');
      assert.equal(sim.store.get('service/tickets', created.id)?.summary, 'Printer on fire');
      assert.equal(lastStatus().text, '201 created');
    });

    it('sends a fixed body and parses a JSON text payload', async () => {
      const company = sim.store.list('company/companies')[0];
      const fixed = await loadFlow({
        operationId: 'postServiceTickets',
        bodySource: 'fixed',
        body: JSON.stringify({ summary: 'Fixed body', company: { id: company.id } }),
      });
      const created = (await answer(fixed, { payload: 'ignored' })).payload as TicketRecord;
      assert.equal(sim.store.get('service/tickets', created.id)?.summary, 'Fixed body');
      await helper.unload();

      const text = await loadFlow({ operationId: 'postServiceTickets' });
      const fromText = await answer(text, {
        payload: JSON.stringify({ summary: 'From text', company: { id: company.id } }),
      });
      assert.equal((fromText.payload as TicketRecord).summary, 'From text');
    });

    it('replaces a ticket with PUT', async () => {
      const ticket = sim.store.get('service/tickets', 12) as TicketRecord;
      const node = await loadFlow({
        operationId: 'putServiceTicketsById',
        params: [{ name: 'id', type: 'msg', value: 'ticketId' }],
      });
      const msg = await answer(node, {
        ticketId: 12,
        payload: { ...ticket, summary: 'Replaced', _info: undefined },
      });
      assert.equal(msg.statusCode, 200);
      assert.equal(sim.store.get('service/tickets', 12)?.summary, 'Replaced');
    });

    it('patches a ticket with a JSON Patch list', async () => {
      const node = await loadFlow({
        operationId: 'patchServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: '13' }],
      });
      const msg = await answer(node, { payload: [{ op: 'replace', path: 'summary', value: 'x' }] });
      assert.equal((msg.payload as TicketRecord).summary, 'x');
      assert.equal(sim.store.get('service/tickets', 13)?.summary, 'x');
    });

    it('deletes a ticket: 204', async () => {
      const node = await loadFlow({
        operationId: 'deleteServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: '14' }],
      });
      const msg = await answer(node);
      assert.equal(msg.statusCode, 204);
      assert.equal(sim.store.get('service/tickets', 14), undefined);
      assert.equal(lastStatus().text, '204 deleted');
    });
  });

  describe('bad input: nothing is sent', () => {
    it('names a missing path parameter', async () => {
      const node = await loadFlow({ operationId: 'getServiceTicketsById' });
      const caught = await failure(node);
      assert.match(caughtText(caught), /^params\.id: is required/);
      assert.equal(caught.error?.source?.id, SUBJECT_ID);
      assert.equal(sim.log.length, 0);
      assert.deepEqual(lastStatus(), {
        fill: 'red',
        shape: 'ring',
        text: 'params.id: is required',
      });
    });

    it('lists every body problem by field', async () => {
      const node = await loadFlow({ operationId: 'postServiceTickets' });
      const caught = await failure(node, { payload: { summary: 'x'.repeat(120) } });
      assert.equal(
        caughtText(caught),
        'body: company: is required; summary: must be at most 100 characters',
      );
      assert.equal(sim.log.length, 0);
    });

    it('refuses a payload that is not JSON', async () => {
      const node = await loadFlow({ operationId: 'postServiceTickets' });
      const caught = await failure(node, { payload: '{"summary": ' });
      assert.match(caughtText(caught), /^msg\.payload: not valid JSON \(/);
      assert.equal(sim.log.length, 0);
    });

    it('refuses an unknown operation and a row that is no parameter', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        params: [{ name: 'colour', type: 'str', value: 'blue' }],
      });
      const unknown = await failure(node, { cw: { operationId: 'getNothingAtAll' } });
      assert.equal(caughtText(unknown), 'operationId: unknown operation "getNothingAtAll"');
      const row = await failure(node);
      assert.equal(caughtText(row), 'params.colour: not a parameter of getServiceTickets');
      assert.equal(sim.log.length, 0);
    });

    it('says when no connection is set', async () => {
      const subject = {
        id: SUBJECT_ID,
        type: 'connectwise-request',
        connection: '',
        operationId: 'getSystemInfo',
        wires: [],
      };
      const loaded = await loadObserved<OutMessage>(
        [connectionModule, requestModule],
        observedFlow(subject, []),
        {},
      );
      recorder = loaded.recorder;
      loaded.node.receive({ payload: '' });
      const caught = recorder.caught;
      await waitFor('the error', () => caught.length > 0);
      assert.equal(caught[0].error?.message, 'connection: not set');
    });
  });

  describe('server failures', () => {
    it('gives a 400 with the server’s field errors to the Catch node', async () => {
      // The sample body's company id 0 is a placeholder no record has.
      const body = getCatalog().sampleBody('postServiceTickets');
      const node = await loadFlow({ operationId: 'postServiceTickets' });
      const caught = await failure(node, { payload: body });
      assert.match(caughtText(caught), /^POST \/service\/tickets failed: 400 .*company/);
      assert.equal(lastStatus().fill, 'red');
    });

    it('gives a 404 to the Catch node with ConnectWise’s own text', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: '99999' }],
      });
      const caught = await failure(node, { keep: 'me' });
      assert.match(caughtText(caught), /^GET \/service\/tickets\/99999 failed: 404 /);
      assert.equal(caught.keep, 'me');
      assert.equal(lastStatus().fill, 'red');
      assert.match(lastStatus().text ?? '', /^404/);
      assertNoSecrets(caught);
    });

    it('gives a 401 to the Catch node without the keys', async () => {
      const node = await loadFlow(
        { operationId: 'getSystemInfo' },
        {
          credentials: {
            [CONNECTION_ID]: {
              ...connectionCredentials(address())[CONNECTION_ID],
              privateKey: 'wrongPrivateKey',
            },
          },
        },
      );
      const caught = await failure(node);
      assert.match(caughtText(caught), /failed: 401/);
      assert.ok(!JSON.stringify(caught).includes('wrongPrivateKey'));
      assertNoSecrets(caught);
    });

    it('sends HTTP failures on as messages when the connection returns them', async () => {
      const node = await loadFlow(
        {
          operationId: 'getServiceTicketsById',
          params: [{ name: 'id', type: 'num', value: '99999' }],
        },
        { connection: { returnFailures: true } },
      );
      const msg = await answer(node);
      assert.equal(msg.statusCode, 404);
      assert.equal(typeof (msg.payload as { message?: unknown }).message, 'string');
      assert.equal(msg.cw?.error?.statusCode, 404);
      assert.match(msg.cw?.error?.message ?? '', /404/);
      assert.equal(recorder.caught.length, 0);
      assert.match(lastStatus().text ?? '', /^404/);
    });

    it('sends a 401 on as a message when the connection returns failures', async () => {
      const node = await loadFlow(
        { operationId: 'getSystemInfo' },
        {
          connection: { returnFailures: true },
          credentials: {
            [CONNECTION_ID]: {
              ...connectionCredentials(address())[CONNECTION_ID],
              publicKey: 'wrongPublicKey',
            },
          },
        },
      );
      const msg = await answer(node);
      assert.equal(msg.statusCode, 401);
      assert.ok(!JSON.stringify(msg).includes('wrongPublicKey'));
    });
  });

  describe('message overrides and typed inputs', () => {
    it('takes the operation, path parameters and query from msg.cw', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        params: [{ name: 'fields', type: 'str', value: 'id' }],
      });
      const msg = await answer(node, {
        cw: {
          operationId: 'getServiceTicketsById',
          params: { id: 21 },
          query: { fields: 'id,summary' },
        },
      });
      assert.equal((msg.payload as TicketRecord).id, 21);
      assert.deepEqual(Object.keys(msg.payload as object).sort(), ['id', 'summary']);
      assert.equal(msg.cw?.operationId, 'getServiceTicketsById');
    });

    it('keeps its own operation when msg.cw describes an earlier answer', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: '5' }],
      });
      const first = await answer(node);
      const second = await answer(node, { cw: { ...first.cw, operationId: 'getServiceTickets' } });
      assert.equal((second.payload as TicketRecord).id, 5);
    });

    it('reads parameters from msg, flow, global, env and JSONata', async () => {
      process.env.CW_TEST_FIELDS = 'id,summary';
      const node = await loadFlow(
        {
          operationId: 'getServiceTickets',
          params: [
            { name: 'conditions', type: 'jsonata', value: '"id >= " & $string(lowest)' },
            { name: 'pageSize', type: 'flow', value: 'size' },
            { name: 'page', type: 'global', value: 'page' },
            { name: 'fields', type: 'env', value: 'CW_TEST_FIELDS' },
            { name: 'orderBy', type: 'msg', value: 'sort.order' },
          ],
        },
        { tabEnv: [{ name: 'UNUSED', value: 'x' }] },
      );
      node.context().flow.set('size', 3);
      node.context().global.set('page', 2);
      try {
        const msg = await answer(node, { lowest: 2000, sort: { order: 'id asc' } });
        assert.deepEqual(ids([{ payload: (msg.payload as TicketRecord[])[0] }]), [2003]);
        assert.equal((msg.payload as TicketRecord[]).length, 3);
        assert.deepEqual(Object.keys((msg.payload as TicketRecord[])[0]).sort(), ['id', 'summary']);
      } finally {
        delete process.env.CW_TEST_FIELDS;
      }
    });

    it('fills message-time values into fixed conditions, quoted for ConnectWise', async () => {
      const summary = 'Printer "3rd floor" \\ east';
      const ticket = sim.store.insert('service/tickets', { summary }) as TicketRecord;
      const node = await loadFlow(
        {
          operationId: 'getServiceTickets',
          params: [
            {
              name: 'conditions',
              type: 'str',
              value:
                'summary = {{msg.payload.summary}} and id in ({{msg.ids}}) and ' +
                '_info/lastUpdated > [{{flow.since}}] and id != {{env.SKIP_ID}}',
            },
          ],
        },
        { tabEnv: [{ name: 'SKIP_ID', value: '1' }] },
      );
      node.context().flow.set('since', new Date(0));
      const msg = await answer(node, { payload: { summary }, ids: [ticket.id, 2, 3] });
      assert.deepEqual(
        (msg.payload as TicketRecord[]).map((record) => record.id),
        [ticket.id],
      );
      const sent = sim.log.find((entry) => entry.path.endsWith('/service/tickets'));
      assert.equal(
        sent?.query.conditions,
        `summary = "Printer \\"3rd floor\\" \\\\ east" and id in (${ticket.id}, 2, 3) and ` +
          '_info/lastUpdated > [1970-01-01T00:00:00Z] and id != "1"',
      );
    });

    it('sends nothing when a message-time value of the conditions is missing', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        params: [{ name: 'conditions', type: 'str', value: 'summary = {{msg.summary}}' }],
      });
      const caught = await failure(node, { payload: {} });
      assert.equal(caughtText(caught), 'params.conditions: {{msg.summary}} is not set');
      assert.equal(sim.log.length, 0);
    });

    it('never reads placeholders in conditions that come from a message', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        params: [{ name: 'conditions', type: 'msg', value: 'filter' }],
      });
      const caught = await failure(node, { filter: 'summary = {{env.CW_SECRET}}' });
      assert.match(
        caughtText(caught),
        /^query\.conditions: unexpected character "\{" at position 11/,
      );
      assert.equal(sim.log.length, 0);
    });

    it('reads a flow environment variable', async () => {
      const node = await loadFlow(
        {
          operationId: 'getServiceTicketsById',
          params: [{ name: 'id', type: 'env', value: 'TICKET_ID' }],
        },
        { tabEnv: [{ name: 'TICKET_ID', value: '9' }] },
      );
      const msg = await answer(node);
      assert.equal((msg.payload as TicketRecord).id, 9);
    });

    it('refuses a number row that is not a number', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: 'seven' }],
      });
      const caught = await failure(node);
      assert.equal(caughtText(caught), 'params.id: "seven" is not a number');
      assert.equal(sim.log.length, 0);
    });

    it('reports a JSONata error by parameter name', async () => {
      const node = await loadFlow({
        operationId: 'getServiceTickets',
        params: [{ name: 'conditions', type: 'jsonata', value: '"id = " & (' }],
      });
      const caught = await failure(node);
      assert.match(caughtText(caught), /^params\.conditions: cannot evaluate jsonata/);
      assert.equal(sim.log.length, 0);
    });
  });

  it('clears its status when the flow stops', async () => {
    const node = await loadFlow({ operationId: 'getSystemInfo' });
    await answer(node);
    const statuses: unknown[] = [];
    const original = node.status.bind(node);
    node.status = (status) => {
      statuses.push(status);
      original(status);
    };
    await helper.unload();
    assert.deepEqual(statuses, [{}]);
  });
});
