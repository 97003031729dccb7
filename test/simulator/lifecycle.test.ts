import { strict as assert } from 'node:assert';
import { Agent, request } from 'node:http';

import { parseArguments } from '../../src/simulator/cli';
import { startSimulator } from '../../src/simulator';
import { call, get } from './sim-http';

const FIXED_NOW = () => new Date('2025-06-01T12:00:00Z');

describe('simulator: request log', () => {
  it('records every request with its query and status, secrets masked', async () => {
    const sim = await startSimulator({ seed: false });
    try {
      await get(sim, '/service/tickets?conditions=id%3E1&pageSize=5&fields=id&fields=summary');
      await get(sim, '/service/tickets', { noClientId: true });
      await call(sim, 'POST', '/company/companies', { body: { identifier: 'A', name: 'A' } });
      assert.equal(sim.log.length, 3);
      const [list, refused, created] = sim.log;
      assert.equal(list.method, 'GET');
      assert.equal(list.path, '/v4_6_release/apis/3.0/service/tickets');
      assert.deepEqual(list.query, {
        conditions: 'id>1',
        pageSize: '5',
        fields: ['id', 'summary'],
      });
      assert.equal(list.status, 200);
      assert.equal(list.headers.authorization, '***');
      assert.equal(list.headers.clientid, '***');
      assert.match(list.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(refused.status, 401);
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, { identifier: 'A', name: 'A' });
      const text = JSON.stringify(sim.log);
      for (const secret of ['simPrivateKey', 'simPublicKey', sim.credentials.clientId]) {
        assert.ok(!text.includes(secret), `log leaks ${secret}`);
      }
      assert.ok(!text.includes(Buffer.from('msp+simPublicKey:simPrivateKey').toString('base64')));
      sim.clearLog();
      assert.equal(sim.log.length, 0);
    } finally {
      await sim.stop();
    }
  });

  it('keeps at most twice logLimit entries, dropping the oldest', async () => {
    const sim = await startSimulator({ seed: false, logLimit: 5 });
    try {
      for (let i = 0; i < 12; i++) await get(sim, `/system/info?i=${i}`);
      assert.ok(sim.log.length <= 10);
      assert.deepEqual(sim.log[sim.log.length - 1].query, { i: '11' });
    } finally {
      await sim.stop();
    }
  });
});

describe('simulator: lifecycle and seed', () => {
  it('stop() closes keep-alive connections and frees the port', async () => {
    const sim = await startSimulator({ seed: false });
    const agent = new Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${sim.url}/login/companyinfo/msp`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
      const started = Date.now();
      await sim.stop();
      assert.ok(Date.now() - started < 1000, 'stop waited for the idle keep-alive socket');
      await assert.rejects(fetch(`${sim.url}/login/companyinfo/msp`));
      await sim.stop();
    } finally {
      agent.destroy();
    }
  });

  it('seeds the same records from the same seed, and others from another', async () => {
    const snapshot = async (seed: number): Promise<string> => {
      const sim = await startSimulator({ seed, clock: FIXED_NOW });
      try {
        const tickets = await get(sim, '/service/tickets?pageSize=1000');
        const contacts = await get(sim, '/company/contacts?pageSize=1000');
        return (tickets.text + contacts.text).split(sim.url).join('SITE');
      } finally {
        await sim.stop();
      }
    };
    const first = await snapshot(7);
    assert.equal(await snapshot(7), first);
    assert.notEqual(await snapshot(8), first);
  });

  it('seeds a realistic instance: boards, statuses, priorities, companies, contacts, tickets', async () => {
    const sim = await startSimulator({ clock: FIXED_NOW });
    try {
      const count = async (path: string) =>
        ((await get(sim, `${path}/count`)).body as { count: number }).count;
      const boards = (await get(sim, '/service/boards')).body as { id: number; name: string }[];
      assert.deepEqual(
        boards.map((b) => b.name),
        ['Help Desk', 'Projects', 'Alerts'],
      );
      const statuses = (await get(sim, `/service/boards/${boards[0].id}/statuses`)).body as {
        name: string;
      }[];
      assert.deepEqual(
        statuses.map((s) => s.name),
        ['New', 'In Progress', 'Waiting', 'Closed'],
      );
      assert.equal(await count('/service/priorities'), 4);
      assert.equal(await count('/company/companies'), 20);
      assert.equal(await count('/company/contacts'), 50);
      assert.equal(await count('/service/tickets'), 100);
      assert.ok((await count('/company/configurations')) > 0);
      assert.ok((await count('/sales/opportunities')) > 0);
      assert.ok((await count('/system/members')) >= 5);
      const ticket = (await get(sim, '/service/tickets/50')).body as Record<
        string,
        { id: number; name: string; _info: object }
      > & {
        _info: { dateEntered: string; lastUpdated: string };
      };
      for (const reference of ['board', 'status', 'company', 'priority']) {
        assert.equal(typeof ticket[reference].id, 'number', reference);
        assert.equal(typeof ticket[reference].name, 'string', reference);
        assert.ok(ticket[reference]._info, reference);
      }
      assert.ok(
        ticket._info.dateEntered < '2025-06-01T12:00:00Z' &&
          ticket._info.dateEntered > '2025-04-30',
      );
      assert.ok(ticket._info.lastUpdated >= ticket._info.dateEntered);
      const notes = (await get(sim, '/service/tickets/50/notes')).body as unknown[];
      assert.ok(notes.length >= 1);
      const empty = await startSimulator({ seed: false });
      try {
        assert.deepEqual((await get(empty, '/service/tickets')).body, []);
      } finally {
        await empty.stop();
      }
    } finally {
      await sim.stop();
    }
  });

  // Seeding speed is measured by bench/simulator.bench.ts; this checks that a large seed is whole.
  it('seeds 100,000 tickets, all listed and paged', async function () {
    this.timeout(30_000);
    const sim = await startSimulator({ seedSize: { tickets: 100_000 } });
    try {
      assert.deepEqual((await get(sim, '/service/tickets/count')).body, { count: 100_000 });
      const page = await get(sim, '/service/tickets?page=4000&pageSize=25&fields=id');
      assert.deepEqual(
        (page.body as { id: number }[]).map((t) => t.id).slice(0, 2),
        [99_976, 99_977],
      );
    } finally {
      await sim.stop();
    }
  });

  it('offers a controllable clock', async () => {
    const sim = await startSimulator({ seed: false, clock: FIXED_NOW });
    try {
      sim.clock.advance(61);
      assert.equal(sim.clock.now().toISOString(), '2025-06-01T12:01:01.000Z');
      sim.clock.set('2030-01-01T00:00:00Z');
      assert.equal(sim.clock.now().toISOString(), '2030-01-01T00:00:00.000Z');
      const real = await startSimulator({ seed: false });
      try {
        real.clock.freeze();
        const frozen = real.clock.now().getTime();
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(real.clock.now().getTime(), frozen);
        real.clock.resume();
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.ok(real.clock.now().getTime() > frozen);
      } finally {
        await real.stop();
      }
    } finally {
      await sim.stop();
    }
  });
});

describe('simulator command line', () => {
  it('reads port, seed, tickets and faults', () => {
    assert.deepEqual(parseArguments([]), { simulator: { port: 8089 }, faults: [] });
    const parsed = parseArguments([
      '--port',
      '0',
      '--seed=3',
      '--tickets',
      '500',
      '--fault',
      '429:3',
      '--fault',
      'drop',
    ]);
    assert.deepEqual(parsed.simulator, { port: 0, seed: 3, seedSize: { tickets: 500 } });
    assert.deepEqual(parsed.faults, [{ kind: '429', count: 3 }, { kind: 'drop' }]);
    assert.equal(parseArguments(['--seed', 'none']).simulator.seed, false);
  });

  it('refuses unknown options and bad values, naming them', () => {
    assert.throws(() => parseArguments(['--bogus']), /unknown option --bogus/);
    assert.throws(() => parseArguments(['--port', 'abc']), /--port: "abc" is not a whole number/);
    assert.throws(() => parseArguments(['--fault', 'teapot:2']), /fault kind: "teapot"/);
    assert.throws(
      () => parseArguments(['--fault', '429:0']),
      /count must be a number of 1 or more/,
    );
  });
});
