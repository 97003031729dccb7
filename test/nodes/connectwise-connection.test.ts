/**
 * The connection config node in a Node-RED runtime (node-red-node-test-helper) against the
 * simulator: its client, its codebase discovery, and the editor's "test connection" endpoint.
 * Loads the compiled node from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type { NextFunction, Request, Response } from 'express';
import type { NodeAPI } from 'node-red';

import type { CwClient } from '../../src/core/client';
import { CwError } from '../../src/core/errors';
import type { ConnectionNode } from '../../src/nodes/connectwise-connection';
import { startSimulator } from '../../src/simulator';
import { helper } from '../helpers/test-helper';

const load = createRequire(__filename);
const connectionModule = load(path.resolve(__dirname, '../../nodes/connectwise-connection.js')) as (
  RED: NodeAPI,
) => void;
// The same compiled module the entry point loads, for its endpoint registration.
const { registerConnectionEndpoints } = load(
  path.resolve(__dirname, '../../dist/nodes/connectwise-connection'),
) as { registerConnectionEndpoints: (RED: NodeAPI) => void };

const TEST_ROUTE = '/connectwise-manage/connection/test';

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

describe('connectwise-connection node', function () {
  this.timeout(30_000);
  let sim: Simulator;

  function flow(overrides: Record<string, unknown> = {}) {
    return [
      {
        id: 'conn1',
        type: 'connectwise-connection',
        name: 'Simulator',
        site: 'custom',
        host: sim.url,
        companyId: sim.credentials.companyId,
        ...overrides,
      },
    ];
  }

  function credentials(overrides: Record<string, string> = {}) {
    return {
      conn1: {
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
        clientId: sim.credentials.clientId,
        ...overrides,
      },
    };
  }

  function connection(): ConnectionNode {
    const node = helper.getNode('conn1') as ConnectionNode | null;
    assert.ok(node, 'the connection node was created');
    return node;
  }

  before(async () => {
    sim = await startSimulator();
    await helper.startServer();
  });

  after(async () => {
    await helper.stopServer();
    await sim.stop();
  });

  afterEach(() => helper.unload());

  describe('runtime', () => {
    it('gives the nodes a working client and describes itself without secrets', async () => {
      await helper.load(connectionModule, flow(), credentials());
      const node = connection();
      const client = await node.getClient();
      assert.equal(await node.getClient(), client, 'one client per connection');
      const info = await client.request<{ version?: string }>({
        method: 'get',
        path: '/system/info',
      });
      assert.equal(info.status, 200);
      const description = node.describe();
      assert.equal(description, `${new URL(sim.url).host}, company ${sim.credentials.companyId}`);
      assert.ok(!description.includes(sim.credentials.privateKey));
      assert.equal(node.returnFailures, false);
      assert.equal(node.removeNulls, true, 'remove null fields is on unless turned off');
    });

    it('discovers the codebase from the site when asked', async () => {
      await helper.load(
        connectionModule,
        flow({ discoverCodebase: true, codebase: 'v_wrong' }),
        credentials(),
      );
      const client = await connection().getClient();
      assert.match(client.settings.baseUrl, new RegExp(`^${sim.url}/v\\d{4}_\\d+/apis/3\\.0$`));
      const info = await client.request({ method: 'get', path: '/system/info' });
      assert.equal(info.status, 200);
    });

    it('rejects with a CONFIG error naming the missing field', async () => {
      await helper.load(connectionModule, flow(), credentials({ privateKey: '' }));
      await assert.rejects(connection().getClient(), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal((err as CwError).code, 'CONFIG');
        assert.equal(err.message, 'privateKey: is required');
        return true;
      });
    });

    it('closes its client when the flow stops', async () => {
      await helper.load(connectionModule, flow(), credentials());
      const client: CwClient = await connection().getClient();
      await helper.unload();
      await assert.rejects(
        client.request({ method: 'get', path: '/system/info' }),
        /connection was closed/,
      );
      await helper.load(connectionModule, [], {});
    });

    it('passes its options to the nodes', async () => {
      await helper.load(
        connectionModule,
        flow({ returnFailures: true, removeNulls: true }),
        credentials(),
      );
      assert.equal(connection().returnFailures, true);
      assert.equal(connection().removeNulls, true);
      assert.equal(typeof connection().getCatalog().operation, 'function');
    });
  });

  describe('test endpoint', () => {
    function body(overrides: Record<string, unknown> = {}, creds: Record<string, string> = {}) {
      return {
        config: {
          site: 'custom',
          host: sim.url,
          companyId: sim.credentials.companyId,
          ...overrides,
        },
        credentials: {
          publicKey: sim.credentials.publicKey,
          privateKey: sim.credentials.privateKey,
          clientId: sim.credentials.clientId,
          ...creds,
        },
      };
    }

    it('answers ok with the version and base URL', async () => {
      await helper.load(connectionModule, []);
      const res = await helper.request().post(TEST_ROUTE).send(body());
      assert.equal(res.status, 200);
      const result = res.body as {
        ok: boolean;
        version?: string;
        codebase: string;
        baseUrl: string;
      };
      assert.equal(result.ok, true, res.text);
      assert.equal(result.codebase, 'v4_6_release');
      assert.equal(result.baseUrl, `${sim.url}/v4_6_release/apis/3.0`);
      assert.equal(typeof result.version, 'string');
    });

    it('answers the company and codebase when discovering', async () => {
      await helper.load(connectionModule, []);
      const res = await helper
        .request()
        .post(TEST_ROUTE)
        .send(body({ discoverCodebase: true }));
      const result = res.body as { ok: boolean; codebase: string; companyName?: string };
      assert.equal(result.ok, true, res.text);
      assert.match(result.codebase, /^v\d{4}_\d+$/);
      assert.equal(typeof result.companyName, 'string');
    });

    it('takes unchanged or empty password fields from the deployed node', async () => {
      await helper.load(connectionModule, flow(), credentials());
      const res = await helper
        .request()
        .post(TEST_ROUTE)
        .send({
          id: 'conn1',
          ...body({}, { publicKey: '', privateKey: '__PWRD__', clientId: '__PWRD__' }),
        });
      assert.equal((res.body as { ok: boolean }).ok, true, res.text);
    });

    it('answers ok:false with the status for a wrong key, without the key', async () => {
      await helper.load(connectionModule, []);
      const wrongKey = 'wrongPrivateKey-93b1f';
      const res = await helper
        .request()
        .post(TEST_ROUTE)
        .send(body({}, { privateKey: wrongKey }));
      assert.equal(res.status, 200);
      const result = res.body as { ok: boolean; code: string; statusCode?: number; error: string };
      assert.equal(result.ok, false);
      assert.equal(result.code, 'HTTP');
      assert.equal(result.statusCode, 401);
      assert.match(result.error, /^GET \/system\/info failed: 401/);
      assert.ok(!res.text.includes(wrongKey));
      assert.ok(!res.text.includes(sim.credentials.publicKey));
    });

    it('answers ok:false naming the field for incomplete settings', async () => {
      await helper.load(connectionModule, []);
      const res = await helper
        .request()
        .post(TEST_ROUTE)
        .send(body({ site: 'custom', host: '' }));
      assert.deepEqual(res.body, {
        ok: false,
        code: 'CONFIG',
        error: 'host: is required for a custom site',
      });
      const missing = await helper.request().post(TEST_ROUTE).send({});
      assert.equal(missing.status, 400);
    });

    it('is guarded by the connectwise-connection.write permission', async () => {
      const asked: string[] = [];
      const guarded = (RED: NodeAPI): void => {
        RED.auth.needsPermission = (permission: string) => {
          asked.push(permission);
          return (_req: Request, res: Response, _next: NextFunction) => {
            res.status(401).end();
          };
        };
        registerConnectionEndpoints(RED);
        connectionModule(RED); // registering again on the same app adds no second route
      };
      await helper.load(guarded, []);
      assert.deepEqual(asked, ['connectwise-connection.write']);
      const res = await helper.request().post(TEST_ROUTE).send(body());
      assert.equal(res.status, 401);
    });
  });
});
