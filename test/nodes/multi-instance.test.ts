/**
 * Several real Node-RED processes (red.js, this package installed in each userDir) on one
 * simulator and one real redis-server, with connections that coordinate through Redis: together
 * they keep one rate limit. A connection that does not coordinate loads nothing of Redis.
 * The processes run as docs/multi-instance/ sets them up: its settings.js, the environment its
 * compose.yaml gives each instance (the Redis URL with the password, the credential secret), and
 * a redis-server with the password compose gives it.
 */
import { strict as assert } from 'node:assert';
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';

import { CONFIG_VERSIONS, CONNECTION_DEFAULTS, POLL_DEFAULTS } from '../../src/shared/node-configs';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startNodeRedProcess, type NodeRedProcess } from '../helpers/node-red-process';
import {
  DOCS_SETTINGS,
  nodeRedEnvironment,
  readmeValues,
  redisPassword,
  redisUrlVariable,
} from '../helpers/multi-instance-docs';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { checkRate, measuredRate } from '../helpers/request-rate';

/** Polls `ready` (which may ask over HTTP) until it answers true. */
async function waitFor(label: string, ready: () => boolean | Promise<boolean>, ms = 10_000) {
  const start = Date.now();
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // Not there yet (the endpoint is being deployed): ask again.
    }
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A function node can ask which modules the process has loaded. */
const MODULE_PROBE = `functionGlobalContext: { loadedModules: () => Object.keys(require.cache) },`;

function connection(sim: Simulator, settings: Record<string, unknown> = {}) {
  return {
    ...CONNECTION_DEFAULTS,
    id: 'conn',
    type: 'connectwise-connection',
    site: 'custom',
    host: sim.url,
    companyId: sim.credentials.companyId,
    ...settings,
    credentials: {
      publicKey: sim.credentials.publicKey,
      privateKey: sim.credentials.privateKey,
      clientId: sim.credentials.clientId,
    },
  };
}

const tab = { id: 'tab', type: 'tab', label: 'multi-instance' };

/** `GET /probe` answers `{ answered, redisModules }` once the first request came back. */
function probeFlow(sim: Simulator, settings: Record<string, unknown>) {
  return [
    tab,
    connection(sim, settings),
    { id: 'go', type: 'inject', z: 'tab', once: true, onceDelay: 0.1, wires: [['req']] },
    {
      id: 'req',
      type: 'connectwise-request',
      z: 'tab',
      version: CONFIG_VERSIONS.request,
      connection: 'conn',
      operationId: 'getSystemInfo',
      params: [],
      wires: [['mark']],
    },
    {
      id: 'mark',
      type: 'function',
      z: 'tab',
      func: "global.set('answered', true); return null;",
      wires: [],
    },
    { id: 'in', type: 'http in', z: 'tab', url: '/probe', method: 'get', wires: [['list']] },
    {
      id: 'list',
      type: 'function',
      z: 'tab',
      func:
        "msg.payload = { answered: global.get('answered') === true, redisModules: " +
        "global.get('loadedModules')().filter((m) => /[\\\\/]ioredis[\\\\/].*\\.js$/.test(m)) };" +
        ' return msg;',
      wires: [['out']],
    },
    { id: 'out', type: 'http response', z: 'tab', wires: [] },
  ];
}

interface Probe {
  answered: boolean;
  redisModules: string[];
}

async function probe(node: NodeRedProcess): Promise<Probe> {
  let result: Probe = { answered: false, redisModules: [] };
  await waitFor('the first answer', async () => {
    const response = await fetch(`${node.nodeUrl}/probe`);
    result = (await response.json()) as Probe;
    return result.answered;
  });
  return result;
}

/** Each of `count` messages calls getSystemInfo: the flow of the rate test. */
function loadFlow(sim: Simulator, count: number) {
  return [
    tab,
    connection(sim, {
      coordinate: true,
      // Fifty a second: each second's share goes out well within half a second, even on a busy machine.
      rateLimit: 3000,
      concurrency: 16,
      maxWait: 60,
      maxQueue: 10000,
    }),
    { id: 'in', type: 'http in', z: 'tab', url: '/load', method: 'post', wires: [['fan', 'ok']] },
    { id: 'ok', type: 'http response', z: 'tab', wires: [] },
    {
      id: 'fan',
      type: 'function',
      z: 'tab',
      func: `for (let i = 0; i < ${count}; i++) node.send({ payload: i }); return null;`,
      wires: [['req']],
    },
    {
      id: 'req',
      type: 'connectwise-request',
      z: 'tab',
      version: CONFIG_VERSIONS.request,
      connection: 'conn',
      operationId: 'getSystemInfo',
      params: [],
      wires: [[]],
    },
  ];
}

/** A callback node on a coordinated connection, registered at `publicUrl` (the load balancer). */
function callbackFlow(sim: Simulator, publicUrl: string) {
  return [
    tab,
    connection(sim, { coordinate: true, retries: 0 }),
    {
      id: 'callback',
      type: 'connectwise-callback',
      z: 'tab',
      version: CONFIG_VERSIONS.callback,
      connection: 'conn',
      callbackType: 'Ticket',
      level: 'Owner',
      objectId: '',
      description: 'tickets to Node-RED',
      publicUrl,
      path: '/connectwise/callback/tickets',
      output: 'entity',
      dedupeWindow: 600,
      x: 150,
      y: 100,
      wires: [['debug']],
    },
    {
      id: 'debug',
      type: 'debug',
      z: 'tab',
      active: true,
      tosidebar: true,
      complete: 'payload.summary',
      targetType: 'msg',
      x: 400,
      y: 100,
      wires: [],
    },
  ];
}

/** Receives every page the poll nodes send on: the ids, and which instance sent them. */
interface Collector {
  url: string;
  pages: { instance: number; ids: number[]; at: number }[];
  stop(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const pages: Collector['pages'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const instance = Number(/\/collect\/(\d+)/.exec(req.url ?? '')?.[1]);
      pages.push({ instance, ids: JSON.parse(body) as number[], at: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    pages,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A poll node of every ticket since 2000, one message a page, each page's ids to the collector. */
function pollFlow(sim: Simulator, collector: string, instance: number) {
  return [
    tab,
    connection(sim, { coordinate: true, leaseTime: 3, rateLimit: 60000, concurrency: 8 }),
    {
      ...POLL_DEFAULTS,
      id: 'poll',
      type: 'connectwise-poll',
      z: 'tab',
      connection: 'conn',
      operationId: 'getServiceTickets',
      pageSize: 1000,
      interval: 10,
      intervalUnit: 's',
      output: 'per-poll',
      start: 'since',
      since: '2000-01-01T00:00:00Z',
      x: 100,
      y: 100,
      wires: [['ids']],
    },
    {
      id: 'ids',
      type: 'function',
      z: 'tab',
      func: "msg.payload = msg.payload.map((r) => r.id); msg.headers = { 'content-type': 'application/json' }; return msg;",
      x: 300,
      y: 100,
      wires: [['post']],
    },
    {
      id: 'post',
      type: 'http request',
      z: 'tab',
      method: 'POST',
      ret: 'txt',
      paytoqs: 'ignore',
      url: `${collector}/collect/${instance}`,
      x: 500,
      y: 100,
      wires: [[]],
    },
  ];
}

/** A poll node of new and changed tickets (one message each) and `GET /info` through a request. */
function recoveryFlow(sim: Simulator, collector: string, instance: number) {
  const [, conn, poll, ids, post] = pollFlow(sim, collector, instance);
  return [
    tab,
    conn,
    { ...poll, output: 'per-record', start: 'now', since: '' },
    {
      ...ids,
      func: "msg.payload = [msg.payload.id]; msg.headers = { 'content-type': 'application/json' }; return msg;",
    },
    post,
    {
      id: 'in',
      type: 'http in',
      z: 'tab',
      url: '/info',
      method: 'get',
      x: 100,
      y: 200,
      wires: [['req']],
    },
    {
      id: 'req',
      type: 'connectwise-request',
      z: 'tab',
      version: CONFIG_VERSIONS.request,
      connection: 'conn',
      operationId: 'getSystemInfo',
      params: [],
      x: 300,
      y: 200,
      wires: [['answer']],
    },
    { id: 'answer', type: 'http response', z: 'tab', x: 500, y: 200, wires: [] },
  ];
}

describe('several Node-RED instances coordinated through Redis', function () {
  this.timeout(90_000);
  let sim: Simulator;
  let redis: RedisServer;
  const started: NodeRedProcess[] = [];

  /** What compose reads from the shell: the README's example. */
  const composeValues = readmeValues();
  const password = redisPassword(composeValues);

  async function nodeRed(extraSettings = '', server = redis): Promise<NodeRedProcess> {
    const node = await startNodeRedProcess({
      settingsFile: DOCS_SETTINGS,
      extraSettings,
      env: nodeRedEnvironment(composeValues, `127.0.0.1:${server.port}`),
    });
    started.push(node);
    return node;
  }

  before(async () => {
    [sim, redis] = await Promise.all([startSimulator(), startRedisServer({ password })]);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.stop()));
    sim.faults.clear();
    sim.clearLog();
  });

  after(async () => {
    await Promise.all([sim.stop(), redis.stop()]);
  });

  it('the compose set-up gives every instance the Redis URL in the variable a connection reads by default', () => {
    assert.equal(redisUrlVariable(), CONNECTION_DEFAULTS.redisEnv);
    assert.equal(CONNECTION_DEFAULTS.redisUrlFrom, 'env');
    assert.ok(composeValues.REDIS_PASSWORD, 'the README exports REDIS_PASSWORD');
    assert.equal(password, composeValues.REDIS_PASSWORD);
    const env = nodeRedEnvironment(composeValues, '127.0.0.1:6379');
    // The password travels in the URL, as compose writes it.
    assert.equal(decodeURIComponent(new URL(env[CONNECTION_DEFAULTS.redisEnv]).password), password);
  });

  it('loads nothing of Redis for a connection that does not coordinate, and does for one that does', async () => {
    const node = await nodeRed(MODULE_PROBE);
    await node.deploy(probeFlow(sim, { version: 2, coordinate: undefined }));
    const off = await probe(node);
    // docs/multi-instance/flows/settings.js encrypts credentials with the secret compose passes
    // (Node-RED's format: AES-256-CTR, the key a SHA-256 of the secret, the IV in front in hex).
    const saved = JSON.parse(readFileSync(path.join(node.userDir, 'flows_cred.json'), 'utf8')) as {
      $: string;
    };
    const decipher = createDecipheriv(
      'aes-256-ctr',
      createHash('sha256').update(composeValues.NODE_RED_CREDENTIAL_SECRET).digest(),
      Buffer.from(saved.$.slice(0, 32), 'hex'),
    );
    const credentials = JSON.parse(
      decipher.update(saved.$.slice(32), 'base64', 'utf8') + decipher.final('utf8'),
    ) as Record<string, unknown>;
    assert.ok(credentials.conn, "the connection's credentials, under the secret compose sets");
    assert.deepEqual(
      off.redisModules,
      [],
      'a connection saved before coordination loads no Redis client',
    );
    await node.deploy(probeFlow(sim, { coordinate: true }));
    await waitFor('a new answer', async () => {
      const response = await fetch(`${node.nodeUrl}/probe`);
      return ((await response.json()) as Probe).redisModules.length > 0;
    });
  });

  it('three instances under load keep one rate limit between them (±5%)', async () => {
    const nodes = await Promise.all([nodeRed(), nodeRed(), nodeRed()]);
    // 150 messages each: alone, each would be allowed all 3,000 a minute.
    await Promise.all(nodes.map((node) => node.deploy(loadFlow(sim, 150))));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { rate, stalls } = await checkRate(3000, 0.05, async () => {
      sim.clearLog();
      await Promise.all(nodes.map((node) => fetch(`${node.nodeUrl}/load`, { method: 'POST' })));
      await waitFor(
        'every request',
        () => sim.log.filter((entry) => entry.path.endsWith('/system/info')).length >= 450,
        30_000,
      );
      const times = sim.log
        .filter((entry) => entry.path.endsWith('/system/info'))
        .map((entry) => entry.receivedAt)
        .sort((a, b) => a - b);
      return measuredRate(times, 6);
    });
    assert.ok(
      Math.abs(rate.perMinute - 3000) <= 3000 * 0.05,
      `${rate.requests} requests in ${rate.ms} ms from three instances (${Math.round(rate.perMinute)} a minute, ${rate.bursts} bursts), expected 3,000 a minute ±5%; longest pauses of the simulator's process: ${stalls.join(', ')} ms`,
    );
  });

  it('one delivery posted to two instances becomes one message', async () => {
    sim.callbacks.retryDelayMs = 20;
    const nodes = await Promise.all([nodeRed(), nodeRed()]);
    const sessions = await Promise.all(nodes.map((node) => node.openComms(undefined, ['debug'])));
    try {
      // The first instance's address stands for the load balancer both sit behind.
      for (const node of nodes) await node.deploy(callbackFlow(sim, nodes[0].origin));
      await waitFor('the registration', () => sim.store.count('system/callbacks') === 1, 15_000);
      const template = sim.store.list('service/tickets')[0];
      sim.store.insert('service/tickets', {
        summary: 'delivered once',
        board: template.board,
        company: template.company,
      });
      await waitFor('the delivery', () => sim.callbacks.deliveries.length === 1, 15_000);
      await sim.callbacks.idle();
      const delivery = sim.callbacks.deliveries[0];
      // ConnectWise sends it again (it thought the first failed); the balancer picks the other.
      const again = await fetch(`${nodes[1].nodeUrl}/connectwise/callback/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-content-signature': delivery.signature },
        body: delivery.body,
      });
      assert.equal(again.status, 200, 'the repeat is acknowledged');
      const shown = () =>
        sessions.flatMap((session) =>
          session.messages.filter((message) => message.topic === 'debug'),
        );
      await waitFor('the message', () => shown().length >= 1, 10_000);
      // Time for a second message to appear, if one were coming.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(shown().length, 1, 'one message across both instances');
    } finally {
      for (const session of sessions) session.close();
      sim.store.clear('system/callbacks');
    }
  });

  it('the poll leader killed while draining 20,000 changes: another takes over, 0 lost, 0 sent twice', async () => {
    const big = await startSimulator({ seedSize: { tickets: 20_000 } });
    const collector = await startCollector();
    try {
      // Each page takes a while to answer, so the leader is killed while it waits for a page.
      big.faults.add({
        kind: 'slow',
        delayMs: 150,
        count: Infinity,
        match: { path: '/service/tickets' },
      });
      const nodes = await Promise.all([nodeRed(), nodeRed(), nodeRed()]);
      for (const [index, node] of nodes.entries()) {
        await node.deploy(pollFlow(big, collector.url, index));
      }
      await waitFor('five pages', () => collector.pages.length >= 5, 30_000);
      const leader = collector.pages[0].instance;
      assert.ok(
        collector.pages.every((page) => page.instance === leader),
        'one instance polls',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const killedAt = Date.now();
      nodes[leader].signal('SIGKILL');
      const ids = () => collector.pages.flatMap((page) => page.ids);
      await waitFor('every change', () => new Set(ids()).size >= 20_000, 40_000);
      // Time for a page sent twice to arrive, if there were one.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = ids();
      assert.equal(new Set(all).size, 20_000, '0 lost');
      assert.equal(all.length, 20_000, '0 sent twice');
      const after = collector.pages.filter((page) => page.at > killedAt);
      assert.ok(after.length > 0 && after.every((page) => page.instance !== leader));
      assert.equal(new Set(after.map((page) => page.instance)).size, 1, 'one new leader');
      const failoverMs = after[0].at - killedAt;
      // The lease (3 s) runs out, then a standby's next check (at most 1 s) takes it.
      assert.ok(failoverMs < 3_000 + 1_000 + 1_500, `took over after ${failoverMs} ms`);
    } finally {
      await Promise.all(started.splice(0).map((node) => node.stop()));
      await collector.stop();
      await big.stop();
    }
  });

  it('the poll leader hangs mid-drain: another takes over, and the woken one sends nothing more', async () => {
    const big = await startSimulator({ seedSize: { tickets: 10_000 } });
    const collector = await startCollector();
    try {
      big.faults.add({
        kind: 'slow',
        delayMs: 150,
        count: Infinity,
        match: { path: '/service/tickets' },
      });
      const nodes = await Promise.all([nodeRed(), nodeRed()]);
      for (const [index, node] of nodes.entries()) {
        await node.deploy(pollFlow(big, collector.url, index));
      }
      await waitFor('three pages', () => collector.pages.length >= 3, 30_000);
      const leader = collector.pages[0].instance;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const hungAt = Date.now();
      nodes[leader].signal('SIGSTOP');
      await waitFor(
        'the other instance to take over',
        () => collector.pages.some((page) => page.at > hungAt),
        15_000,
      );
      // It wakes up in the middle of its poll, with a page on its way: it must not send it.
      nodes[leader].signal('SIGCONT');
      const ids = () => collector.pages.flatMap((page) => page.ids);
      await waitFor('every change', () => new Set(ids()).size >= 10_000, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const all = ids();
      assert.equal(new Set(all).size, 10_000, '0 lost');
      assert.equal(all.length, 10_000, '0 sent twice');
      assert.ok(
        collector.pages.every((page) => page.instance !== leader || page.at < hungAt),
        'the instance that hung sent nothing after it woke up',
      );
    } finally {
      await Promise.all(started.splice(0).map((node) => node.stop()));
      await collector.stop();
      await big.stop();
    }
  });

  it('watched fields: after a takeover the new poller diffs from the snapshot the old one stored', async () => {
    const collector = await startCollector();
    try {
      // One message a change; its id and what changed go to the collector.
      const flow = (instance: number) => {
        const [, conn, poll, ids, post] = pollFlow(sim, collector.url, instance);
        return [
          tab,
          conn,
          { ...poll, output: 'per-record', start: 'now', since: '', watchedFields: 'status/name' },
          {
            ...ids,
            func:
              'msg.payload = [{ id: msg.payload.id, changes: msg.changes }]; ' +
              "msg.headers = { 'content-type': 'application/json' }; return msg;",
          },
          post,
        ];
      };
      const ticketPolls = () =>
        sim.log.filter((entry) => entry.method === 'GET' && entry.path.endsWith('/service/tickets'))
          .length;
      const nodes = [await nodeRed(), await nodeRed()];
      for (const [index, node] of nodes.entries()) await node.deploy(flow(index));
      // The first poll reads the watched field of every ticket, then notes where it stands.
      await waitFor('the first poll', () => ticketPolls() >= 2, 20_000);
      const [ticket] = sim.store.list('service/tickets');
      const id = Number(ticket.id);
      const changesOf = (status: string) =>
        collector.pages.filter((page) =>
          (
            page.ids as unknown as {
              id: number;
              changes?: Record<string, { from?: string; to: string }>;
            }[]
          ).some((entry) => entry.id === id && entry.changes?.['status/name']?.to === status),
        );
      sim.store.update('service/tickets', id, { status: { id: 9101, name: 'Alpha' } }, 'test');
      await waitFor('the first change', () => changesOf('Alpha').length === 1, 20_000);
      const leader = changesOf('Alpha')[0].instance;

      nodes[leader].signal('SIGKILL');
      sim.store.update('service/tickets', id, { status: { id: 9102, name: 'Beta' } }, 'test');
      await waitFor('the change after the takeover', () => changesOf('Beta').length === 1, 30_000);
      const [after] = changesOf('Beta');
      assert.notEqual(after.instance, leader, 'the other instance sent it');
      const entry = (after.ids as unknown as { id: number; changes: unknown }[]).find(
        (candidate) => candidate.id === id,
      );
      assert.deepEqual(
        entry?.changes,
        { 'status/name': { from: 'Alpha', to: 'Beta' } },
        'the new poller knew what the old one had seen',
      );
    } finally {
      await Promise.all(started.splice(0).map((node) => node.stop()));
      await collector.stop();
    }
  });

  it('Redis restarted mid-run: requests go on, polls pause and say so, then resume by themselves', async () => {
    const ownRedis = await startRedisServer({ persist: true, password });
    const collector = await startCollector();
    const nodes = await Promise.all([nodeRed('', ownRedis), nodeRed('', ownRedis)]);
    const sessions = await Promise.all(
      nodes.map((node) => node.openComms(undefined, ['status/#'])),
    );
    const statusTexts = (id: string): string[] =>
      sessions.flatMap((session) =>
        session.messages
          .filter((message) => message.topic === `status/${id}`)
          .map((message) => String((message.data as { text?: string }).text ?? '')),
      );
    try {
      for (const [index, node] of nodes.entries()) {
        await node.deploy(recoveryFlow(sim, collector.url, index));
      }
      await waitFor('the poll to start watching', () =>
        statusTexts('poll').some((text) => text.startsWith('watching from now')),
      );
      const restarting = ownRedis.restart(3_000);
      await waitFor('the poll nodes to pause', () =>
        statusTexts('poll').some((text) => text.startsWith('paused: Redis unavailable')),
      );
      // Changes made while Redis is away are sent once it is back.
      const template = sim.store.list('service/tickets')[0];
      const created = [1, 2, 3].map(
        (n) =>
          sim.store.insert('service/tickets', {
            summary: `made while Redis was away ${n}`,
            board: template.board,
            company: template.company,
          }).id,
      );
      for (const node of nodes) {
        const answer = await fetch(`${node.nodeUrl}/info`);
        assert.equal(answer.status, 200, 'requests are answered on the local limit');
      }
      await waitFor('the request nodes to say so', () =>
        statusTexts('req').some((text) => text.startsWith('Redis unavailable: own rate limit')),
      );
      await restarting;
      await waitFor(
        'the changes made meanwhile',
        () => created.every((id) => collector.pages.some((page) => page.ids.includes(id))),
        15_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sent = collector.pages.flatMap((page) => page.ids).filter((id) => created.includes(id));
      assert.deepEqual(
        sent.sort((a, b) => a - b),
        created,
        'each sent once',
      );
      assert.ok(statusTexts('req').some((text) => /redis 127\.0\.0\.1:\d+ back/.test(text)));
    } finally {
      for (const session of sessions) session.close();
      await Promise.all(started.splice(0).map((node) => node.stop()));
      await collector.stop();
      await ownRedis.stop();
    }
  });
});
