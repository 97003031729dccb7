/**
 * Secrets stay secret. Distinctive keys and client id are set on a simulator member and on the
 * connections; the nodes are driven through successes and failures (wrong key, 404, 500,
 * timeouts, a web page for an answer, bad input, a failed poll); then every surface a user, a log
 * or another node could see is searched for the secrets in every spelling: raw, URL-encoded,
 * base64 alone and as the Basic credentials.
 *
 * In-process (node-red-node-test-helper): node status texts, node.error/warn/log texts and logged
 * lines, every message out (Catch's msg.error included), the debug sidebar (what the debug node
 * publishes on the runtime's comms), the simulator's request log, and the admin endpoints
 * (catalog, connection test). Out of process (a real Node-RED with adminAuth): the exported flows
 * (GET /flows), the credentials endpoint, the flows files on disk, the editor's websocket, the
 * process's output, and the admin endpoints' answers to users without the right permission.
 * Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';

import type { NodeMessage } from 'node-red';

import { startSimulator, type Simulator } from '../../src/simulator';
import {
  connectionModule,
  debugModule,
  helper,
  pollModule,
  requestModule,
  settle,
  waitFor,
  type FlowNode,
  type OutMessage,
  type Spy,
} from '../helpers/node-red-harness';
import { startNodeRedProcess, type NodeRedProcess } from '../helpers/node-red-process';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { formatTable, type TableRow } from '../helpers/results-table';

const COMPANY = 'msp';
const PUBLIC_KEY = 'PUBxyzSECRET123';
const PRIVATE_KEY = 'PRIVabcSECRET456';
const CLIENT_ID = '5ec7e7c1-1d00-4bad-a11e-5ecc0ffee000';
/** Keys a user mistyped are secrets too. */
const WRONG_PRIVATE_KEY = 'PRIVwrongSECRET789';
const WRONG_PUBLIC_KEY = 'PUBwrongSECRET000';
/** A coordinated connection's Redis password, as a credential and (a wrong one) in the URL. */
const REDIS_PASSWORD = 'REDISpwSECRET321';
const WRONG_REDIS_PASSWORD = 'REDISwrongSECRET654';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** Every spelling of every secret that must never be seen. */
const FORBIDDEN: { label: string; text: string }[] = (() => {
  const raw = [
    PUBLIC_KEY,
    PRIVATE_KEY,
    CLIENT_ID,
    WRONG_PRIVATE_KEY,
    WRONG_PUBLIC_KEY,
    REDIS_PASSWORD,
    WRONG_REDIS_PASSWORD,
  ];
  const forms = new Map<string, string>();
  for (const secret of raw) {
    forms.set(secret, secret);
    forms.set(`${secret} (URL-encoded)`, encodeURIComponent(secret));
    forms.set(`${secret} (base64)`, base64(secret));
  }
  for (const [publicKey, privateKey] of [
    [PUBLIC_KEY, PRIVATE_KEY],
    [PUBLIC_KEY, WRONG_PRIVATE_KEY],
    [WRONG_PUBLIC_KEY, PRIVATE_KEY],
  ]) {
    const user = `${COMPANY}+${publicKey}`;
    forms.set(`Basic ${user}:${privateKey}`, base64(`${user}:${privateKey}`));
    forms.set(`${user} (URL-encoded)`, encodeURIComponent(user));
  }
  return [...forms].map(([label, text]) => ({ label, text }));
})();

/** Any value as text, Errors with their message, stack and fields, nothing cut short. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return inspect(value, {
    depth: null,
    maxArrayLength: null,
    maxStringLength: null,
    breakLength: Infinity,
    showHidden: false,
  });
}

/** Adds the keys of member tokens (impersonation) to what must never be seen. */
function forbidMemberTokens(tokens: { publicKey: string; privateKey: string }[]): void {
  for (const { publicKey, privateKey } of tokens) {
    for (const secret of [publicKey, privateKey]) {
      FORBIDDEN.push(
        { label: `member token key ${secret.slice(0, 3)}…`, text: secret },
        { label: `member token key (base64)`, text: base64(secret) },
      );
    }
    const user = `${COMPANY}+${publicKey}`;
    FORBIDDEN.push({ label: 'Basic member token', text: base64(`${user}:${privateKey}`) });
  }
}

function secretsIn(text: string): string[] {
  return FORBIDDEN.filter((secret) => text.includes(secret.text)).map((secret) => secret.label);
}

const surfaces: TableRow[] = [];

/** Checks one surface; records a row of the printed table either way. */
function assertNoSecrets(surface: string, items: unknown[]): void {
  const texts = items.map(textOf);
  const found = [...new Set(texts.flatMap(secretsIn))];
  surfaces.push({
    surface,
    items: items.length,
    characters: texts.reduce((sum, text) => sum + text.length, 0),
    'secrets found': found.length === 0 ? 'none' : found.join(', '),
  });
  assert.deepEqual(found, [], `${surface} shows ${found.join(', ')}`);
  assert.ok(items.length > 0, `${surface}: nothing was checked`);
}

let sim: Simulator;

function connection(id: string, overrides: Record<string, unknown> = {}): FlowNode {
  return {
    id,
    type: 'connectwise-connection',
    name: `${id} connection`,
    site: 'custom',
    host: sim.url,
    codebase: 'v4_6_release',
    discoverCodebase: false,
    companyId: COMPANY,
    apiVersion: '',
    timeout: 1,
    retries: 0,
    concurrency: 4,
    rateLimit: 6000,
    returnFailures: false,
    removeNulls: true,
    openapiSource: 'bundled',
    openapiPath: '',
    ...overrides,
  };
}

function request(id: string, connectionId: string, extra: Record<string, unknown>): FlowNode {
  return {
    id,
    type: 'connectwise-request',
    z: 'flow',
    connection: connectionId,
    params: [],
    bodySource: 'payload',
    body: '',
    validateBody: true,
    responseType: 'auto',
    paging: 'page',
    recordLimit: '',
    wires: [['out', 'sidebar']],
    ...extra,
  };
}

const GOOD_CREDENTIALS = { publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY, clientId: CLIENT_ID };

/** The flow both parts run: three connections (good, wrong key, wrong key returning failures). */
function secretsFlow(): FlowNode[] {
  return [
    { id: 'flow', type: 'tab', label: 'secrets' },
    connection('conn-good'),
    connection('conn-wrong'),
    connection('conn-return', { returnFailures: true }),
    connection('conn-members', { allowImpersonation: true }),
    request('read', 'conn-good', {
      operationId: 'getServiceTicketsById',
      params: [{ name: 'id', type: 'msg', value: 'ticketId' }],
    }),
    request('create', 'conn-good', { operationId: 'postServiceTickets' }),
    request('wrong-key', 'conn-wrong', { operationId: 'getSystemInfo' }),
    request('as-member', 'conn-members', {
      operationId: 'postServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'num', value: '1' }],
      actAs: 'member',
      actAsType: 'msg',
    }),
    request('set-fields', 'conn-members', {
      operationId: 'patchCompanyCompaniesById',
      params: [{ name: 'id', type: 'num', value: '2' }],
    }),
    request('return-failure', 'conn-return', { operationId: 'getSystemInfo' }),
    {
      id: 'poll',
      type: 'connectwise-poll',
      z: 'flow',
      connection: 'conn-good',
      operationId: 'getServiceTickets',
      params: [],
      conditions: '',
      fields: '',
      pageSize: 50,
      interval: 1,
      intervalUnit: 'h',
      output: 'per-record',
      start: 'since',
      since: '2020-01-01T00:00:00Z',
      wires: [['out', 'sidebar']],
    },
    { id: 'catch-all', type: 'catch', z: 'flow', scope: null, wires: [['caught', 'sidebar']] },
    {
      id: 'sidebar',
      type: 'debug',
      z: 'flow',
      name: 'everything',
      active: true,
      tosidebar: true,
      console: true,
      tostatus: true,
      complete: 'true',
      targetType: 'full',
      statusVal: 'payload',
      statusType: 'auto',
      wires: [],
    },
  ];
}

const CREDENTIALS: Record<string, Record<string, string>> = {
  'conn-good': GOOD_CREDENTIALS,
  'conn-wrong': { ...GOOD_CREDENTIALS, privateKey: WRONG_PRIVATE_KEY },
  'conn-return': { ...GOOD_CREDENTIALS, publicKey: WRONG_PUBLIC_KEY },
  'conn-members': GOOD_CREDENTIALS,
};

/** What each step sends: [node id, message, faults to switch on first]. */
interface Step {
  label: string;
  node: string;
  msg: Record<string, unknown>;
  fault?: Parameters<Simulator['faults']['add']>[0];
  /** The outcome expected: an answer message or a caught error. */
  expect: 'answer' | 'error';
}

const STEPS: Step[] = [
  { label: 'read a ticket', node: 'read', msg: { ticketId: 7 }, expect: 'answer' },
  { label: '404', node: 'read', msg: { ticketId: 99999 }, expect: 'error' },
  { label: 'bad input', node: 'read', msg: {}, expect: 'error' },
  {
    label: 'timeout',
    node: 'read',
    msg: { ticketId: 7 },
    fault: { kind: 'slow', delayMs: 1300 },
    expect: 'error',
  },
  {
    label: 'a web page',
    node: 'read',
    msg: { ticketId: 7 },
    fault: { kind: 'html' },
    expect: 'error',
  },
  {
    label: '500 on create',
    node: 'create',
    msg: { payload: { summary: 'x', company: { id: 1 } } },
    fault: { kind: 500, after: true },
    expect: 'error',
  },
  { label: 'invalid body', node: 'create', msg: { payload: { summary: 7 } }, expect: 'error' },
  { label: '401 wrong private key', node: 'wrong-key', msg: {}, expect: 'error' },
  { label: '401 returned as a message', node: 'return-failure', msg: {}, expect: 'answer' },
  {
    label: 'a note as a member',
    node: 'as-member',
    msg: { member: 'jsmith', payload: { text: 'Done.' } },
    expect: 'answer',
  },
  {
    label: '500 on a note as a member',
    node: 'as-member',
    msg: { member: 'jsmith', payload: { text: 'Done.' } },
    fault: { kind: 500, match: { method: 'POST', path: '/service/tickets/1/notes' } },
    expect: 'error',
  },
  {
    label: 'a member that does not exist',
    node: 'as-member',
    msg: { member: 'nobody', payload: { text: 'Done.' } },
    expect: 'error',
  },
  {
    label: 'a custom field set as a member',
    node: 'set-fields',
    msg: { cw: { actAs: 'mlee', customFields: { Seats: 30 } } },
    expect: 'answer',
  },
  {
    label: 'an unknown custom field as a member',
    node: 'set-fields',
    msg: { cw: { actAs: 'mlee', customFields: { Sets: 30 } } },
    expect: 'error',
  },
  { label: 'poll', node: 'poll', msg: {}, expect: 'answer' },
  { label: 'poll 500', node: 'poll', msg: {}, fault: { kind: 500 }, expect: 'error' },
];

describe('reliability: secrets', function () {
  this.timeout(60_000);

  before(async () => {
    sim = await startSimulator({
      seedSize: { tickets: 20, ticketsWithNotes: 0 },
      members: [{ companyId: COMPANY, publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY }],
    });
  });

  after(async () => {
    await sim.stop();
    if (surfaces.length > 0) console.log(`\n${formatTable(surfaces, 'Secrets by surface')}\n`);
  });

  it('finds a secret planted in any of its spellings (the search itself works)', () => {
    const basic = `Basic ${base64(`${COMPANY}+${PUBLIC_KEY}:${PRIVATE_KEY}`)}`;
    const planted = [
      new Error(`failed with ${PRIVATE_KEY}`),
      { headers: { authorization: basic } },
      `https://example.com/?clientId=${encodeURIComponent(CLIENT_ID)}`,
      { nested: [{ deep: { key: WRONG_PUBLIC_KEY } }] },
    ];
    for (const value of planted) assert.ok(secretsIn(textOf(value)).length > 0, textOf(value));
    assert.deepEqual(secretsIn(textOf({ authorization: '***', id: 7 })), []);
  });

  describe('in a Node-RED runtime (test helper)', () => {
    const out: OutMessage[] = [];
    const caught: OutMessage[] = [];
    const sidebar: unknown[] = [];
    const adminAnswers: unknown[] = [];
    const onComms = (event: { topic: string; data: unknown }): void => {
      if (event.topic === 'debug') sidebar.push(event.data);
    };
    let spies: Record<'status' | 'error' | 'warn' | 'log' | 'debug' | 'trace' | 'send', Spy>;

    before(async () => {
      helper._events.on('comms', onComms);
      const flow = secretsFlow().map((node) =>
        node.type === 'tab' || node.type === 'connectwise-connection'
          ? node
          : { x: 100, y: 100, ...node },
      );
      flow.push(
        { id: 'out', type: 'helper', z: 'flow' },
        { id: 'caught', type: 'helper', z: 'flow' },
      );
      await helper.load(
        [connectionModule, requestModule, pollModule, debugModule],
        flow,
        CREDENTIALS,
      );
      helper.getNode('out').on('input', (msg: NodeMessage) => out.push(msg as OutMessage));
      helper.getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as OutMessage));
      const anyNode = helper.getNode('read');
      spies = {
        status: anyNode.status as unknown as Spy,
        error: anyNode.error as unknown as Spy,
        warn: anyNode.warn as unknown as Spy,
        log: anyNode.log as unknown as Spy,
        debug: anyNode.debug as unknown as Spy,
        trace: anyNode.trace as unknown as Spy,
        send: anyNode.send as unknown as Spy,
      };
    });

    after(async () => {
      helper._events.off('comms', onComms);
      await helper.unload();
    });

    it('drives every node through successes and failures', async () => {
      for (const step of STEPS) {
        sim.faults.clear();
        if (step.fault) sim.faults.add(step.fault);
        const outBefore = out.length;
        const caughtBefore = caught.length;
        helper.getNode(step.node).receive({ payload: '', ...step.msg });
        await waitFor(
          step.label,
          () => out.length + caught.length > outBefore + caughtBefore,
          8000,
        );
        await settle(step.fault?.kind === 'slow' ? 400 : 30);
        if (step.expect === 'error') {
          assert.equal(caught.length, caughtBefore + 1, `${step.label}: one error`);
          assert.equal(caught.at(-1)?.error?.source?.id, step.node, `${step.label}: from the node`);
        } else {
          assert.equal(caught.length, caughtBefore, `${step.label}: no error`);
          assert.ok(out.length > outBefore, `${step.label}: an answer`);
        }
      }
      sim.faults.clear();
      assert.ok(
        caught.some((msg) => /401/.test(msg.error?.message ?? '')),
        'a 401 was caught',
      );
      assert.ok(
        out.some((msg) => msg.statusCode === 401),
        'a 401 was returned as a message',
      );
    });

    it('answers the admin endpoints, on success and failure', async () => {
      const config = connection('conn-good');
      const test = (body: unknown) =>
        helper.request().post('/connectwise-manage/connection/test').send(body);
      const ok = await test({ config, credentials: GOOD_CREDENTIALS });
      assert.equal((ok.body as { ok: boolean }).ok, true);
      const stored = await test({
        id: 'conn-good',
        config,
        credentials: { publicKey: '__PWRD__', privateKey: '__PWRD__', clientId: '__PWRD__' },
      });
      assert.equal((stored.body as { ok: boolean }).ok, true, 'the stored keys are used');
      const wrong = await test({
        config,
        credentials: { ...GOOD_CREDENTIALS, privateKey: WRONG_PRIVATE_KEY },
      });
      assert.equal((wrong.body as { ok: boolean; statusCode?: number }).statusCode, 401);
      const unreachable = await test({
        config: { ...config, host: 'http://127.0.0.1:9' },
        credentials: GOOD_CREDENTIALS,
      });
      assert.equal((unreachable.body as { ok: boolean }).ok, false);
      sim.faults.add({ kind: 'html' });
      const webPage = await test({ config, credentials: GOOD_CREDENTIALS });
      assert.equal((webPage.body as { code: string }).code, 'NOT_API');
      const catalog = await helper.request().get('/connectwise-manage/catalog?kind=list');
      assert.equal(catalog.status, 200);
      const operation = await helper
        .request()
        .get('/connectwise-manage/catalog/operations/postServiceTickets');
      assert.equal(operation.status, 200);
      for (const answer of [ok, stored, wrong, unreachable, webPage, catalog, operation]) {
        adminAnswers.push({ status: answer.status, headers: answer.headers, body: answer.text });
      }
    });

    it('shows no secret in statuses, errors, logs, messages, the sidebar, the simulator log or admin answers', () => {
      const tokens = sim.memberTokens.issued();
      assert.ok(tokens.length >= 2, 'member tokens were issued for jsmith and mlee');
      forbidMemberTokens(tokens);
      const argsOf = (spy: Spy): unknown[] => spy.getCalls().map((call) => call.args);
      assertNoSecrets('node status texts', argsOf(spies.status));
      assertNoSecrets('node.error texts', argsOf(spies.error));
      assertNoSecrets('node.warn/log/debug/trace texts', [
        ...argsOf(spies.warn),
        ...argsOf(spies.log),
        ...argsOf(spies.debug),
        ...argsOf(spies.trace),
      ]);
      assertNoSecrets(
        'logged lines (helper.log())',
        helper
          .log()
          .getCalls()
          .map((call) => call.args),
      );
      assertNoSecrets('messages sent (node.send)', argsOf(spies.send));
      assertNoSecrets('messages out', out);
      assertNoSecrets('messages caught (msg.error)', caught);
      assertNoSecrets('debug sidebar (comms)', sidebar);
      assertNoSecrets('simulator request log', sim.log);
      assertNoSecrets('admin endpoint answers', adminAnswers);
      assert.ok(
        sim.log.some((entry) => entry.headers.authorization === '***'),
        'the simulator saw (masked) credentials',
      );
    });
  });

  describe('in a Node-RED process with adminAuth', () => {
    let nodeRed: NodeRedProcess;
    let redis: RedisServer;
    let adminToken = '';
    let viewerToken = '';
    const answers: unknown[] = [];

    const call = async (
      method: string,
      route: string,
      token: string | undefined,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; text: string }> => {
      const response = await fetch(`${nodeRed.url}${route}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      answers.push({ method, route, status: response.status, text });
      return { status: response.status, text };
    };

    before(async function () {
      this.timeout(60_000);
      redis = await startRedisServer({ password: REDIS_PASSWORD });
      nodeRed = await startNodeRedProcess({
        credentialSecret: 'a test credential secret',
        users: [
          { username: 'admin', password: 'admin-password', permissions: '*' },
          { username: 'viewer', password: 'viewer-password', permissions: 'read' },
        ],
      });
      adminToken = await nodeRed.login('admin', 'admin-password');
      viewerToken = await nodeRed.login('viewer', 'viewer-password');
    });

    after(async () => {
      await nodeRed?.stop();
      await redis?.stop();
    });

    /** Coordinated connections: the password as a credential, and a wrong one in the URL. */
    function redisNodes(): FlowNode[] {
      const url = `redis://127.0.0.1:${redis.port}`;
      return [
        {
          ...connection('conn-redis', { coordinate: true, redisUrlFrom: 'credential' }),
          credentials: { ...GOOD_CREDENTIALS, redisUrl: url, redisPassword: REDIS_PASSWORD },
        },
        {
          ...connection('conn-redis-wrong', { coordinate: true, redisUrlFrom: 'credential' }),
          credentials: {
            ...GOOD_CREDENTIALS,
            redisUrl: `redis://:${WRONG_REDIS_PASSWORD}@127.0.0.1:${redis.port}`,
          },
        },
        request('redis-read', 'conn-redis', { operationId: 'getSystemInfo' }),
        request('redis-wrong', 'conn-redis-wrong', { operationId: 'getSystemInfo' }),
      ];
    }

    it('deploys a flow whose connections carry the keys, and exports it without them', async () => {
      const flow = secretsFlow().map((node) =>
        CREDENTIALS[node.id] ? { ...node, credentials: CREDENTIALS[node.id] } : node,
      );
      flow.push(...redisNodes());
      flow.push({
        id: 'trigger-read',
        type: 'inject',
        z: 'flow',
        props: [{ p: 'payload' }, { p: 'ticketId', v: '7', vt: 'num' }],
        repeat: '',
        once: false,
        payload: '',
        payloadType: 'date',
        wires: [['read']],
      });
      for (const [id, target] of [
        ['trigger-missing', 'read'],
        ['trigger-wrong-key', 'wrong-key'],
        ['trigger-return', 'return-failure'],
        ['trigger-redis', 'redis-read'],
        ['trigger-redis-wrong', 'redis-wrong'],
      ]) {
        flow.push({
          id,
          type: 'inject',
          z: 'flow',
          props: [{ p: 'payload' }],
          repeat: '',
          once: false,
          payload: '',
          payloadType: 'date',
          wires: [[target]],
        });
      }
      const deployed = await call('POST', '/flows', adminToken, flow, {
        'Node-RED-Deployment-Type': 'full',
      });
      assert.equal(deployed.status, 204, deployed.text);

      const anonymous = await call('GET', '/flows', undefined);
      assert.equal(anonymous.status, 401, 'no token: no flows');
      const exported = await call('GET', '/flows', viewerToken);
      assert.equal(exported.status, 200);
      const flows = JSON.parse(exported.text) as FlowNode[];
      const good = flows.find((node) => node.id === 'conn-good');
      assert.ok(good, 'the connection is exported');
      assert.equal(good.credentials, undefined, 'without its credentials');
      assertNoSecrets('exported flows (GET /flows)', [exported.text]);

      const redisCredentials = await call(
        'GET',
        '/credentials/connectwise-connection/conn-redis',
        adminToken,
      );
      assert.equal(redisCredentials.status, 200);
      assert.match(redisCredentials.text, /"has_redisPassword":true/);
      assertNoSecrets('credentials endpoint (Redis)', [redisCredentials.text]);

      const credentials = await call(
        'GET',
        '/credentials/connectwise-connection/conn-good',
        adminToken,
      );
      assert.equal(credentials.status, 200);
      assert.deepEqual(JSON.parse(credentials.text), {
        has_publicKey: true,
        has_privateKey: true,
        has_clientId: true,
        has_redisUrl: false,
        has_redisPassword: false,
      });
      assertNoSecrets('credentials endpoint', [credentials.text]);

      const files = ['flows.json', 'flows_cred.json'].map((name) =>
        readFileSync(path.join(nodeRed.userDir, name), 'utf8'),
      );
      assert.match(files[1], /"\$":/, 'the credentials file is encrypted');
      assertNoSecrets('flows files on disk', files);
    });

    it('refuses the admin endpoints without the right permission, answers with it', async () => {
      const testBody = {
        id: 'conn-good',
        config: connection('conn-good'),
        credentials: { publicKey: '__PWRD__', privateKey: '__PWRD__', clientId: '__PWRD__' },
      };
      const route = '/connectwise-manage/connection/test';
      assert.equal((await call('GET', '/connectwise-manage/catalog', undefined)).status, 401);
      assert.equal((await call('POST', route, undefined, testBody)).status, 401);
      // Node-RED answers 401 to a user without the permission too, and audits the refusal.
      assert.equal((await call('POST', route, viewerToken, testBody)).status, 401);
      await waitFor('the audit line', () =>
        /permission\.fail.*connectwise-connection\.write/.test(nodeRed.output()),
      );
      const catalog = await call('GET', '/connectwise-manage/catalog?kind=list', viewerToken);
      assert.equal(catalog.status, 200, 'reading the catalog needs read permission only');
      const passed = await call('POST', route, adminToken, testBody);
      assert.equal(passed.status, 200);
      assert.equal((JSON.parse(passed.text) as { ok: boolean }).ok, true);
      const failed = await call('POST', route, adminToken, {
        ...testBody,
        credentials: { ...GOOD_CREDENTIALS, privateKey: WRONG_PRIVATE_KEY },
      });
      assert.equal((JSON.parse(failed.text) as { statusCode?: number }).statusCode, 401);
    });

    it('counts matches for the conditions builder only with write permission', async () => {
      const route = '/connectwise-manage/count';
      const body = {
        connection: 'conn-good',
        operationId: 'getServiceTickets',
        conditions: 'closedFlag = False',
      };
      assert.equal((await call('POST', route, undefined, body)).status, 401);
      assert.equal((await call('POST', route, viewerToken, body)).status, 401);
      await waitFor('the audit line', () =>
        /permission\.fail.*connectwise-request\.write/.test(nodeRed.output()),
      );
      const fields = await call(
        'GET',
        '/connectwise-manage/catalog/operations/getServiceTickets/fields',
        viewerToken,
      );
      assert.equal(fields.status, 200, 'reading the fields needs read permission only');
      const counted = await call('POST', route, adminToken, body);
      assert.equal(counted.status, 200);
      const answer = JSON.parse(counted.text) as { ok: boolean; count?: number };
      assert.ok(answer.ok && typeof answer.count === 'number', counted.text);
      const refused = await call('POST', route, adminToken, { ...body, connection: 'conn-wrong' });
      assert.equal((JSON.parse(refused.text) as { statusCode?: number }).statusCode, 401);
      assertNoSecrets('count answers', [counted.text, refused.text]);
    });

    it('shows no secret on the editor websocket, in admin answers or in the output', async () => {
      const comms = await nodeRed.openComms(adminToken, ['debug', 'status/#', 'notification/#']);
      try {
        for (const inject of [
          'trigger-read',
          'trigger-missing',
          'trigger-wrong-key',
          'trigger-return',
          'trigger-redis',
          'trigger-redis-wrong',
        ]) {
          const before = comms.messages.filter((message) => message.topic === 'debug').length;
          const fired = await call('POST', `/inject/${inject}`, adminToken, {});
          assert.equal(fired.status, 200, fired.text);
          await waitFor(
            `the sidebar to show ${inject}`,
            () => comms.messages.filter((message) => message.topic === 'debug').length > before,
            8000,
          );
        }
        await settle(200);
      } finally {
        comms.close();
      }
      const debug = comms.messages.filter((message) => message.topic === 'debug');
      const statuses = comms.messages.filter((message) => message.topic.startsWith('status/'));
      assert.ok(
        debug.some((message) => /401/.test(JSON.stringify(message.data))),
        'the sidebar shows the 401',
      );
      assertNoSecrets('editor websocket: debug sidebar', debug);
      assertNoSecrets('editor websocket: node statuses', statuses);
      assertNoSecrets('admin API answers (process)', answers);
      await settle(100);
      assert.match(
        nodeRed.output(),
        /redis 127\.0\.0\.1:\d+ is unavailable/,
        'the wrong Redis password was met and logged',
      );
      assertNoSecrets('Node-RED output (trace level)', [nodeRed.output()]);
    });
  });
});
