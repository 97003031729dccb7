/**
 * The client against the ConnectWise Manage simulator over loopback: real routes, real paging,
 * Manage's error shapes and its switchable faults.
 */
import { strict as assert } from 'node:assert';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import { discoverCodebase } from '../../src/core/connection-settings';
import { CwError } from '../../src/core/errors';
import { fitToUrlLimit } from '../../src/core/long-url-search';
import { startSimulator, type Simulator } from '../../src/simulator';
import { cwFailure, testClients } from '../helpers/test-clients';

describe('CwClient against the simulator', function () {
  this.timeout(30_000);
  let sim: Simulator;
  /** Every error message and log line the client produced, checked for the private key. */
  const texts: string[] = [];

  const { client, closeAll } = testClients(
    () => ({ baseUrl: sim.baseUrl(), ...sim.credentials, timeoutMs: 5000 }),
    texts,
  );

  async function failure(promise: Promise<unknown>): Promise<CwError> {
    const err = await cwFailure(promise);
    texts.push(err.message, JSON.stringify(err.responseBody ?? null));
    return err;
  }

  function requestsTo(path: string, method = 'GET') {
    return sim.log.filter((entry) => entry.method === method && entry.path.endsWith(path));
  }

  before(async () => {
    sim = await startSimulator();
  });

  beforeEach(() => {
    sim.faults.clear();
    sim.clearLog();
  });

  afterEach(() => {
    closeAll();
  });

  after(async () => {
    await sim.stop();
    for (const text of texts) {
      assert.ok(!text.includes(sim.credentials.privateKey), `the private key shows in: ${text}`);
    }
  });

  it('is let in with its credentials and clientId', async () => {
    const response = await client().request<{ version: string }>({
      method: 'get',
      path: '/system/info',
    });
    assert.equal(response.status, 200);
    assert.equal(typeof response.data.version, 'string');
    assert.equal(sim.log[0].headers.clientid, '***', 'the clientId header was sent');
  });

  it('pins the API version when asked', async () => {
    await client({ apiVersion: '2025.1' }).request({ method: 'get', path: '/system/info' });
    assert.equal(sim.log[0].headers.accept, 'application/vnd.connectwise.com+json; version=2025.1');
  });

  it('discovers the codebase and works on it', async () => {
    const codebase = await discoverCodebase(sim.url, sim.credentials.companyId);
    assert.match(codebase, /^v\d{4}_\d+$/);
    const response = await client({ baseUrl: sim.baseUrl(codebase) }).request({
      method: 'get',
      path: '/system/info',
    });
    assert.equal(response.status, 200);
    await assert.rejects(discoverCodebase(sim.url, 'nobody-here'), (err: unknown) => {
      assert.ok(err instanceof CwError && err.code === 'CONFIG');
      assert.equal(err.message, 'companyId: company id nobody-here is not known to this site');
      return true;
    });
  });

  describe('faults', () => {
    it('waits out a 429 for as long as Retry-After says', async () => {
      sim.faults.add({ kind: '429', retryAfter: 1, match: { path: '/system/info' } });
      const started = Date.now();
      const response = await client().request({ method: 'get', path: '/system/info' });
      const waited = Date.now() - started;
      assert.equal(response.status, 200);
      assert.equal(requestsTo('/system/info').length, 2);
      assert.ok(waited >= 1000 && waited < 2000, `waited ${waited} ms`);
    });

    it('retries 503s until the service is back', async () => {
      sim.faults.add({ kind: '503', count: 2, match: { path: '/system/info' } });
      const response = await client().request({ method: 'get', path: '/system/info' });
      assert.equal(response.status, 200);
      assert.deepEqual(
        requestsTo('/system/info').map((entry) => entry.status),
        [503, 503, 200],
      );
    });

    it('does not repeat a POST that failed with 500 after the server acted: one record', async () => {
      const summary = `Created once ${Date.now()}`;
      const company = sim.store.list('company/companies')[0];
      sim.faults.add({
        kind: '500',
        after: true,
        match: { method: 'POST', path: '/service/tickets' },
      });
      const err = await failure(
        client().request({
          method: 'post',
          path: '/service/tickets',
          body: { summary, company: { id: company.id } },
        }),
      );
      assert.equal(err.statusCode, 500);
      assert.equal(requestsTo('/service/tickets', 'POST').length, 1);
      const created = sim.store
        .list('service/tickets')
        .filter((ticket) => ticket.summary === summary);
      assert.equal(created.length, 1);
    });

    it('times out a slow answer, per attempt', async () => {
      sim.faults.add({ kind: 'slow', delayMs: 1500, count: 2, match: { path: '/system/info' } });
      const started = Date.now();
      const err = await failure(
        client({ timeoutMs: 300, retries: 1 }).request({ method: 'get', path: '/system/info' }),
      );
      assert.equal(err.code, 'TIMEOUT');
      assert.ok(Date.now() - started < 1400);
    });

    it('retries a dropped connection on GET', async () => {
      sim.faults.add({ kind: 'drop', match: { path: '/system/info' } });
      const response = await client().request({ method: 'get', path: '/system/info' });
      assert.equal(response.status, 200);
    });

    it('says NOT_API for a web page and INVALID_RESPONSE for broken JSON', async () => {
      sim.faults.add({ kind: 'html', match: { path: '/system/info' } });
      const page = await failure(client().request({ method: 'get', path: '/system/info' }));
      assert.equal(page.code, 'NOT_API');
      assert.match(
        page.message,
        /not the API: check the host 127\.0\.0\.1:\d+ .* and the codebase v4_6_release/,
      );
      sim.faults.add({ kind: 'invalid-json', match: { path: '/system/info' } });
      const broken = await failure(client().request({ method: 'get', path: '/system/info' }));
      assert.equal(broken.code, 'INVALID_RESPONSE');
    });
  });

  describe('errors', () => {
    it('shapes a 404', async () => {
      const err = await failure(
        client().request({
          method: 'get',
          path: '/service/tickets/987654',
          operationId: 'getServiceTicketsById',
        }),
      );
      assert.equal(err.code, 'HTTP');
      assert.equal(err.statusCode, 404);
      assert.equal(err.cwCode, 'NotFound');
      assert.ok(err.cwMessage);
      assert.equal(
        err.message,
        `GET /service/tickets/987654 failed: 404 NotFound: ${err.cwMessage}`,
      );
      assert.equal(err.operationId, 'getServiceTicketsById');
    });

    it('shapes a 401 for a wrong key, without the key', async () => {
      const err = await failure(
        client({ privateKey: 'wrong-key-c0ffee' }).request({ method: 'get', path: '/system/info' }),
      );
      assert.equal(err.statusCode, 401);
      assert.match(err.message, /^GET \/system\/info failed: 401/);
      assert.ok(!err.message.includes('wrong-key-c0ffee'));
    });

    it('lists the field errors of a 400', async () => {
      const err = await failure(
        client().request({ method: 'post', path: '/service/tickets', body: {} }),
      );
      assert.equal(err.statusCode, 400);
      assert.ok(err.errors && err.errors.length > 0, 'ConnectWise errors[] kept');
      const fields = err.errors.map((detail) => detail.field);
      assert.ok(fields.includes('summary'), `fields: ${fields.join(', ')}`);
      assert.match(err.message, /summary/);
    });
  });

  describe('paging', () => {
    const collection = 'sales/activities';

    before(() => {
      sim.store.clear(collection);
      sim.store.bulkInsert(collection, 5000, (index) => ({ name: `Activity ${index + 1}` }));
    });

    it('pages through 5,000 records one page at a time, honouring the limit', async () => {
      const cw = client();
      const pages = cw.pages(
        { method: 'get', path: '/sales/activities', query: { pageSize: 1000 } },
        { limit: 4500 },
      );
      const ids = new Set<number>();
      const sizes: number[] = [];
      let asked = 0;
      for await (const page of pages) {
        asked += 1;
        // The next page is fetched only when this one has been handled.
        assert.equal(requestsTo('/sales/activities').length, asked);
        sizes.push(page.records.length);
        for (const record of page.records) ids.add((record as { id: number }).id);
      }
      assert.deepEqual(sizes, [1000, 1000, 1000, 1000, 500]);
      assert.equal(ids.size, 4500);
    });

    it('holds one page at a time: pages already handed out can be garbage-collected', async () => {
      v8.setFlagsFromString('--expose-gc');
      const collectGarbage = vm.runInNewContext('gc') as () => void;
      const cw = client();
      let firstPage: WeakRef<object> | undefined;
      let total = 0;
      for await (const page of cw.pages({
        method: 'get',
        path: '/sales/activities',
        query: { pageSize: 250 },
      })) {
        total += page.records.length;
        if (page.page === 1) firstPage = new WeakRef(page.records);
        if (page.page === 10) {
          await new Promise((resolve) => setImmediate(resolve));
          collectGarbage();
          assert.equal(firstPage?.deref(), undefined, 'the first page is no longer held');
        }
      }
      assert.equal(total, 5000);
      assert.equal(requestsTo('/sales/activities').length, 20);
    });

    it('pages forward-only by pageId', async () => {
      const cw = client();
      const ids: number[] = [];
      for await (const page of cw.pages(
        { method: 'get', path: '/sales/activities', query: { pageSize: 1000 } },
        { forwardOnly: true },
      )) {
        ids.push(...page.records.map((record) => (record as { id: number }).id));
      }
      assert.equal(ids.length, 5000);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      const requests = requestsTo('/sales/activities');
      assert.ok(requests.every((entry) => entry.headers['pagination-type'] === 'forward-only'));
      assert.equal(requests[0].query.pageId, undefined);
      assert.ok(requests.slice(1).every((entry) => entry.query.pageId !== undefined));
    });
  });

  it('downloads a document with its file name', async () => {
    const document = sim.store.list('system/documents')[0];
    assert.ok(document, 'the simulator is seeded with documents');
    const response = await client().request<Buffer>({
      method: 'get',
      path: `/system/documents/${document.id}/download`,
      responseType: 'binary',
    });
    assert.ok(Buffer.isBuffer(response.data));
    assert.ok(response.data.length > 0);
    assert.equal(response.fileName, document.fileName);
    assert.ok(response.contentType);
  });

  it('reads very long conditions, fitted to the URL limit, as POST .../search with the same answer', async () => {
    const tickets = sim.store.list('service/tickets');
    const wanted = tickets.slice(0, 5).map((ticket) => ticket.id);
    const filler = Array.from({ length: 400 }, (_, i) => 900000 + i);
    const conditions = `id in (${[...wanted, ...filler].join(',')})`;
    assert.ok(conditions.length > 2000);
    const cw = client();
    const request = fitToUrlLimit(
      {
        method: 'get',
        path: '/service/tickets',
        query: { conditions, orderBy: 'id asc', pageSize: 100 },
      },
      cw.settings.baseUrl,
    );
    const response = await cw.request<{ id: number }[]>(request);
    assert.deepEqual(
      response.data.map((ticket) => ticket.id),
      [...wanted].sort((a, b) => a - b),
    );
    assert.equal(requestsTo('/service/tickets/search', 'POST').length, 1);
    assert.equal(requestsTo('/service/tickets').length, 0);
  });
});
