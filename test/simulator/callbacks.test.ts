/** The simulator's callbacks: ObjectExists, matching levels, signed deliveries, retries, keys. */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { verifyCallbackSignature } from '../../src/core/callback-signature';
import { startSimulator, type Simulator } from '../../src/simulator';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let sim: Simulator;
let receiver: Server;
let receiverUrl: string;
let received: Received[];
/** Status the receiver answers, per delivery in order; then 200. */
let answers: number[];

function auth(): Record<string, string> {
  const { companyId, publicKey, privateKey, clientId } = sim.credentials;
  return {
    authorization: `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64')}`,
    clientId,
    'content-type': 'application/json',
  };
}

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${sim.baseUrl()}${path}`, {
    method,
    headers: auth(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function waitFor(ready: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('simulator: callbacks', function () {
  this.timeout(15_000);

  before(async () => {
    sim = await startSimulator();
    sim.callbacks.retryDelayMs = 10;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = answers.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  after(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await sim.stop();
  });

  beforeEach(() => {
    received = [];
    answers = [];
  });

  afterEach(async () => {
    await sim.callbacks.idle();
    sim.store.clear('system/callbacks');
    sim.callbacks.useForeignKeyUrl(undefined);
  });

  it('answers 400 ObjectExists for a second identical record, like Manage', async () => {
    const record = { url: receiverUrl, type: 'Ticket', level: 'Owner', objectId: 1 };
    assert.equal((await api('POST', '/system/callbacks', record)).status, 201);
    const again = await api('POST', '/system/callbacks', {
      ...record,
      url: receiverUrl.toUpperCase(),
    });
    assert.equal(again.status, 400);
    assert.equal((again.body as { errors: { code: string }[] }).errors[0].code, 'ObjectExists');
    assert.equal(
      (await api('POST', '/system/callbacks', { ...record, level: 'Board' })).status,
      201,
    );
  });

  it('delivers a signed payload for a ticket created over the API, verifiable with key_url', async () => {
    await api('POST', '/system/callbacks', {
      url: receiverUrl,
      type: 'Ticket',
      level: 'Owner',
      objectId: 1,
    });
    const ticket = sim.store.list('service/tickets')[0];
    const created = await api('POST', '/service/tickets', {
      summary: 'Callback me',
      board: ticket.board,
      company: ticket.company,
    });
    assert.equal(created.status, 201);
    await waitFor(() => received.length === 1);
    const payload = JSON.parse(received[0].body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), [
      'Action',
      'CompanyId',
      'Entity',
      'FromUrl',
      'ID',
      'MemberId',
      'Metadata',
      'Type',
    ]);
    assert.equal(payload.Action, 'added');
    assert.equal(payload.Type, 'ticket');
    assert.equal(payload.ID, (created.body as { id: number }).id);
    assert.equal(
      (JSON.parse(payload.Entity as string) as { summary: string }).summary,
      'Callback me',
    );
    const keyUrl = (payload.Metadata as { key_url: string }).key_url;
    assert.ok(keyUrl.startsWith(sim.baseUrl()), 'key_url on the simulator');
    const key = await fetch(keyUrl, { headers: auth() });
    const { signing_key } = (await key.json()) as { signing_key: string };
    assert.equal(
      verifyCallbackSignature(
        signing_key,
        Buffer.from(received[0].body),
        received[0].headers['x-content-signature'] as string,
      ),
      true,
    );
    assert.equal(sim.callbacks.deliveries.at(-1)?.state, 'delivered');
  });

  it('matches levels: Board with objectId, the record itself, and not inactive callbacks', async () => {
    const tickets = sim.store.list('service/tickets');
    const boardId = (tickets[0].board as { id: number }).id;
    const other = tickets.find((t) => (t.board as { id: number }).id !== boardId);
    assert.ok(other);
    sim.store.insert('system/callbacks', {
      url: receiverUrl,
      type: 'Ticket',
      level: 'Board',
      objectId: boardId,
    });
    sim.store.insert('system/callbacks', {
      url: `${receiverUrl}?off`,
      type: 'Ticket',
      level: 'Owner',
      objectId: 1,
      inactiveFlag: true,
    });
    sim.store.update('service/tickets', other.id, { summary: 'elsewhere' });
    sim.store.update('service/tickets', tickets[0].id, { summary: 'here' });
    sim.store.update('company/companies', 1, { name: 'not a ticket' });
    await sim.callbacks.idle();
    assert.deepEqual(
      received.map((entry) => (JSON.parse(entry.body) as { ID: number }).ID),
      [tickets[0].id],
    );
  });

  it('disables a callback as Manage does after failed deliveries, over its control too', async () => {
    const created = await api('POST', '/system/callbacks', {
      url: receiverUrl,
      type: 'Ticket',
      level: 'Owner',
      objectId: 1,
    });
    const id = (created.body as { id: number }).id;
    const control = await fetch(`${sim.url}/_simulator/callbacks/${id}/disable`, {
      method: 'POST',
    });
    assert.equal(control.status, 200);
    assert.equal(((await control.json()) as { inactiveFlag: boolean }).inactiveFlag, true);
    const ticket = await api('POST', '/service/tickets', {
      summary: 'not delivered',
      board: { id: 1 },
      company: { id: 1 },
    });
    assert.equal(ticket.status, 201);
    await sim.callbacks.idle();
    assert.equal(received.length, 0, 'an inactive callback gets nothing');
    assert.equal(sim.callbacks.disable(999_999), false);
    const missing = await fetch(`${sim.url}/_simulator/callbacks/999999/disable`, {
      method: 'POST',
    });
    assert.equal(missing.status, 404);
  });

  it('reports companies and contacts, deletions included', async () => {
    sim.store.insert('system/callbacks', {
      url: receiverUrl,
      type: 'Company',
      level: 'Owner',
      objectId: 1,
    });
    sim.store.insert('system/callbacks', {
      url: receiverUrl,
      type: 'Contact',
      level: 'Owner',
      objectId: 1,
    });
    const contact = sim.store.list('company/contacts')[0];
    sim.store.update('company/companies', 1, { name: 'Renamed' });
    sim.store.remove('company/contacts', contact.id);
    await sim.callbacks.idle();
    assert.deepEqual(
      received.map((entry) => {
        const payload = JSON.parse(entry.body) as { Type: string; Action: string };
        return `${payload.Type} ${payload.Action}`;
      }),
      ['company updated', 'contact deleted'],
    );
  });

  it('retries a failed delivery twice, then gives up', async () => {
    sim.store.insert('system/callbacks', {
      url: receiverUrl,
      type: 'Ticket',
      level: 'Owner',
      objectId: 1,
    });
    answers = [500, 503, 500];
    sim.store.update('service/tickets', 1, { summary: 'never accepted' });
    await sim.callbacks.idle();
    const delivery = sim.callbacks.deliveries.at(-1);
    assert.deepEqual(
      delivery?.attempts.map((attempt) => attempt.status),
      [500, 503, 500],
    );
    assert.equal(delivery?.state, 'failed');
    assert.equal(new Set(received.map((entry) => entry.body)).size, 1, 'the same bytes each time');
  });

  it('replays a delivery byte for byte, forges one, and can name a foreign key_url', async () => {
    sim.store.insert('system/callbacks', {
      url: receiverUrl,
      type: 'Ticket',
      level: 'Owner',
      objectId: 1,
    });
    sim.store.update('service/tickets', 1, { summary: 'once' });
    await sim.callbacks.idle();
    const index = sim.callbacks.deliveries.length - 1;
    assert.equal(await sim.callbacks.replay(index), 200);
    assert.equal(received[1].body, received[0].body);
    assert.equal(
      received[1].headers['x-content-signature'],
      received[0].headers['x-content-signature'],
    );

    assert.equal(await sim.callbacks.sendForged({ url: receiverUrl }), 200);
    const forged = received[2];
    assert.equal(
      verifyCallbackSignature(
        sim.callbacks.signingKey,
        Buffer.from(forged.body),
        forged.headers['x-content-signature'] as string,
      ),
      false,
    );

    sim.callbacks.useForeignKeyUrl('https://keys.example.com/k', 'their-key');
    sim.store.update('service/tickets', 1, { summary: 'foreign' });
    await sim.callbacks.idle();
    const last = received.at(-1) as Received;
    const payload = JSON.parse(last.body) as { Metadata: { key_url: string } };
    assert.equal(payload.Metadata.key_url, 'https://keys.example.com/k');
    assert.equal(
      verifyCallbackSignature(
        'their-key',
        Buffer.from(last.body),
        last.headers['x-content-signature'] as string,
      ),
      true,
    );
  });

  it('serves signing keys only to authenticated callers, and keeps old keys after a rotation', async () => {
    const firstUrl = sim.callbacks.keyUrl;
    const firstKey = sim.callbacks.signingKey;
    assert.equal((await fetch(firstUrl)).status, 401);
    sim.callbacks.rotateKey();
    assert.notEqual(sim.callbacks.keyUrl, firstUrl);
    const old = (await (await fetch(firstUrl, { headers: auth() })).json()) as {
      signing_key: string;
    };
    assert.equal(old.signing_key, firstKey);
    assert.equal((await api('GET', '/system/callbackKeys/999')).status, 404);
  });
});
