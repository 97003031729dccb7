/**
 * The callback endpoint reads a delivery's exact bytes whatever HTTP middleware runs before it:
 * Express body parsers in front (as Node-RED's editor app is on a default install), none, a
 * compressed body, a body too large. Real HTTP on loopback, Express as Node-RED ships it.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import {
  BodyTooLargeError,
  MAX_DELIVERY_BYTES,
  readRawBody,
  tapRawBodies,
} from '../../src/nodes/connectwise-callback/raw-body';
import { nodeRed } from '../helpers/node-red-under-test';

type Next = (err?: unknown) => void;
type Handler = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: Next) => void;
interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  use(handler: Handler): void;
  post(path: string, handler: Handler): void;
}
interface Express {
  (): ExpressApp;
  json(options?: { limit?: string }): Handler;
  urlencoded(options: { extended: boolean }): Handler;
}
const express = nodeRed.load('express') as Express;

/** Deliveries are signed over these bytes: spacing and key order a parser would not keep. */
const BODY = '{ "Action":"added",  "ID": 7,\n "Entity" : "{\\"id\\":7}" }';

interface Seen {
  raw?: Buffer;
  error?: Error;
  parsed?: unknown;
}

let server: Server;
let url: string;
let seen: Seen;

/** The bytes the route read, as text (a function, so assertions do not narrow `seen`). */
function rawText(): string | undefined {
  return seen.raw?.toString('utf8');
}

async function start(parsers: Handler[]): Promise<void> {
  const app = express();
  for (const parser of parsers) app.use(parser);
  app.post('/connectwise/callback/:id', (req, res) => {
    seen = { parsed: req.body };
    readRawBody(req).then(
      (raw) => {
        seen.raw = raw;
        res.statusCode = 200;
        res.end();
      },
      (err: Error) => {
        seen.error = err;
        res.statusCode = 413;
        res.end();
      },
    );
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function post(
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<number> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('callback endpoint: reading the raw body', () => {
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gets the exact bytes when a JSON parser has read them first, and the parser still works', async () => {
    await start([express.json(), express.urlencoded({ extended: true })]);
    const stop = tapRawBodies(server, '/connectwise/callback/tickets');
    assert.equal(await post('/connectwise/callback/tickets', BODY), 200);
    assert.equal(rawText(), BODY);
    assert.deepEqual(seen.parsed, { Action: 'added', ID: 7, Entity: '{"id":7}' });
    // Express matches paths without regard to case, a trailing slash or the query.
    assert.equal(await post('/Connectwise/Callback/Tickets/?x=1', BODY), 200);
    assert.equal(rawText(), BODY);
    stop();
  });

  it('gets them from a form parser, and with no parser at all', async () => {
    await start([express.urlencoded({ extended: true })]);
    const stop = tapRawBodies(server, '/connectwise/callback/a');
    const form = 'Action=added&ID=7';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal(await post('/connectwise/callback/a', form, headers), 200);
    assert.equal(rawText(), form);
    assert.equal(await post('/connectwise/callback/a', BODY), 200, 'JSON: nobody parses it');
    assert.equal(rawText(), BODY);
    stop();
    assert.equal(await post('/connectwise/callback/b', BODY), 200, 'no tap, no parser');
    assert.equal(rawText(), BODY);
  });

  it('undoes a gzip content encoding, as the sender signed the plain body', async () => {
    await start([express.json()]);
    const stop = tapRawBodies(server, '/connectwise/callback/z');
    const status = await post('/connectwise/callback/z', gzipSync(BODY), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(status, 200);
    assert.equal(rawText(), BODY);
    stop();
  });

  it('refuses a body over the limit', async () => {
    await start([]);
    const stop = tapRawBodies(server, '/connectwise/callback/big');
    const big = Buffer.alloc(MAX_DELIVERY_BYTES + 1, 0x20);
    assert.equal(
      await post('/connectwise/callback/big', big, { 'content-type': 'text/plain' }),
      413,
    );
    assert.ok(seen.error instanceof BodyTooLargeError);
    stop();
  });

  it('says the bytes are lost on a path it does not watch, and stops listening when told', async () => {
    await start([express.json()]);
    const listeners = server.listenerCount('request');
    const stopFirst = tapRawBodies(server, '/connectwise/callback/one');
    const stopSecond = tapRawBodies(server, '/connectwise/callback/two');
    assert.equal(server.listenerCount('request'), listeners + 1, 'one listener per server');
    assert.equal(await post('/connectwise/callback/other', BODY), 200);
    assert.equal(rawText(), undefined, 'read by the parser, not watched');
    stopFirst();
    stopFirst();
    assert.equal(server.listenerCount('request'), listeners + 1);
    assert.equal(await post('/connectwise/callback/two', BODY), 200);
    assert.equal(rawText(), BODY);
    stopSecond();
    assert.equal(server.listenerCount('request'), listeners);
  });
});
