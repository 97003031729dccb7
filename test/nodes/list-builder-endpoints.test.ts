/**
 * The conditions builder's admin routes in a Node-RED runtime against the simulator: the fields
 * of a list's records, and "count matches" through a deployed connection, which counts what the
 * list itself would answer and never shows a key.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import express from 'express';
import type { NodeAPI } from 'node-red';

import connectionNodes from '../../src/nodes/connectwise-connection';
import {
  registerListBuilderEndpoints,
  type CountAnswer,
  type FieldsAnswer,
} from '../../src/nodes/list-builder-endpoints';
import { startSimulator, type Simulator } from '../../src/simulator';
import { rowsToText } from '../../src/shared/conditions-builder';
import { connectionCredentials, connectionNode, CONNECTION_ID } from '../helpers/node-flows';
import { helper } from '../helpers/test-helper';

function nodes(RED: NodeAPI): void {
  connectionNodes(RED);
  registerListBuilderEndpoints(RED);
  registerListBuilderEndpoints(RED); // the poll node registering again changes nothing
}

describe('conditions builder admin routes', function () {
  this.timeout(30_000);
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim.stop();
  });
  beforeEach(() =>
    helper.load(
      nodes,
      [connectionNode(sim), connectionNode(sim, { id: 'cw-wrong', name: 'wrong key' })],
      {
        ...connectionCredentials(sim),
        'cw-wrong': {
          ...connectionCredentials(sim)[CONNECTION_ID],
          privateKey: 'not-the-key-0123',
        },
      },
    ),
  );
  afterEach(() => helper.unload());

  async function count(
    body: Record<string, unknown>,
  ): Promise<{ status: number; answer: CountAnswer }> {
    const res = await helper.request().post('/connectwise-manage/count').send(body);
    return { status: res.status, answer: res.body as CountAnswer };
  }

  it('answers the fields of a ticket list and its count operation', async () => {
    const res = await helper
      .request()
      .get('/connectwise-manage/catalog/operations/getServiceTickets/fields');
    assert.equal(res.status, 200);
    const answer = res.body as FieldsAnswer;
    assert.equal(answer.schema, 'Ticket');
    assert.equal(answer.countOperationId, 'getServiceTicketsCount');
    assert.deepEqual(
      answer.fields.find((f) => f.path === 'board/name'),
      { path: 'board/name', type: 'string' },
    );
    assert.equal(answer.customFields, true);
  });

  it('refuses fields of an operation that answers no list', async () => {
    const res = await helper
      .request()
      .get('/connectwise-manage/catalog/operations/getServiceTicketsById/fields');
    assert.equal(res.status, 400);
    assert.match((res.body as { error: string }).error, /does not answer a list/);
  });

  it('counts what the list answers for the built conditions', async () => {
    const conditions = rowsToText({
      kind: 'group',
      join: 'and',
      negated: false,
      items: [
        {
          kind: 'row',
          field: 'board/name',
          operator: '=',
          values: [{ type: 'string', value: 'Help Desk' }],
        },
        {
          kind: 'row',
          field: 'closedFlag',
          operator: '=',
          values: [{ type: 'boolean', value: false }],
        },
      ],
    });
    const { status, answer } = await count({
      connection: CONNECTION_ID,
      operationId: 'getServiceTickets',
      conditions,
    });
    assert.equal(status, 200);
    assert.ok(answer.ok, JSON.stringify(answer));
    const listed = await fetch(
      `${sim.url}/v4_6_release/apis/3.0/service/tickets?pageSize=1000&conditions=${encodeURIComponent(conditions)}`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${sim.credentials.companyId}+${sim.credentials.publicKey}:${sim.credentials.privateKey}`).toString('base64')}`,
          clientId: sim.credentials.clientId,
        },
      },
    );
    const records = (await listed.json()) as unknown[];
    assert.ok(
      records.length > 0 && records.length < 100,
      `${records.length} open Help Desk tickets`,
    );
    assert.equal(answer.count, records.length);
    assert.equal(answer.operationId, 'getServiceTicketsCount');
    assert.equal(
      answer.query,
      `?conditions=${encodeURIComponent(conditions).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    );
    const all = await count({ connection: CONNECTION_ID, operationId: 'getServiceTickets' });
    assert.ok(all.answer.ok && all.answer.count > answer.count, 'no conditions: every ticket');
  });

  it('says what is wrong: bad conditions, no connection, no list, a refused key', async () => {
    const bad = await count({
      connection: CONNECTION_ID,
      operationId: 'getServiceTickets',
      conditions: 'board/name = "Help',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.answer, {
      ok: false,
      code: 'INPUT',
      error: 'query.conditions: unbalanced quote at position 14',
    });
    const undeployed = await count({ connection: 'nope', operationId: 'getServiceTickets' });
    assert.deepEqual(undeployed.answer, {
      ok: false,
      code: 'CONFIG',
      error: 'connection: the chosen connection is not deployed',
    });
    const notList = await count({ connection: CONNECTION_ID, operationId: 'getSystemInfo' });
    assert.equal(notList.status, 400);
    assert.match(!notList.answer.ok ? notList.answer.error : '', /does not answer a list/);
    const refused = await count({ connection: 'cw-wrong', operationId: 'getServiceTickets' });
    assert.equal(refused.status, 200);
    assert.ok(!refused.answer.ok);
    assert.equal(refused.answer.statusCode, 401);
    const text = JSON.stringify(refused.answer);
    for (const secret of [
      'not-the-key-0123',
      sim.credentials.privateKey,
      sim.credentials.publicKey,
      sim.credentials.clientId,
    ]) {
      assert.ok(!text.includes(secret), 'no key in the answer');
    }
  });
});

describe('conditions builder admin routes permissions', () => {
  let server: ReturnType<express.Express['listen']> | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('guards the fields with read and the count with write permission', async () => {
    const app = express();
    const asked: string[] = [];
    const fakeRed = {
      httpAdmin: app,
      auth: {
        needsPermission: (permission: string) => {
          asked.push(permission);
          return (_req: express.Request, res: express.Response) => {
            res.status(401).json({ permission });
          };
        },
      },
    } as unknown as NodeAPI;
    registerListBuilderEndpoints(fakeRed);
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}/connectwise-manage`;
    const fields = await fetch(`${base}/catalog/operations/getServiceTickets/fields`);
    assert.equal(fields.status, 401);
    assert.deepEqual(await fields.json(), { permission: 'connectwise-request.read' });
    const counted = await fetch(`${base}/count`, { method: 'POST' });
    assert.equal(counted.status, 401);
    assert.deepEqual(await counted.json(), { permission: 'connectwise-request.write' });
  });
});
