import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';

import express from 'express';
import type { NodeAPI } from 'node-red';

import { registerCatalogEndpoints } from '../../src/nodes/catalog-endpoints';
import { defaultDocumentPath, loadOpenApiDocument } from '../../src/core/openapi-document';
import type { CatalogIndex, OperationDetail } from '../../src/shared/catalog-types';
import { helper } from '../helpers/test-helper';

/** A node module that only registers the endpoints, as the request and poll nodes do. */
function catalogNodes(RED: NodeAPI): void {
  registerCatalogEndpoints(RED);
  registerCatalogEndpoints(RED); // a second node type registering again changes nothing
}

const documentOperationCount = (() => {
  const doc = loadOpenApiDocument(defaultDocumentPath());
  let count = 0;
  for (const item of Object.values(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) if (item[method]) count++;
  }
  return count;
})();

describe('catalog admin endpoints', function () {
  this.timeout(60_000);

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => helper.load(catalogNodes, []));
  afterEach(() => helper.unload());

  it('answers the index with every operation of the bundled document', async () => {
    const res = await helper.request().get('/connectwise-manage/catalog');
    assert.equal(res.status, 200);
    const index = res.body as CatalogIndex;
    assert.equal(index.operationCount, documentOperationCount);
    assert.equal(index.operations.length, documentOperationCount);
    assert.equal(
      new Set(index.operations.map((op) => op.operationId)).size,
      documentOperationCount,
    );
    const tickets = index.operations.find((op) => op.operationId === 'getServiceTickets');
    assert.deepEqual(
      tickets && { method: tickets.method, path: tickets.path, module: tickets.module },
      { method: 'get', path: '/service/tickets', module: 'service' },
    );
  });

  it('lets the browser revalidate the index with its ETag', async () => {
    const first = await helper.request().get('/connectwise-manage/catalog');
    const etag = first.headers.etag;
    assert.match(etag, /^"[^"]+"$/, 'a strong ETag');
    assert.match(first.headers['cache-control'], /no-cache/);
    const again = await helper
      .request()
      .get('/connectwise-manage/catalog')
      .set('If-None-Match', etag);
    assert.equal(again.status, 304);
  });

  it('sends the index gzipped to clients that accept it', async () => {
    const res = await helper
      .request()
      .get('/connectwise-manage/catalog')
      .set('Accept-Encoding', 'gzip');
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal((res.body as CatalogIndex).operations.length, documentOperationCount);
    const plain = await helper
      .request()
      .get('/connectwise-manage/catalog')
      .set('Accept-Encoding', 'identity');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal((plain.body as CatalogIndex).operations.length, documentOperationCount);
  });

  it('restricts the index to GET list operations with kind=list', async () => {
    const res = await helper.request().get('/connectwise-manage/catalog?kind=list');
    assert.equal(res.status, 200);
    const ids = (res.body as CatalogIndex).operations.map((op) => op.operationId);
    assert.ok(ids.includes('getServiceTickets'));
    assert.ok(ids.includes('getServiceTicketsByParentIdNotes'));
    assert.ok(!ids.includes('getServiceTicketsById'), 'a single record is not a list');
    assert.ok(!ids.includes('getServiceTicketsCount'), 'a count is not a list');
    assert.ok((res.body as CatalogIndex).operations.every((op) => op.method === 'get'));
  });

  it('refuses an unknown kind, naming it', async () => {
    const res = await helper.request().get('/connectwise-manage/catalog?kind=lists');
    assert.equal(res.status, 400);
    assert.match((res.body as { error: string }).error, /^kind: lists is not one of/);
  });

  it("answers one operation's detail with a sample body", async () => {
    const res = await helper
      .request()
      .get('/connectwise-manage/catalog/operations/postServiceTickets');
    assert.equal(res.status, 200);
    const { operation, sampleBody } = res.body as {
      operation: OperationDetail;
      sampleBody?: { summary?: unknown; company?: unknown };
    };
    assert.equal(operation.method, 'post');
    assert.equal(operation.path, '/service/tickets');
    assert.equal(operation.body?.schema, 'Ticket');
    assert.equal(typeof sampleBody?.summary, 'string', 'the sample has the required summary');
    assert.ok(sampleBody?.company, 'the sample has the required company');
  });

  it('answers path parameters of a child collection and no sample for a GET', async () => {
    const res = await helper
      .request()
      .get('/connectwise-manage/catalog/operations/getServiceTicketsByParentIdNotes');
    assert.equal(res.status, 200);
    const body = res.body as { operation: OperationDetail; sampleBody?: unknown };
    assert.deepEqual(
      body.operation.pathParams.map((param) => [param.name, param.required]),
      [['parentId', true]],
    );
    assert.equal(body.operation.responseKind, 'list');
    assert.ok(!('sampleBody' in body));
  });

  it("answers a list's record field paths, references resolved, to pick watched fields from", async () => {
    const res = await helper
      .request()
      .get('/connectwise-manage/catalog/operations/getServiceTickets');
    assert.equal(res.status, 200);
    const paths = (res.body as { fieldPaths?: string[] }).fieldPaths ?? [];
    for (const path of ['id', 'summary', 'status/name', 'owner/identifier', 'priority/name']) {
      assert.ok(paths.includes(path), `${path} is offered`);
    }
    assert.ok(paths.includes('_info/lastUpdated'));
    assert.ok(!paths.includes('status/_info/lastUpdated'), "a reference's own dates are not");
    assert.ok(!paths.includes('status'), 'a reference is offered by its fields');
    const one = await helper
      .request()
      .get('/connectwise-manage/catalog/operations/getServiceTicketsById');
    assert.ok(!('fieldPaths' in (one.body as object)), 'only lists');
  });

  it('answers 404 naming an unknown operation', async () => {
    const res = await helper.request().get('/connectwise-manage/catalog/operations/getNoSuchThing');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'unknown operation getNoSuchThing' });
  });

  describe('another OpenAPI document', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'cw-catalog-endpoints-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('takes no document path: the same answer whatever the file, so no file can be probed', async () => {
      const petstore = path.join(dir, 'petstore.json');
      writeFileSync(petstore, JSON.stringify({ openapi: '3.0.1', info: {}, paths: {} }));
      const answers = [];
      for (const document of [
        path.join(dir, 'absent.json'),
        petstore,
        '/etc/passwd',
        defaultDocumentPath(),
      ]) {
        const res = await helper
          .request()
          .get(`/connectwise-manage/catalog?document=${encodeURIComponent(document)}`);
        answers.push({ status: res.status, body: res.body as unknown });
      }
      const expected = {
        status: 400,
        body: {
          error: 'document: not accepted; name the connection instead (connection=<node id>)',
        },
      };
      assert.deepEqual(answers, [expected, expected, expected, expected]);
    });

    it('answers 404 for a connection id that is not deployed', async () => {
      const res = await helper.request().get('/connectwise-manage/catalog?connection=nope');
      assert.equal(res.status, 404);
      assert.match(
        (res.body as { error: string }).error,
        /no deployed ConnectWise connection nope/,
      );
    });

    it("reads the editor's pending document setting, with the reason when it cannot be used", async () => {
      const missing = await helper
        .request()
        .post('/connectwise-manage/catalog/pending')
        .send({ openapiSource: 'file', openapiPath: path.join(dir, 'absent.json') });
      assert.equal(missing.status, 400);
      assert.match(
        (missing.body as { error: string }).error,
        /^openapiPath: no file at .*absent\.json/,
      );
      const other = path.join(dir, 'petstore.json');
      writeFileSync(other, JSON.stringify({ openapi: '3.0.1', info: {}, paths: { '/pets': {} } }));
      const notOurs = await helper
        .request()
        .post('/connectwise-manage/catalog/pending')
        .send({ openapiSource: 'file', openapiPath: other });
      assert.equal(notOurs.status, 400);
      assert.match(
        (notOurs.body as { error: string }).error,
        /does not describe the ConnectWise Manage API/,
      );
      const notJson = await helper
        .request()
        .post('/connectwise-manage/catalog/pending')
        .send({ openapiSource: 'file', openapiPath: '/etc/passwd' });
      assert.deepEqual(notJson.body, { error: 'openapiPath: /etc/passwd is not a .json file' });
      const ok = await helper
        .request()
        .post('/connectwise-manage/catalog/pending/operations/getServiceTickets')
        .send({ openapiSource: 'file', openapiPath: defaultDocumentPath() });
      assert.equal(ok.status, 200);
      assert.equal((ok.body as { operation: OperationDetail }).operation.path, '/service/tickets');
    });
  });
});

describe('catalog admin endpoints permissions', () => {
  let server: ReturnType<express.Express['listen']> | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('guards reading with connectwise-request.read, pending documents with connectwise-connection.write', async () => {
    const app = express();
    const asked: string[] = [];
    const fakeRed = {
      httpAdmin: app,
      auth: {
        needsPermission: (permission: string) => {
          asked.push(permission);
          return (_req: express.Request, res: express.Response) => {
            res.status(401).end();
          };
        },
      },
    } as unknown as NodeAPI;
    registerCatalogEndpoints(fakeRed);
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    for (const route of ['catalog', 'catalog/operations/getServiceTickets']) {
      const res = await fetch(`http://127.0.0.1:${port}/connectwise-manage/${route}`);
      assert.equal(res.status, 401, route);
    }
    for (const route of ['catalog/pending', 'catalog/pending/operations/getServiceTickets']) {
      const res = await fetch(`http://127.0.0.1:${port}/connectwise-manage/${route}`, {
        method: 'POST',
      });
      assert.equal(res.status, 401, route);
    }
    assert.deepEqual([...new Set(asked)].sort(), [
      'connectwise-connection.write',
      'connectwise-request.read',
    ]);
  });
});
