import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { basicAuth, call, get } from './sim-http';

describe('simulator: site, auth and routing', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
  });

  after(() => sim.stop());

  it('answers companyinfo without auth, and null for an unknown company', async () => {
    const known = await get(sim, '/login/companyinfo/MSP', { site: true, anonymous: true });
    assert.equal(known.status, 200);
    assert.deepEqual(known.body, {
      CompanyName: 'Simulated MSP',
      Codebase: 'v2025_1/',
      VersionCode: 'v2025.1',
      VersionNumber: 'v2025.1.10431',
      CompanyID: 'msp',
      IsCloud: false,
      SiteUrl: new URL(sim.url).host,
    });
    const unknown = await get(sim, '/login/companyinfo/nobody', { site: true, anonymous: true });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.text, 'null');
  });

  it('serves the API under v4_6_release and dated codebases, with api-current-version', async () => {
    for (const codebase of ['v4_6_release', 'v2025_1', 'v2024_2/']) {
      const answer = await get(sim, `${sim.baseUrl(codebase)}/system/info`);
      assert.equal(answer.status, 200, codebase);
      assert.equal(answer.headers.get('api-current-version'), '2025.1');
      assert.equal((answer.body as { isCloud: boolean }).isCloud, false);
    }
    const wrong = await get(sim, `${sim.url}/v3_0_release/apis/3.0/system/info`);
    assert.equal(wrong.status, 404);
  });

  it('refuses a request without credentials', async () => {
    const answer = await get(sim, '/service/tickets', { anonymous: true });
    assert.equal(answer.status, 401);
    assert.equal((answer.body as { code: string }).code, 'Unauthorized');
    assert.match((answer.body as { message: string }).message, /Authorization/);
  });

  it('refuses wrong credentials without echoing them', async () => {
    for (const [company, publicKey, privateKey] of [
      ['msp', 'simPublicKey', 'wrongPrivate'],
      ['msp', 'wrongPublic', 'simPrivateKey'],
      ['other', 'simPublicKey', 'simPrivateKey'],
    ]) {
      const answer = await get(sim, '/service/tickets', {
        headers: { authorization: basicAuth(company, publicKey, privateKey) },
      });
      assert.equal(answer.status, 401);
      const body = answer.body as { code: string; message: string; errors: unknown[] };
      assert.equal(body.code, 'Unauthorized');
      assert.match(body.message, /Invalid credentials/);
      assert.ok(!answer.text.includes(privateKey) && !answer.text.includes(publicKey));
    }
  });

  it('accepts the company id in any case', async () => {
    const answer = await get(sim, '/system/info', {
      headers: { authorization: basicAuth('MSP', 'simPublicKey', 'simPrivateKey') },
    });
    assert.equal(answer.status, 200);
  });

  it('requires the clientId header', async () => {
    const answer = await get(sim, '/service/tickets', { noClientId: true });
    assert.equal(answer.status, 401);
    assert.match((answer.body as { message: string }).message, /clientId header is required/);
  });

  it('answers 404 in the Manage error shape for unknown paths and methods', async () => {
    const unknownPath = await get(sim, '/service/nothing-here');
    assert.equal(unknownPath.status, 404);
    const body = unknownPath.body as { code: string; message: string; errors: unknown[] };
    assert.equal(body.code, 'NotFound');
    assert.match(body.message, /service\/nothing-here/);
    assert.deepEqual(body.errors, []);
    const unknownMethod = await call(sim, 'DELETE', '/service/tickets');
    assert.equal(unknownMethod.status, 404);
    const outsideApi = await get(sim, '/', { site: true });
    assert.equal(outsideApi.status, 404);
  });

  it('matches paths ignoring case and trailing slashes', async () => {
    const answer = await get(sim, '/Service/Tickets/1/');
    assert.equal(answer.status, 200);
    assert.equal((answer.body as { id: number }).id, 1);
  });

  it('answers an unknown record with 404 naming the entity', async () => {
    const answer = await get(sim, '/service/tickets/99999');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, {
      code: 'NotFound',
      message: 'Ticket with id 99999 not found',
      errors: [],
    });
  });

  it('lets other members in when configured', async () => {
    const custom = await startSimulator({
      seed: false,
      members: [{ companyId: 'acme', publicKey: 'pub', privateKey: 'priv' }],
    });
    try {
      assert.equal(custom.credentials.companyId, 'acme');
      assert.equal(custom.credentials.clientId, '00000000-0000-4000-8000-000000000000');
      assert.equal((await get(custom, '/service/tickets')).status, 200);
      const info = await get(custom, '/login/companyinfo/acme', { site: true, anonymous: true });
      assert.equal((info.body as { CompanyID: string }).CompanyID, 'acme');
    } finally {
      await custom.stop();
    }
  });
});
