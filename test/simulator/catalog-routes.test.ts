/**
 * The simulator runs from the compiled catalog alone, as an installed package ships it (without
 * the OpenAPI document): the same routes as from the document, and the same behaviour.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import { getCatalog } from '../../src/core/catalog-store';
import { defaultDocumentPath, loadOpenApiDocument } from '../../src/core/openapi-document';
import { startSimulator, type Simulator } from '../../src/simulator';
import { describeCatalogOperation } from '../../src/simulator/catalog-routes';
import { buildRouteTable } from '../../src/simulator/routes';
import { basicAuth, call, get } from './sim-http';

describe('simulator from the compiled catalog', function () {
  this.timeout(30_000);

  it('describes every operation as the document does', () => {
    const fromDocument = buildRouteTable(loadOpenApiDocument(defaultDocumentPath()));
    const catalog = getCatalog();
    let compared = 0;
    const differences: string[] = [];
    for (const summary of catalog.index().operations) {
      const detail = catalog.operation(summary.operationId);
      assert.ok(detail);
      const samplePath = detail.path.replace(/\{[^/]*/g, '1');
      const matched = fromDocument.match(detail.method, samplePath)?.operation;
      // Operations that share a path shape with an earlier one are answered by that one.
      if (!matched || matched.operationId !== detail.operationId) continue;
      compared++;
      const fromCatalog = describeCatalogOperation(detail);
      for (const key of Object.keys(matched) as (keyof typeof matched)[]) {
        if (JSON.stringify(matched[key]) !== JSON.stringify(fromCatalog[key])) {
          differences.push(`${detail.operationId}.${key}`);
        }
      }
    }
    assert.ok(compared > 2900, `compared ${compared}`);
    assert.deepEqual(differences, []);
  });

  describe('serving requests', () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator({ routesFrom: 'catalog' });
    });
    after(() => sim.stop());

    it('lists, reads, creates, patches and counts records; answers files', async () => {
      const list = await get(sim, '/service/tickets?pageSize=5&conditions=id<50');
      assert.equal(list.status, 200);
      assert.equal((list.body as unknown[]).length, 5);
      const created = await call(sim, 'POST', '/service/tickets', {
        body: { summary: 'From the catalog', company: { id: 2 } },
      });
      assert.equal(created.status, 201, created.text);
      const { id } = created.body as { id: number };
      const patched = await call(sim, 'PATCH', `/service/tickets/${id}`, {
        body: [{ op: 'replace', path: 'summary', value: 'Patched' }],
      });
      assert.equal((patched.body as { summary: string }).summary, 'Patched');
      const count = await get(sim, '/service/tickets/count');
      assert.ok((count.body as { count: number }).count > 0);
      const pdf = await get(sim, '/finance/invoices/1/pdf');
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      const wrong = await call(sim, 'POST', '/system/documents', { body: { title: 'json' } });
      assert.equal(wrong.status, 415);
    });
  });

  it('starts from dist/ without the OpenAPI document, as an installed package does', async () => {
    const cli = path.resolve(__dirname, '../../dist/simulator/cli.js');
    const child = spawn(process.execPath, [cli, '--port', '0', '--tickets', '5'], {
      env: { ...process.env, CW_OPENAPI: path.join(__dirname, 'no-such-document.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const found = /URL:\s+(http:\/\/\S+)/.exec(output);
          if (found) resolve(found[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const answer = await fetch(`${url}/v4_6_release/apis/3.0/service/tickets?pageSize=2`, {
        headers: {
          authorization: basicAuth('msp', 'simPublicKey', 'simPrivateKey'),
          clientId: '00000000-0000-4000-8000-000000000000',
        },
      });
      assert.equal(answer.status, 200, output);
      assert.equal(((await answer.json()) as unknown[]).length, 2);
    } finally {
      child.kill();
    }
  });
});
