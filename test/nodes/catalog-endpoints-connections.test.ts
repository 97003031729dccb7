/**
 * The catalog endpoints read only documents that a connection names: a deployed connection by
 * its id, or the editor's pending settings from a user who may write connections. A read-only
 * user (adminAuth on) cannot name a file, and gets one answer whatever the file.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { NodeAPI } from 'node-red';

import { cachedDocumentCount, clearCatalogCache, getCatalog } from '../../src/core/catalog-store';
import { defaultDocumentPath } from '../../src/core/openapi-document';
import { registerCatalogEndpoints } from '../../src/nodes/catalog-endpoints';
import type { CatalogIndex } from '../../src/shared/catalog-types';
import { MAX_DOCUMENT_CATALOGS } from '../../src/shared/limits';
import { CONNECTION_DEFAULTS } from '../../src/shared/node-configs';
import { connectionModule } from '../helpers/node-red-harness';
import { startNodeRedProcess, type NodeRedProcess } from '../helpers/node-red-process';
import { helper } from '../helpers/test-helper';

function connection(id: string, openapiPath: string): Record<string, unknown> {
  return {
    ...CONNECTION_DEFAULTS,
    id,
    type: 'connectwise-connection',
    name: `connection ${id}`,
    site: 'custom',
    host: 'http://127.0.0.1:9',
    companyId: 'msp',
    openapiSource: 'file',
    openapiPath,
  };
}

describe('catalog endpoints and the connections that name documents', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cw-catalog-connections-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('in node-red-node-test-helper', () => {
    before(() => helper.startServer());
    after(() => helper.stopServer());
    afterEach(() => helper.unload());

    const withEndpoints = (RED: NodeAPI) => {
      (connectionModule as (red: NodeAPI) => void)(RED);
      registerCatalogEndpoints(RED);
    };

    it("answers a deployed connection's own document, by the connection's id", async () => {
      await helper.load(withEndpoints, [connection('own-doc', defaultDocumentPath())]);
      const res = await helper.request().get('/connectwise-manage/catalog?connection=own-doc');
      assert.equal(res.status, 200);
      assert.ok((res.body as CatalogIndex).operationCount > 3000);
      const detail = await helper
        .request()
        .get('/connectwise-manage/catalog/operations/getServiceTickets?connection=own-doc');
      assert.equal(detail.status, 200);
    });

    it("answers the same for a connection's missing and non-JSON document: the status says more", async () => {
      const notJson = path.join(dir, 'not-json.json');
      writeFileSync(notJson, 'root:x:0:0');
      await helper.load(withEndpoints, [
        connection('missing', path.join(dir, 'absent.json')),
        connection('garbled', notJson),
      ]);
      const missing = await helper.request().get('/connectwise-manage/catalog?connection=missing');
      const garbled = await helper.request().get('/connectwise-manage/catalog?connection=garbled');
      assert.equal(missing.status, 400);
      assert.equal(garbled.status, 400);
      const text = (body: unknown) =>
        (body as { error: string }).error.replace(/connection \w+/, 'connection X');
      assert.equal(text(missing.body), text(garbled.body));
      assert.doesNotMatch(JSON.stringify([missing.body, garbled.body]), /absent|not-json|root/);
    });
  });

  it(`keeps at most ${MAX_DOCUMENT_CATALOGS} other documents compiled, the least recently used dropped`, () => {
    clearCatalogCache();
    const files = Array.from({ length: MAX_DOCUMENT_CATALOGS + 2 }, (_, index) => {
      const file = path.join(dir, `doc-${index}.json`);
      writeFileSync(file, '{}');
      return file;
    });
    const first = getCatalog(files[0]);
    for (const file of files.slice(1, MAX_DOCUMENT_CATALOGS)) getCatalog(file);
    assert.equal(getCatalog(files[0]), first, 'a cached document is reused');
    for (const file of files.slice(MAX_DOCUMENT_CATALOGS)) getCatalog(file);
    assert.equal(cachedDocumentCount(), MAX_DOCUMENT_CATALOGS);
    assert.equal(getCatalog(files[0]), first, 'the document used last is still cached');
    assert.notEqual(getCatalog(files[1]), getCatalog(files[2]), 'distinct documents');
    clearCatalogCache();
  });

  describe('in a Node-RED process with adminAuth, for a read-only user', () => {
    let nodeRed: NodeRedProcess;
    let adminToken = '';
    let viewerToken = '';

    const call = async (method: string, route: string, token: string, body?: unknown) => {
      const response = await fetch(`${nodeRed.url}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, text };
    };

    before(async function () {
      this.timeout(60_000);
      nodeRed = await startNodeRedProcess({
        users: [
          { username: 'admin', password: 'admin-password', permissions: '*' },
          { username: 'viewer', password: 'viewer-password', permissions: 'read' },
        ],
      });
      adminToken = await nodeRed.login('admin', 'admin-password');
      viewerToken = await nodeRed.login('viewer', 'viewer-password');
      await nodeRed.deploy(
        [
          { id: 'tab', type: 'tab', label: 'catalog' },
          { ...connection('named', defaultDocumentPath()) },
        ],
        adminToken,
      );
    });
    after(async () => {
      await nodeRed?.stop();
    });

    it('reads the catalog of a deployed connection, and cannot name a file', async () => {
      // The deploy answers before the new flows have started: wait for the connection.
      let named = await call('GET', '/connectwise-manage/catalog?connection=named', viewerToken);
      for (let tries = 0; named.status === 404 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        named = await call('GET', '/connectwise-manage/catalog?connection=named', viewerToken);
      }
      assert.equal(named.status, 200, named.text);
      const probes = [];
      for (const document of [
        '/etc/passwd',
        path.join(dir, 'absent.json'),
        defaultDocumentPath(),
      ]) {
        const probe = await call(
          'GET',
          `/connectwise-manage/catalog?document=${encodeURIComponent(document)}`,
          viewerToken,
        );
        probes.push(probe);
      }
      assert.equal(new Set(probes.map((probe) => `${probe.status} ${probe.text}`)).size, 1);
      assert.equal(probes[0].status, 400);
    });

    it('may not post pending document settings; a user who may write connections may', async () => {
      const pending = { openapiSource: 'file', openapiPath: path.join(dir, 'absent.json') };
      const viewer = await call(
        'POST',
        '/connectwise-manage/catalog/pending',
        viewerToken,
        pending,
      );
      assert.equal(viewer.status, 401);
      assert.doesNotMatch(viewer.text, /absent/);
      const admin = await call('POST', '/connectwise-manage/catalog/pending', adminToken, pending);
      assert.equal(admin.status, 400);
      assert.match(admin.text, /no file at/);
    });
  });
});
