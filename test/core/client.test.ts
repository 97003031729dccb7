/**
 * The client against a small HTTP server started per suite: every answer and every fault is
 * exactly what each test asks for, and every request the client sends is recorded.
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { fitToUrlLimit } from '../../src/core/long-url-search';
import { cwFailure as failure, testClients } from '../helpers/test-clients';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const PRIVATE_KEY = 'privSecret-5f1e9c';
const PUBLIC_KEY = 'pubKey-8d2a77';
const CLIENT_ID = '3f6c0e2a-9b1d-4c5e-8a7f-000000000042';

describe('CwClient', () => {
  let server: http.Server;
  let origin: string;
  let handler: Handler;
  let seen: Seen[];
  let inFlight = 0;
  let peakInFlight = 0;
  const logLines: string[] = [];

  function json(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  const { client, closeAll } = testClients(
    () => ({
      baseUrl: `${origin}/v4_6_release/apis/3.0`,
      companyId: 'msp',
      publicKey: PUBLIC_KEY,
      privateKey: PRIVATE_KEY,
      clientId: CLIENT_ID,
      timeoutMs: 2000,
    }),
    logLines,
  );

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
          at: Date.now(),
        });
        inFlight += 1;
        peakInFlight = Math.max(peakInFlight, inFlight);
        res.on('close', () => {
          inFlight -= 1;
        });
        handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    seen = [];
    peakInFlight = 0;
    handler = (_req, res) => json(res, 200, { ok: true });
  });

  afterEach(() => {
    closeAll();
    for (const line of logLines.splice(0)) {
      assert.ok(!line.includes(PRIVATE_KEY), `a log line shows the private key: ${line}`);
    }
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  describe('headers', () => {
    it('sends Basic auth as company+publicKey:privateKey, the clientId and JSON accept', async () => {
      const response = await client().request({ method: 'get', path: '/system/info' });
      assert.deepEqual(response.data, { ok: true });
      assert.equal(response.url, `${origin}/v4_6_release/apis/3.0/system/info`);
      const headers = seen[0].headers;
      const [scheme, encoded] = String(headers.authorization).split(' ');
      assert.equal(scheme, 'Basic');
      assert.equal(Buffer.from(encoded, 'base64').toString(), `msp+${PUBLIC_KEY}:${PRIVATE_KEY}`);
      assert.equal(headers.clientid, CLIENT_ID);
      assert.equal(headers.accept, 'application/json');
      assert.equal(headers.connection, 'keep-alive');
    });

    it('pins the API version in Accept when asked', async () => {
      await client({ apiVersion: '2025.1' }).request({ method: 'get', path: '/system/info' });
      assert.equal(seen[0].headers.accept, 'application/vnd.connectwise.com+json; version=2025.1');
    });

    it('sends JSON bodies with their content type and keeps callers from replacing auth', async () => {
      await client().request({
        method: 'post',
        path: '/service/tickets',
        body: { summary: 'Printer on fire' },
        headers: { Authorization: 'Basic forged', 'X-Trace': 'abc' },
      });
      assert.equal(seen[0].headers['content-type'], 'application/json');
      assert.equal(seen[0].body, '{"summary":"Printer on fire"}');
      assert.equal(seen[0].headers['x-trace'], 'abc');
      assert.notEqual(seen[0].headers.authorization, 'Basic forged');
    });

    it('encodes query values the way ConnectWise needs', async () => {
      await client().request({
        method: 'get',
        path: '/company/companies',
        query: { conditions: `name like "A&B's*%+"`, page: 2 },
      });
      assert.equal(
        seen[0].url,
        '/v4_6_release/apis/3.0/company/companies?conditions=name%20like%20%22A%26B%27s%2A%25%2B%22&page=2',
      );
    });
  });

  describe('retries', () => {
    it('waits as long as Retry-After says after a 429, then succeeds', async () => {
      let calls = 0;
      handler = (_req, res) => {
        calls += 1;
        if (calls === 1)
          json(
            res,
            429,
            { error: 'TooManyRequests', message: 'slow down' },
            { 'retry-after': '1' },
          );
        else json(res, 200, [{ id: 1 }]);
      };
      const response = await client().request({ method: 'get', path: '/service/tickets' });
      assert.deepEqual(response.data, [{ id: 1 }]);
      assert.equal(seen.length, 2);
      const waited = seen[1].at - seen[0].at;
      assert.ok(waited >= 1000 && waited < 1600, `waited ${waited} ms`);
    });

    it('honours Retry-After given as a date', async () => {
      let calls = 0;
      handler = (_req, res) => {
        calls += 1;
        if (calls === 1) {
          json(
            res,
            503,
            { code: 'Unavailable', message: 'busy' },
            { 'retry-after': new Date(Date.now() + 2000).toUTCString() },
          );
        } else json(res, 200, {});
      };
      await client().request({ method: 'get', path: '/system/info' });
      const waited = seen[1].at - seen[0].at;
      // HTTP dates have second precision: the wait is between 1 and 2 seconds.
      assert.ok(waited >= 900 && waited < 2500, `waited ${waited} ms`);
    });

    it('retries 500 and 503 on GET with growing waits, then reports the last failure', async () => {
      handler = (_req, res) =>
        json(res, 500, { code: 'InternalServerError', message: 'A timeout has occured' });
      const err = await failure(
        client({ retries: 2 }).request({ method: 'get', path: '/service/tickets/1' }),
      );
      assert.equal(seen.length, 3);
      assert.equal(err.code, 'HTTP');
      assert.equal(err.statusCode, 500);
      assert.equal(
        err.message,
        'GET /service/tickets/1 failed: 500 InternalServerError: A timeout has occured (after 3 attempts)',
      );
    });

    it('does not retry a POST after a 500 (the server may have acted)', async () => {
      handler = (_req, res) => json(res, 500, { code: 'InternalServerError', message: 'boom' });
      const err = await failure(
        client().request({ method: 'post', path: '/service/tickets', body: { summary: 'x' } }),
      );
      assert.equal(seen.length, 1);
      assert.equal(err.statusCode, 500);
    });

    it('retries a POST after a 429 (the server refused it)', async () => {
      let calls = 0;
      handler = (_req, res) => {
        calls += 1;
        if (calls === 1) json(res, 429, { error: 'TooManyRequests' }, { 'retry-after': '0' });
        else json(res, 201, { id: 7 });
      };
      const response = await client().request({
        method: 'post',
        path: '/service/tickets',
        body: {},
      });
      assert.equal(response.status, 201);
      assert.equal(seen.length, 2);
    });

    it('never retries other 4xx answers', async () => {
      handler = (_req, res) => json(res, 409, { code: 'Conflict', message: 'already there' });
      const err = await failure(
        client().request({ method: 'put', path: '/service/tickets/1', body: {} }),
      );
      assert.equal(seen.length, 1);
      assert.equal(err.message, 'PUT /service/tickets/1 failed: 409 Conflict: already there');
    });

    it('retries a dropped connection on GET but not on POST', async () => {
      let calls = 0;
      handler = (req, res) => {
        calls += 1;
        if (calls === 1 || req.method === 'POST') req.socket.destroy();
        else json(res, 200, { ok: 1 });
      };
      const response = await client().request({ method: 'get', path: '/system/info' });
      assert.deepEqual(response.data, { ok: 1 });
      calls = 0;
      const err = await failure(
        client().request({ method: 'post', path: '/service/tickets', body: {} }),
      );
      assert.equal(err.code, 'NETWORK');
      assert.equal(seen.filter((entry) => entry.method === 'POST').length, 1);
    });

    it('pauses the whole connection for Retry-After, not only the refused request', async () => {
      let throttled = false;
      handler = (_req, res) => {
        if (!throttled) {
          throttled = true;
          json(res, 429, { error: 'TooManyRequests' }, { 'retry-after': '1' });
        } else json(res, 200, {});
      };
      const cw = client({ concurrency: 1 });
      const first = cw.request({ method: 'get', path: '/a' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = cw.request({ method: 'get', path: '/b' });
      await Promise.all([first, second]);
      const secondSent = seen.find((entry) => entry.url.endsWith('/b'));
      assert.ok(
        secondSent && secondSent.at - seen[0].at >= 950,
        'the second request waited for Retry-After',
      );
    });
  });

  describe('timeouts', () => {
    it('gives up an attempt after the timeout and reports TIMEOUT', async () => {
      handler = (_req, res) => setTimeout(() => json(res, 200, {}), 1500);
      const started = Date.now();
      const err = await failure(
        client({ timeoutMs: 200, retries: 1 }).request({ method: 'get', path: '/slow' }),
      );
      const elapsed = Date.now() - started;
      assert.equal(err.code, 'TIMEOUT');
      assert.equal(err.message, 'GET /slow failed: no answer within 0.2 s (after 2 attempts)');
      assert.equal(seen.length, 2);
      assert.ok(elapsed < 1200, `took ${elapsed} ms`);
    });
  });

  describe('limiter', () => {
    it('never has more requests on the wire than its concurrency', async () => {
      handler = (_req, res) => setTimeout(() => json(res, 200, {}), 30);
      const cw = client({ concurrency: 3 });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => cw.request({ method: 'get', path: `/r/${i}` })),
      );
      assert.equal(seen.length, 20);
      assert.equal(peakInFlight, 3);
      assert.equal(cw.limiterStats.peakRunning, 3);
      assert.equal(cw.limiterStats.attempts, 20);
    });

    it('counts retries against the same bound', async () => {
      const failedOnce = new Set<string>();
      handler = (req, res) => {
        const first = !failedOnce.has(req.url ?? '');
        failedOnce.add(req.url ?? '');
        setTimeout(() => json(res, first ? 503 : 200, {}), 10);
      };
      const cw = client({ concurrency: 2 });
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => cw.request({ method: 'get', path: `/r/${i}` })),
      );
      assert.equal(seen.length, 20);
      assert.equal(peakInFlight, 2);
      assert.equal(cw.limiterStats.attempts, 20);
    });

    it('spaces requests to the rate limit', async () => {
      // 60 a minute: a burst of 6, then one a second.
      const cw = client({ ratePerMinute: 60, concurrency: 10 });
      const started = Date.now();
      await Promise.all(Array.from({ length: 7 }, () => cw.request({ method: 'get', path: '/r' })));
      assert.ok(Date.now() - started >= 700, 'the seventh request waited for a token');
    });
  });

  describe('answers', () => {
    it('removes null fields when asked', async () => {
      handler = (_req, res) =>
        json(res, 200, [{ id: 1, name: null, site: { id: 2, phone: null }, tags: [null, 'x'] }]);
      const plain = await client().request({ method: 'get', path: '/x' });
      assert.deepEqual(plain.data, [
        { id: 1, name: null, site: { id: 2, phone: null }, tags: [null, 'x'] },
      ]);
      const stripped = await client({ removeNulls: true }).request({ method: 'get', path: '/x' });
      assert.deepEqual(stripped.data, [{ id: 1, site: { id: 2 }, tags: [null, 'x'] }]);
    });

    it('answers null for an empty body (204)', async () => {
      handler = (_req, res) => {
        res.writeHead(204);
        res.end();
      };
      const response = await client().request({ method: 'delete', path: '/service/tickets/1' });
      assert.equal(response.status, 204);
      assert.equal(response.data, null);
    });

    it('downloads bytes with the content type and file name', async () => {
      const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);
      handler = (_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/pdf',
          'content-disposition': `attachment; filename="Q3 report.pdf"; filename*=UTF-8''Q3%20r%C3%A9port.pdf`,
        });
        res.end(bytes);
      };
      const response = await client().request({
        method: 'get',
        path: '/system/documents/1/download',
        responseType: 'binary',
      });
      assert.ok(Buffer.isBuffer(response.data));
      assert.deepEqual(response.data, bytes);
      assert.equal(response.contentType, 'application/pdf');
      assert.equal(response.fileName, 'Q3 réport.pdf');
    });

    it('says NOT_API when the site answers a web page', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!DOCTYPE html><html><body>Sign in</body></html>');
      };
      const err = await failure(client().request({ method: 'get', path: '/system/info' }));
      assert.equal(err.code, 'NOT_API');
      // An own host (here the loopback server): the host and the codebase are the likely causes.
      assert.match(
        err.message,
        /^the site answered a web page, not the API: check the host 127\.0\.0\.1:\d+ \(it must be the Manage server's API, not a login page, portal or proxy in front of it\) and the codebase v4_6_release/,
      );
      assert.doesNotMatch(err.message, /api- prefix/);
      handler = (_req, res) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('<html>not here</html>');
      };
      assert.equal(
        (await failure(client().request({ method: 'get', path: '/system/info' }))).code,
        'NOT_API',
      );
    });

    it('says NOT_API when the site redirects instead of answering, without following', async () => {
      handler = (_req, res) => {
        res.writeHead(302, { location: 'https://login.example.com/' });
        res.end();
      };
      const err = await failure(client().request({ method: 'get', path: '/system/info' }));
      assert.equal(err.code, 'NOT_API');
      assert.match(err.message, /redirect to https:\/\/login\.example\.com\//);
      assert.equal(seen.length, 1);
    });

    it('says INVALID_RESPONSE when the JSON is broken', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": 1,');
      };
      const err = await failure(client().request({ method: 'get', path: '/system/info' }));
      assert.equal(err.code, 'INVALID_RESPONSE');
      assert.match(err.message, /^GET \/system\/info failed: the answer is not valid JSON/);
    });
  });

  describe('errors', () => {
    it('shapes a 404 from ConnectWise', async () => {
      handler = (_req, res) => json(res, 404, { code: 'NotFound', message: 'Ticket 99 not found' });
      const err = await failure(
        client().request({
          method: 'get',
          path: '/service/tickets/99',
          operationId: 'getServiceTicketsById',
        }),
      );
      assert.equal(err.code, 'HTTP');
      assert.equal(
        err.message,
        'GET /service/tickets/99 failed: 404 NotFound: Ticket 99 not found',
      );
      assert.equal(err.statusCode, 404);
      assert.equal(err.cwCode, 'NotFound');
      assert.equal(err.cwMessage, 'Ticket 99 not found');
      assert.equal(err.operationId, 'getServiceTicketsById');
      assert.equal(err.method, 'GET');
      assert.equal(err.url, `${origin}/v4_6_release/apis/3.0/service/tickets/99`);
      assert.deepEqual(err.responseBody, { code: 'NotFound', message: 'Ticket 99 not found' });
      assert.equal(err.responseHeaders?.['content-type'], 'application/json; charset=utf-8');
    });

    it('lists the field errors of a 400', async () => {
      const body = {
        code: 'InvalidObject',
        message: 'Ticket object is invalid',
        errors: [
          {
            code: 'NullOrEmpty',
            message: 'summary is required',
            resource: 'ticket',
            field: 'summary',
          },
          {
            code: 'InvalidField',
            message: 'board not found',
            resource: 'ticket',
            field: 'board/id',
          },
        ],
      };
      handler = (_req, res) => json(res, 400, body);
      const err = await failure(
        client().request({ method: 'post', path: '/service/tickets', body: {} }),
      );
      assert.equal(
        err.message,
        'POST /service/tickets failed: 400 InvalidObject: Ticket object is invalid ' +
          '(summary: summary is required; board/id: board not found)',
      );
      assert.deepEqual(err.errors, body.errors);
    });

    it('shapes a 401 without a body', async () => {
      handler = (_req, res) => {
        res.writeHead(401);
        res.end();
      };
      const err = await failure(client().request({ method: 'get', path: '/system/info' }));
      assert.equal(err.message, 'GET /system/info failed: 401 Unauthorized');
      assert.equal(err.statusCode, 401);
    });

    it('reports a refused connection as NETWORK', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const err = await failure(
        client({ baseUrl: `http://127.0.0.1:${port}/v4_6_release/apis/3.0`, retries: 1 }).request({
          method: 'get',
          path: '/system/info',
        }),
      );
      assert.equal(err.code, 'NETWORK');
      assert.match(err.message, /^GET \/system\/info failed: ECONNREFUSED/);
    });

    it('never shows the secrets in any error, even when the server echoes them', async () => {
      handler = (req, res) =>
        json(res, 400, {
          code: 'Echo',
          message: `you sent ${req.headers.authorization} with ${PRIVATE_KEY} and ${CLIENT_ID}`,
        });
      const err = await failure(client().request({ method: 'get', path: '/system/info' }));
      const text = `${err.message} ${err.stack ?? ''} ${String(err.url)}`;
      assert.ok(!text.includes(PRIVATE_KEY));
      assert.ok(!text.includes(CLIENT_ID));
      assert.ok(!text.includes(Buffer.from(`msp+${PUBLIC_KEY}:${PRIVATE_KEY}`).toString('base64')));
      assert.equal(err.cause, undefined, 'no transport error (with its auth headers) is attached');
      const fields = JSON.stringify(Object.entries(err));
      assert.ok(!fields.includes(PRIVATE_KEY), 'ConnectWise echoing the key does not pass it on');
      assert.ok(!fields.includes(CLIENT_ID));
    });

    it('rejects requests after close', async () => {
      const cw = client();
      cw.close();
      const err = await failure(cw.request({ method: 'get', path: '/system/info' }));
      assert.equal(err.code, 'NETWORK');
      assert.match(err.message, /the connection was closed/);
    });
  });
  describe('long URLs', () => {
    it('sends a GET with very long conditions, fitted to the URL limit, as POST .../search', async () => {
      handler = (_req, res) => json(res, 200, [{ id: 1 }]);
      const conditions = Array.from({ length: 200 }, (_, i) => `id = ${1000 + i}`).join(' or ');
      const cw = client();
      const request = fitToUrlLimit(
        {
          method: 'get',
          path: '/service/tickets',
          query: {
            conditions,
            orderBy: 'id desc',
            childConditions: 'x = 1',
            fields: 'id',
            page: 1,
            pageSize: 50,
          },
        },
        cw.settings.baseUrl,
      );
      const response = await cw.request(request);
      assert.deepEqual(response.data, [{ id: 1 }]);
      assert.equal(seen[0].method, 'POST');
      assert.equal(
        seen[0].url,
        '/v4_6_release/apis/3.0/service/tickets/search?fields=id&page=1&pageSize=50',
      );
      assert.equal(seen[0].headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(seen[0].body), {
        conditions,
        orderBy: 'id desc',
        childconditions: 'x = 1',
      });
    });

    it('keeps a short GET as it is', async () => {
      const cw = client();
      const request = fitToUrlLimit(
        { method: 'get', path: '/service/tickets', query: { conditions: 'id = 1' } },
        cw.settings.baseUrl,
      );
      await cw.request(request);
      assert.equal(seen[0].method, 'GET');
    });
  });
});
