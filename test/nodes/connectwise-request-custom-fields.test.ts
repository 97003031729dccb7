/**
 * The request node with custom fields by caption and acting as a member, against the simulator:
 * one field set while every other keeps its value, bad captions and values refused before
 * anything is written, `msg.customFields` on answers, notes entered as the technician.
 */
import { strict as assert } from 'node:assert';

import type { Node, NodeMessage } from 'node-red';

import { customFieldMap } from '../../src/core/custom-fields';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { ConnectionConfig, RequestConfig } from '../../src/shared/node-configs';
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

type OutMessage = NodeMessage & {
  customFields?: Record<string, unknown> | Record<string, unknown>[];
  cw?: Record<string, unknown>;
  error?: { message: string };
};

let sim: Simulator;
let recorder: Recorder<OutMessage>;

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

async function loadFlow(
  config: Partial<RequestConfig> & { operationId: string },
  connection: Partial<ConnectionConfig> = {},
): Promise<Node> {
  const loaded = await loadObserved<OutMessage>(
    [connectionModule, requestModule],
    observedFlow(requestNode(config), [connectionNode(address(), connection)]),
    connectionCredentials(address()),
  );
  recorder = loaded.recorder;
  return loaded.node;
}

async function exchange(node: Node, msg: Record<string, unknown>): Promise<void> {
  const before = recorder.completed.length + recorder.caught.length;
  node.receive({ payload: '', ...msg });
  await waitFor(
    'the node to finish',
    () => recorder.completed.length + recorder.caught.length > before,
    8000,
    () => recorderState(recorder),
  );
}

async function answer(node: Node, msg: Record<string, unknown>): Promise<OutMessage> {
  const caughtBefore = recorder.caught.length;
  await exchange(node, msg);
  const caught = recorder.caught.slice(caughtBefore);
  if (caught.length > 0) throw new Error(`unexpected error: ${caught[0].error?.message}`);
  return recorder.out[recorder.out.length - 1];
}

async function failure(node: Node, msg: Record<string, unknown>): Promise<string> {
  const caughtBefore = recorder.caught.length;
  await exchange(node, msg);
  const caught = recorder.caught.slice(caughtBefore);
  assert.equal(caught.length, 1, 'expected an error');
  return caughtText(caught[0]);
}

const companyValues = (id: number): Record<string, unknown> =>
  customFieldMap(sim.store.get('company/companies', id)) ?? {};
const writes = (): string[] =>
  sim.log.filter((entry) => entry.method !== 'GET').map((entry) => `${entry.method} ${entry.path}`);

describe('connectwise-request: custom fields by caption', function () {
  this.timeout(20_000);

  beforeEach(async () => {
    sim = await startSimulator();
  });

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it('sets one field by caption and every other custom field keeps its value', async () => {
    const node = await loadFlow({ operationId: 'patchCompanyCompaniesById' });
    const before = companyValues(4);
    sim.clearLog();
    const msg = await answer(node, {
      cw: { params: { id: 4 }, customFields: { 'Contract level': 'Platinum' } },
    });
    assert.equal(msg.statusCode, 200);
    assert.deepEqual(companyValues(4), { ...before, 'Contract level': 'Platinum' });
    assert.ok(
      Object.values(before).every((value) => value !== null),
      'the seed set every field',
    );
    assert.deepEqual(writes(), ['PATCH /v4_6_release/apis/3.0/company/companies/4']);
  });

  it('sends the rest of a PUT with the merged array in the same request', async () => {
    const node = await loadFlow({
      operationId: 'putServiceTicketsById',
      params: [{ name: 'id', type: 'num', value: '5' }],
      customFields: '{"Root cause": "Failed disk"}',
      customFieldsType: 'json',
    });
    const ticket = sim.store.get('service/tickets', 5);
    const escalated = customFieldMap(ticket)?.Escalated;
    const rest: Record<string, unknown> = { ...ticket };
    delete rest.customFields;
    await answer(node, {
      payload: { ...rest, summary: 'Disk replaced' },
      cw: { customFields: { 'Estimated hours': 1.5 } },
    });
    const after = sim.store.get('service/tickets', 5);
    assert.equal(after?.summary, 'Disk replaced');
    assert.deepEqual(customFieldMap(after), {
      Escalated: escalated,
      'Root cause': 'Failed disk',
      'Estimated hours': 1.5,
    });
  });

  it('refuses an unknown caption, listing the valid ones, and writes nothing', async () => {
    const node = await loadFlow({ operationId: 'patchCompanyCompaniesById' });
    sim.clearLog();
    const text = await failure(node, {
      cw: { params: { id: 4 }, customFields: { 'Contract tier': 'Gold' } },
    });
    assert.match(text, /msg\.cw\.customFields: no custom field "Contract tier" on this record/);
    assert.match(text, /"Contract level", "Seats", "Renewal date", "Managed firewall"/);
    assert.deepEqual(writes(), []);
  });

  it('refuses a value of the wrong type and writes nothing', async () => {
    const node = await loadFlow({ operationId: 'patchCompanyCompaniesById' });
    const before = companyValues(4);
    sim.clearLog();
    const text = await failure(node, {
      cw: { params: { id: 4 }, customFields: { Seats: 'twelve' } },
    });
    assert.match(text, /msg\.cw\.customFields\.Seats: is a Number field and needs a number/);
    assert.deepEqual(writes(), []);
    assert.deepEqual(companyValues(4), before);
  });

  it('refuses custom fields on a GET before anything is sent', async () => {
    const node = await loadFlow({ operationId: 'getCompanyCompaniesById' });
    sim.clearLog();
    const text = await failure(node, {
      cw: { params: { id: 4 }, customFields: { Seats: 3 } },
    });
    assert.match(text, /set on a create or update \(POST, PUT or PATCH\), not on GET/);
    assert.equal(sim.log.length, 0);
  });

  it('creates a record with custom fields by caption', async () => {
    const node = await loadFlow({ operationId: 'postCompanyCompanies' });
    const msg = await answer(node, {
      payload: { identifier: 'Acme', name: 'Acme Corp', site: { name: 'Main' } },
      cw: { customFields: { 'Contract level': 'Silver', 'Managed firewall': true } },
    });
    assert.equal(msg.statusCode, 201);
    const id = (msg.payload as { id: number }).id;
    assert.equal(companyValues(id)['Contract level'], 'Silver');
    assert.equal(companyValues(id)['Managed firewall'], true);
  });

  it('adds msg.customFields typed by caption and leaves msg.payload as sent', async () => {
    const node = await loadFlow({
      operationId: 'getCompanyCompaniesById',
      customFieldValues: true,
    });
    const msg = await answer(node, { cw: { params: { id: 1 } } });
    const values = msg.customFields as Record<string, unknown>;
    assert.equal(values['Contract level'], 'Gold');
    assert.equal(typeof values.Seats, 'number');
    assert.equal(values['Managed firewall'], true);
    assert.ok(Array.isArray((msg.payload as { customFields?: unknown }).customFields));

    await helper.unload();
    const list = await loadFlow({
      operationId: 'getCompanyCompanies',
      customFieldValues: true,
      params: [{ name: 'pageSize', type: 'num', value: '3' }],
    });
    const listed = await answer(list, {});
    assert.equal((listed.customFields as unknown[]).length, 3);
    assert.equal((listed.customFields as Record<string, unknown>[])[1]['Contract level'], 'Silver');
  });
});

describe('connectwise-request: acting as a member', function () {
  this.timeout(20_000);

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  const tokenRequests = (): number =>
    sim.log.filter((entry) => entry.method === 'POST' && /\/tokens$/.test(entry.path)).length;
  const note = { text: 'Replaced the toner.', detailDescriptionFlag: true };

  it('writes a note as jsmith, with one token for several messages', async () => {
    sim = await startSimulator();
    const node = await loadFlow(
      {
        operationId: 'postServiceTicketsByParentIdNotes',
        params: [{ name: 'parentId', type: 'num', value: '1' }],
      },
      { allowImpersonation: true },
    );
    const first = await answer(node, { payload: note, cw: { actAs: 'jsmith' } });
    const id = (first.payload as { id: number }).id;
    const stored = sim.store.get('service/tickets/1/notes', id);
    assert.equal(stored?._info.enteredBy, 'jsmith');
    assert.equal(stored?._info.updatedBy, 'jsmith');
    const plain = await answer(node, { payload: note });
    const plainId = (plain.payload as { id: number }).id;
    assert.equal(sim.store.get('service/tickets/1/notes', plainId)?._info.enteredBy, 'simapi');
    await answer(node, { payload: note, cw: { actAs: 'jsmith' } });
    assert.equal(tokenRequests(), 1, 'the token is reused until shortly before it expires');
  });

  it('asks for a new token when the cached one is about to expire', async () => {
    // Shorter than the renewal margin: no token is ever reused.
    sim = await startSimulator({ memberTokenSeconds: 120 });
    const node = await loadFlow(
      {
        operationId: 'postServiceTicketsByParentIdNotes',
        params: [{ name: 'parentId', type: 'num', value: '1' }],
        actAs: 'jsmith',
      },
      { allowImpersonation: true },
    );
    await answer(node, { payload: note });
    await answer(node, { payload: note });
    assert.equal(tokenRequests(), 2);
  });

  it('refuses when the connection does not allow it, and sends nothing', async () => {
    sim = await startSimulator();
    const node = await loadFlow({
      operationId: 'postServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'num', value: '1' }],
    });
    sim.clearLog();
    const text = await failure(node, { payload: note, cw: { actAs: 'jsmith' } });
    assert.match(text, /actAs: this connection does not allow acting as a member/);
    assert.equal(sim.log.length, 0);
  });

  it('refuses a member ConnectWise does not have', async () => {
    sim = await startSimulator();
    const node = await loadFlow(
      {
        operationId: 'postServiceTicketsByParentIdNotes',
        params: [{ name: 'parentId', type: 'num', value: '1' }],
      },
      { allowImpersonation: true },
    );
    sim.clearLog();
    const text = await failure(node, { payload: note, cw: { actAs: 'nobody' } });
    assert.match(text, /actAs: ConnectWise has no member "nobody" to act as \(404/);
    assert.deepEqual(writes(), ['POST /v4_6_release/apis/3.0/system/members/nobody/tokens']);
  });
});

describe('connectwise-request: nodes saved before custom fields and actAs', function () {
  this.timeout(20_000);

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it('run as they did: no msg.customFields, no member token, written as the API member', async () => {
    sim = await startSimulator();
    const saved = requestNode({
      operationId: 'postServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'num', value: '1' }],
    }) as Record<string, unknown>;
    for (const key of [
      'customFieldValues',
      'customFields',
      'customFieldsType',
      'actAs',
      'actAsType',
    ]) {
      delete saved[key];
    }
    saved.version = 1;
    const connection = connectionNode(address()) as Record<string, unknown>;
    delete connection.allowImpersonation;
    connection.version = 2;
    const loaded = await loadObserved<OutMessage>(
      [connectionModule, requestModule],
      observedFlow(saved as never, [connection as never]),
      connectionCredentials(address()),
    );
    recorder = loaded.recorder;
    const msg = await answer(loaded.node, { payload: { text: 'Checked the backups.' } });
    assert.equal(msg.customFields, undefined);
    const id = (msg.payload as { id: number }).id;
    assert.equal(sim.store.get('service/tickets/1/notes', id)?._info.enteredBy, 'simapi');
    const refused = await failure(loaded.node, {
      payload: { text: 'As someone else' },
      cw: { actAs: 'jsmith' },
    });
    assert.match(refused, /does not allow acting as a member/);
  });
});
