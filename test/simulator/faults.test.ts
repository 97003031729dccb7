import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { call, get } from './sim-http';

describe('simulator: faults', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
  });

  afterEach(() => sim.faults.clear());

  after(() => sim.stop());

  const ticketCount = async (): Promise<number> =>
    ((await get(sim, '/service/tickets/count')).body as { count: number }).count;

  it('throttles with 429 and Retry-After for the given count, then answers', async () => {
    sim.faults.add({ kind: '429', count: 2, retryAfter: 3 });
    for (let i = 0; i < 2; i++) {
      const answer = await get(sim, '/service/tickets/1');
      assert.equal(answer.status, 429);
      assert.equal(answer.headers.get('retry-after'), '3');
      assert.deepEqual(answer.body, {
        error: 'ConnectWiseAPI',
        message: 'Too many requests. Please try again in 30 seconds.',
      });
    }
    assert.equal((await get(sim, '/service/tickets/1')).status, 200);
    assert.deepEqual(sim.faults.pending(), []);
  });

  it('defaults Retry-After to 1 second and accepts numeric kinds', async () => {
    sim.faults.add({ kind: 429 });
    assert.equal((await get(sim, '/system/info')).headers.get('retry-after'), '1');
  });

  it('answers 500 instead of acting: a failed POST creates nothing', async () => {
    const before = await ticketCount();
    sim.faults.add({ kind: '500', match: { method: 'POST' } });
    const answer = await call(sim, 'POST', '/service/tickets', {
      body: { summary: 'x', company: { id: 1 } },
    });
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, {
      code: 'InternalServerError',
      message: 'A timeout has occured. Please try again.',
    });
    assert.equal(await ticketCount(), before);
  });

  it('acts then fails with after: true (the server timed out after creating)', async () => {
    const before = await ticketCount();
    sim.faults.add({
      kind: '500',
      match: { method: 'POST', path: '/service/tickets' },
      after: true,
    });
    const answer = await call(sim, 'POST', '/service/tickets', {
      body: { summary: 'made anyway', company: { id: 1 } },
    });
    assert.equal(answer.status, 500);
    assert.equal(await ticketCount(), before + 1);
  });

  it('answers 502 with a gateway page and 503 with a Manage error', async () => {
    sim.faults.add({ kind: '502' });
    const gateway = await get(sim, '/system/info');
    assert.equal(gateway.status, 502);
    assert.match(gateway.headers.get('content-type') ?? '', /text\/html/);
    sim.faults.add({ kind: '503', count: 3, retryAfter: 2 });
    for (let i = 0; i < 3; i++) {
      const unavailable = await get(sim, '/system/info');
      assert.equal(unavailable.status, 503);
      assert.equal(unavailable.headers.get('retry-after'), '2');
      assert.equal((unavailable.body as { code: string }).code, 'ServiceUnavailable');
    }
    assert.equal((await get(sim, '/system/info')).status, 200);
  });

  it('slows answers down by delayMs', async () => {
    sim.faults.add({ kind: 'slow', delayMs: 300 });
    const started = Date.now();
    const answer = await get(sim, '/system/info');
    assert.equal(answer.status, 200);
    assert.ok(Date.now() - started >= 280, `took ${Date.now() - started} ms`);
  });

  it('drops the connection before any answer', async () => {
    sim.faults.add({ kind: 'drop' });
    await assert.rejects(get(sim, '/system/info'), /fetch failed/);
    assert.equal(sim.log[sim.log.length - 1].status, 0);
    assert.equal(sim.log[sim.log.length - 1].fault, 'drop');
    assert.equal((await get(sim, '/system/info')).status, 200);
  });

  it('drops the connection in the middle of the body', async () => {
    sim.faults.add({ kind: 'drop-mid-body' });
    const response = await fetch(`${sim.baseUrl()}/service/tickets`, {
      headers: {
        authorization: `Basic ${Buffer.from('msp+simPublicKey:simPrivateKey').toString('base64')}`,
        clientId: 'x',
      },
    });
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
  });

  it('answers 200 with a truncated JSON body', async () => {
    sim.faults.add({ kind: 'invalid-json' });
    const response = await fetch(`${sim.baseUrl()}/service/tickets`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /json/);
    await assert.rejects(response.json(), SyntaxError);
  });

  it('answers 200 with a login page, as a wrong host does', async () => {
    sim.faults.add({ kind: 'html' });
    const answer = await get(sim, '/login/companyinfo/msp', { site: true });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /text\/html/);
    assert.match(answer.text, /<html>.*Login/s);
  });

  it('hits only matching requests (method, path string or pattern)', async () => {
    sim.faults.add({ kind: '500', count: Infinity, match: { path: /\/service\/tickets\/\d+$/ } });
    sim.faults.add({
      kind: '503',
      count: Infinity,
      match: { method: 'PUT', path: '/company/companies/1' },
    });
    assert.equal((await get(sim, '/service/tickets/5')).status, 500);
    assert.equal((await get(sim, '/service/tickets')).status, 200);
    assert.equal((await get(sim, '/company/companies/1')).status, 200);
    const put = await call(sim, 'PUT', '/company/companies/1', {
      body: { identifier: 'x', name: 'x' },
    });
    assert.equal(put.status, 503);
    assert.equal(sim.faults.pending().length, 2);
    assert.equal(sim.faults.pending()[0].remaining, Infinity);
  });

  it('refuses unknown fault kinds', () => {
    assert.throws(() => sim.faults.add({ kind: 'explode' as '500' }), /fault kind: "explode"/);
  });

  it('can be switched over HTTP for a simulator in another process', async () => {
    const added = await fetch(`${sim.url}/_simulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: '429', count: 1 }),
    });
    assert.equal(added.status, 201);
    assert.equal((await get(sim, '/system/info')).status, 429);
    assert.equal((await get(sim, '/system/info')).status, 200);
  });

  it('adds latency to every answer when asked', async () => {
    const slow = await startSimulator({ seed: false, latencyMs: 150 });
    try {
      const started = Date.now();
      await get(slow, '/system/info');
      assert.ok(Date.now() - started >= 140);
    } finally {
      await slow.stop();
    }
  });
});
