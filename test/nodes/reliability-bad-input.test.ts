/**
 * Bad input against the request and poll nodes in a Node-RED runtime: every case ends in one
 * clear error naming the field at fault, nothing reaches the server, and the node works again
 * (the next good message succeeds, or, for a bad setting, the corrected flow does). The cases are
 * a table; the results are printed as one. Loads the compiled nodes from dist/: run
 * `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Node } from 'node-red';

import { startSimulator, type Simulator } from '../../src/simulator';
import type { ConnectionConfig } from '../../src/shared/node-configs';
import {
  CONNECTION_ID,
  connectionCredentials,
  connectionNode,
  pollNode,
  requestNode,
  type SimulatorAddress,
} from '../helpers/node-flows';
import {
  caughtText,
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  pollModule,
  requestModule,
  settle,
  statusCalls,
  waitFor,
  type FlowNode,
  type OutMessage,
  type Recorder,
} from '../helpers/node-red-harness';
import { clip, formatTable, type TableRow } from '../helpers/results-table';

type Credentials = { publicKey: string; privateKey: string; clientId: string };

/** How the case shows the node works again. */
type Recovery =
  | 'next message' // the same deployed node answers the next good message
  | 'corrected flow'; // the setting was bad: the flow deployed again with it fixed works

interface BadInputCase {
  name: string;
  node: 'request' | 'poll';
  /** The node's settings over the defaults. */
  config?: Record<string, unknown>;
  connection?: Partial<ConnectionConfig>;
  credentials?: Partial<Credentials>;
  /** The bad message (request node) or the message triggering the poll. */
  msg?: Record<string, unknown>;
  /** The field the error must name. */
  field: string;
  /** More of what the error must say. */
  error?: RegExp;
  recovery: Recovery;
  /** The good message sent afterwards; default: read ticket 7 (request) or a poll. */
  good?: Record<string, unknown>;
}

/** The OpenAPI documents the connection cases point at; written in `before`. */
const documents = { notOpenApi: '', notJson: '', missing: '' };

const cw = (overrides: Record<string, unknown>): Record<string, unknown> => ({ cw: overrides });
const read = (operationId: string, query: Record<string, unknown>): Record<string, unknown> =>
  cw({ operationId, query });
const ticketPath = (id: unknown): Record<string, unknown> => cw({ params: { id } });
const post = (payload: unknown): Record<string, unknown> => ({
  ...cw({ operationId: 'postServiceTickets' }),
  payload,
});
const patch = (payload: unknown): Record<string, unknown> => ({
  ...cw({ operationId: 'patchServiceTicketsById', params: { id: 7 } }),
  payload,
});
const pathCase = (name: string, id: unknown, error = /must be an integer/): BadInputCase => ({
  name,
  node: 'request',
  msg: ticketPath(id),
  field: 'params.id',
  error,
  recovery: 'next message',
});
const conditionsCase = (name: string, conditions: string, error: RegExp): BadInputCase => ({
  name,
  node: 'request',
  msg: read('getServiceTickets', { conditions }),
  field: 'query.conditions',
  error,
  recovery: 'next message',
});
const pagingCase = (name: string, query: Record<string, unknown>, field: string): BadInputCase => ({
  name,
  node: 'request',
  msg: read('getServiceTickets', query),
  field,
  recovery: 'next message',
});
const connectionCase = (
  name: string,
  field: string,
  settings: { connection?: Partial<ConnectionConfig>; credentials?: Partial<Credentials> },
  error?: RegExp,
): BadInputCase => ({
  name,
  node: 'request',
  ...settings,
  msg: ticketPath(7),
  field,
  error,
  recovery: 'corrected flow',
});
const pollSettingCase = (
  name: string,
  config: Record<string, unknown>,
  field: string,
  error?: RegExp,
): BadInputCase => ({ name, node: 'poll', config, field, error, recovery: 'corrected flow' });

const VERY_LONG_ID = '9'.repeat(5000);

const BAD_INPUT_CASES: BadInputCase[] = [
  // Path parameters.
  pathCase('missing path parameter', undefined, /is required/),
  pathCase('blank path parameter', '   ', /is required/),
  pathCase('non-numeric path parameter', 'abc'),
  pathCase('decimal path parameter', 1.5),
  pathCase('path value "../"', '../'),
  pathCase('path value "..%2F"', '..%2F'),
  pathCase('path value "%2F"', '%2F'),
  pathCase('path value "1/2"', '1/2'),
  pathCase('path value "7/../../system/members"', '7/../../system/members'),
  pathCase('path value with spaces', '7 8'),
  pathCase('path value in unicode', '七'),
  pathCase('path value of 5,000 digits', VERY_LONG_ID),
  pathCase('path value an object', { id: 7 }),
  {
    name: 'dot segment for a text path parameter',
    node: 'request',
    msg: cw({ operationId: 'getSystemReportsByReportName', params: { reportName: '..' } }),
    field: 'params.reportName',
    error: /must not be ".."/,
    recovery: 'next message',
  },
  {
    name: 'number row that is not a number',
    node: 'request',
    config: { params: [{ name: 'id', type: 'num', value: 'seven' }] },
    field: 'params.id',
    error: /"seven" is not a number/,
    recovery: 'corrected flow',
  },
  // Bodies.
  {
    name: 'payload text that is not JSON',
    node: 'request',
    msg: post('{"summary": '),
    field: 'msg.payload',
    error: /not valid JSON/,
    recovery: 'next message',
  },
  {
    name: 'payload plain words',
    node: 'request',
    msg: post('printer on fire'),
    field: 'msg.payload',
    error: /not valid JSON/,
    recovery: 'next message',
  },
  {
    name: 'body field of the wrong type',
    node: 'request',
    msg: post({ summary: 123, company: { id: 1 } }),
    field: 'summary',
    error: /^body: summary: must be string$/,
    recovery: 'next message',
  },
  {
    name: 'body field too long',
    node: 'request',
    msg: post({ summary: 'x'.repeat(101), company: { id: 1 } }),
    field: 'summary',
    error: /summary: must be at most 100 characters/,
    recovery: 'next message',
  },
  {
    name: 'body missing a required field',
    node: 'request',
    msg: post({ summary: 'no company' }),
    field: 'company',
    error: /company: is required/,
    recovery: 'next message',
  },
  {
    name: 'nested body field of the wrong type',
    node: 'request',
    msg: post({ summary: 'x', company: { id: 'abc' } }),
    field: 'company/id',
    error: /company\/id: must be integer/,
    recovery: 'next message',
  },
  {
    name: 'body a list where an object is due',
    node: 'request',
    msg: post([1, 2]),
    field: 'body',
    error: /^body: body: must be object$/,
    recovery: 'next message',
  },
  {
    name: 'patch of an unknown field',
    node: 'request',
    msg: patch([{ op: 'replace', path: 'noSuchField', value: 1 }]),
    field: 'noSuchField',
    error: /"noSuchField" is not a field of Ticket/,
    recovery: 'next message',
  },
  {
    name: 'patch path in the wrong case',
    node: 'request',
    msg: patch([{ op: 'replace', path: 'Summary', value: 'x' }]),
    field: 'Summary',
    error: /case-sensitive/,
    recovery: 'next message',
  },
  {
    name: 'patch with an unknown op',
    node: 'request',
    msg: patch([{ op: 'frobnicate', path: 'summary', value: 'x' }]),
    field: '[0]/op',
    error: /must be one of: add, replace, remove/,
    recovery: 'next message',
  },
  {
    name: 'fixed body that is not JSON',
    node: 'request',
    config: { operationId: 'postServiceTickets', bodySource: 'fixed', body: '{"summary": oops}' },
    field: 'body',
    error: /^body: not valid JSON/,
    recovery: 'corrected flow',
  },
  // The operation and msg.cw.
  {
    name: 'unknown operationId in msg.cw',
    node: 'request',
    msg: cw({ operationId: 'getNothingAtAll' }),
    field: 'operationId',
    error: /unknown operation "getNothingAtAll"/,
    recovery: 'next message',
  },
  {
    name: 'msg.cw.operationId not text',
    node: 'request',
    msg: cw({ operationId: 42 }),
    field: 'msg.cw.operationId',
    recovery: 'next message',
  },
  {
    name: 'msg.cw not an object',
    node: 'request',
    msg: { cw: 'getServiceTickets' },
    field: 'msg.cw',
    recovery: 'next message',
  },
  {
    name: 'msg.cw.params a list',
    node: 'request',
    msg: cw({ params: [7] }),
    field: 'msg.cw.params',
    recovery: 'next message',
  },
  {
    name: 'unknown query parameter',
    node: 'request',
    msg: read('getServiceTickets', { colour: 'blue' }),
    field: 'query.colour',
    error: /not a parameter of getServiceTickets/,
    recovery: 'next message',
  },
  {
    name: 'header value with a line break',
    node: 'request',
    msg: cw({ params: { id: 7 }, headers: { 'X-Note': 'a\r\nInjected: yes' } }),
    field: 'headers.X-Note',
    error: /line breaks/,
    recovery: 'next message',
  },
  {
    name: 'header the connection sets',
    node: 'request',
    msg: cw({ params: { id: 7 }, headers: { Authorization: 'Basic Zm9vOmJhcg==' } }),
    field: 'headers.Authorization',
    error: /set by the connection/,
    recovery: 'next message',
  },
  // Conditions.
  conditionsCase('conditions with an unbalanced quote', 'summary = "abc', /unbalanced quote/),
  conditionsCase('conditions with an open parenthesis', '(id = 1 or id = 2', /missing "\)"/),
  conditionsCase('conditions with an extra parenthesis', 'id = 1)', /unexpected "\)"/),
  conditionsCase('conditions with an unknown operator', 'id ~ 1', /unexpected character "~"/),
  conditionsCase(
    'conditions with an unknown word operator',
    'id equals 1',
    /unknown operator "equals"/,
  ),
  conditionsCase('conditions ending in "and"', 'id = 1 and', /expected a field name/),
  conditionsCase('conditions without a value', 'summary like', /expected a value/),
  {
    name: 'child conditions with an unbalanced quote',
    node: 'request',
    msg: read('getCompanyContacts', { childConditions: 'communicationItems/value like "a@b' }),
    field: 'query.childConditions',
    error: /unbalanced quote/,
    recovery: 'next message',
  },
  // Paging.
  pagingCase('pageSize 0', { pageSize: 0 }, 'query.pageSize'),
  pagingCase('pageSize 1001', { pageSize: 1001 }, 'query.pageSize'),
  pagingCase('pageSize -1', { pageSize: -1 }, 'query.pageSize'),
  pagingCase('pageSize "x"', { pageSize: 'x' }, 'query.pageSize'),
  pagingCase('page 0', { page: 0 }, 'query.page'),
  pagingCase('pageId -1', { pageId: -1 }, 'query.pageId'),
  {
    name: 'record limit that is not a whole number',
    node: 'request',
    config: { operationId: 'getServiceTickets', paging: 'all', recordLimit: 'lots' },
    field: 'recordLimit',
    recovery: 'corrected flow',
  },
  // The connection.
  connectionCase('host with a space', 'host', { connection: { host: 'http://exa mple.com' } }),
  connectionCase('host with another scheme', 'host', { connection: { host: 'ftp://127.0.0.1' } }),
  connectionCase('host with a path', 'host', { connection: { host: 'http://127.0.0.1:9/api' } }),
  connectionCase(
    'host with a user and password',
    'host',
    { connection: { host: 'http://me:pw@127.0.0.1:9' } },
    /must not contain a user name or password/,
  ),
  connectionCase('host of a cloud web site', 'host', {
    connection: { host: 'na.myconnectwise.net' },
  }),
  connectionCase('empty company id', 'companyId', { connection: { companyId: '' } }, /required/),
  connectionCase('empty public key', 'publicKey', { credentials: { publicKey: '' } }, /required/),
  connectionCase(
    'empty private key',
    'privateKey',
    { credentials: { privateKey: '' } },
    /required/,
  ),
  connectionCase('empty client id', 'clientId', { credentials: { clientId: '' } }, /required/),
  connectionCase('timeout that is not a number', 'timeout', { connection: { timeout: 'soon' } }),
  connectionCase('API version that is not one', 'apiVersion', { connection: { apiVersion: 'v3' } }),
  {
    name: 'OpenAPI file that is not OpenAPI',
    node: 'request',
    connection: { openapiSource: 'file', openapiPath: 'notOpenApi' },
    msg: ticketPath(7),
    field: 'openapiPath',
    error: /not an OpenAPI 3 document/,
    recovery: 'corrected flow',
  },
  {
    name: 'OpenAPI file that is not JSON',
    node: 'request',
    connection: { openapiSource: 'file', openapiPath: 'notJson' },
    msg: ticketPath(7),
    field: 'openapiPath',
    error: /not JSON/,
    recovery: 'corrected flow',
  },
  {
    name: 'OpenAPI file that is missing',
    node: 'request',
    connection: { openapiSource: 'file', openapiPath: 'missing' },
    msg: ticketPath(7),
    field: 'openapiPath',
    error: /not found|no file/,
    recovery: 'corrected flow',
  },
  {
    name: 'OpenAPI file chosen but not named',
    node: 'request',
    connection: { openapiSource: 'file', openapiPath: '' },
    msg: ticketPath(7),
    field: 'openapiPath',
    error: /is required/,
    recovery: 'corrected flow',
  },
  // The poll node: settings refused at deploy, and a path value from the triggering message.
  {
    name: 'poll on an OpenAPI file that is not OpenAPI',
    node: 'poll',
    connection: { openapiSource: 'file', openapiPath: 'notOpenApi' },
    field: 'openapiPath',
    error: /not an OpenAPI 3 document/,
    recovery: 'corrected flow',
  },
  pollSettingCase(
    'poll conditions with an unbalanced quote',
    { conditions: 'summary = "abc' },
    'conditions',
  ),
  pollSettingCase(
    'poll conditions with an unknown operator',
    { conditions: 'id ~ 1' },
    'conditions',
  ),
  pollSettingCase(
    'poll conditions with an open parenthesis',
    { conditions: '(id = 1' },
    'conditions',
  ),
  pollSettingCase('poll pageSize 0', { pageSize: 0 }, 'pageSize'),
  pollSettingCase('poll pageSize 1001', { pageSize: 1001 }, 'pageSize'),
  pollSettingCase('poll pageSize -1', { pageSize: -1 }, 'pageSize'),
  pollSettingCase('poll pageSize "x"', { pageSize: 'x' }, 'pageSize'),
  pollSettingCase(
    'poll interval under ten seconds',
    { interval: 5, intervalUnit: 's' },
    'interval',
  ),
  pollSettingCase(
    'poll row setting a managed parameter',
    { params: [{ name: 'conditions', type: 'str', value: 'id > 1' }] },
    'params.conditions',
  ),
  {
    name: 'poll path value "../" from the message',
    node: 'poll',
    config: {
      operationId: 'getServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'msg', value: 'ticketId' }],
    },
    msg: { ticketId: '../' },
    field: 'params.parentId',
    error: /must be an integer/,
    recovery: 'next message',
    good: { ticketId: 7 },
  },
  {
    name: 'poll path value "1/2" from the message',
    node: 'poll',
    config: {
      operationId: 'getServiceTicketsByParentIdNotes',
      params: [{ name: 'parentId', type: 'msg', value: 'ticketId' }],
    },
    msg: { ticketId: '1/2' },
    field: 'params.parentId',
    error: /must be an integer/,
    recovery: 'next message',
    good: { ticketId: 7 },
  },
];

/** The request node with its default settings on a working connection. */
const DEFAULT_REQUEST: BadInputCase = {
  name: 'default',
  node: 'request',
  field: '',
  recovery: 'next message',
};

let sim: Simulator;
let documentDir = '';
const results: TableRow[] = [];

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

function requestSubject(config: Record<string, unknown> = {}): FlowNode {
  return requestNode({ operationId: 'getServiceTicketsById', ...config });
}

function pollSubject(config: Record<string, unknown> = {}): FlowNode {
  return pollNode({ pageSize: 50, start: 'since', since: '2020-01-01T00:00:00Z', ...config });
}

function documentPath(name: string | undefined): string | undefined {
  return name && name in documents ? documents[name as keyof typeof documents] : name;
}

async function deploy(
  testCase: BadInputCase,
  bad: boolean,
): Promise<{ node: Node; recorder: Recorder }> {
  const connectionSettings = bad ? (testCase.connection ?? {}) : {};
  const connection = connectionNode(address(), {
    retries: 0,
    ...connectionSettings,
    openapiPath: documentPath(connectionSettings.openapiPath) ?? '',
  });
  const nodeConfig = bad ? testCase.config : goodConfig(testCase);
  const subject =
    testCase.node === 'request' ? requestSubject(nodeConfig) : pollSubject(nodeConfig);
  const credentials = connectionCredentials(address());
  if (bad) Object.assign(credentials[CONNECTION_ID], testCase.credentials ?? {});
  return loadObserved(
    [connectionModule, testCase.node === 'request' ? requestModule : pollModule],
    observedFlow(subject, [connection]),
    credentials,
  );
}

/** The case's settings with the bad one put right: only what the operation itself needs stays. */
function goodConfig(testCase: BadInputCase): Record<string, unknown> | undefined {
  if (testCase.node === 'poll') {
    const operationId = testCase.config?.operationId;
    return operationId ? { operationId, params: testCase.config?.params } : undefined;
  }
  return undefined;
}

let inputCount = 0;

/** Sends one message to the node; answers what it sent on, and what Catch nodes got for it. */
async function exchange(
  node: Node,
  recorder: Recorder,
  msg: Record<string, unknown>,
): Promise<{ out: OutMessage[]; caught: OutMessage[] }> {
  const before = recorder.out.length;
  const _msgid = `input-${(inputCount += 1)}`;
  const ofInput = (messages: OutMessage[]): OutMessage[] =>
    messages.filter((message) => message._msgid === _msgid);
  node.receive({ payload: '', ...msg, _msgid });
  await waitFor(
    'the node to finish the message',
    () => ofInput(recorder.completed).length + ofInput(recorder.caught).length > 0,
    8000,
    () => `${recorder.out.length} out, ${recorder.caught.length} caught`,
  );
  await settle(20);
  return { out: recorder.out.slice(before), caught: ofInput(recorder.caught) };
}

/** Requests the simulator received under the API base. */
function apiRequests(): string[] {
  return sim.log
    .filter((entry) => /\/apis\/3\.0(\/|$)/.test(entry.path))
    .map((entry) => `${entry.method} ${entry.path}`);
}

function goodMessage(testCase: BadInputCase): Record<string, unknown> {
  if (testCase.good) return testCase.good;
  return testCase.node === 'request' ? ticketPath(7) : {};
}

async function checkWorks(testCase: BadInputCase, node: Node, recorder: Recorder): Promise<void> {
  const answer = await exchange(node, recorder, goodMessage(testCase));
  assert.equal(
    answer.caught.length,
    0,
    `the good message failed: ${answer.caught.map(caughtText).join(' | ')}`,
  );
  if (testCase.node === 'request') {
    assert.equal(answer.out.length, 1, 'one answer to the good message');
    assert.equal(answer.out[0].statusCode, 200);
  }
  assert.ok(apiRequests().length > 0, 'the good message reached the server');
}

describe('reliability: bad input', function () {
  this.timeout(30_000);

  before(async () => {
    sim = await startSimulator({ seedSize: { tickets: 20, ticketsWithNotes: 10 } });
    documentDir = mkdtempSync(path.join(os.tmpdir(), 'cw-bad-openapi-'));
    documents.notOpenApi = path.join(documentDir, 'not-openapi.json');
    writeFileSync(documents.notOpenApi, JSON.stringify({ hello: 'world', paths: {} }));
    documents.notJson = path.join(documentDir, 'not-json.json');
    writeFileSync(documents.notJson, '{"openapi": "3.0.1", "paths": ');
    documents.missing = path.join(documentDir, 'missing.json');
  });

  after(async () => {
    await sim.stop();
    rmSync(documentDir, { recursive: true, force: true });
    if (results.length > 0) console.log(`\n${formatTable(results, 'Bad input outcomes')}\n`);
  });

  afterEach(async () => {
    await helper.unload();
    sim.clearLog();
  });

  it('has at least 40 cases', () => {
    assert.ok(BAD_INPUT_CASES.length >= 40, `${BAD_INPUT_CASES.length} cases`);
  });

  // Text path parameters (report names, member identifiers) are one path segment: separators in
  // any spelling are refused before anything is sent.
  for (const reportName of [
    '../../service/tickets',
    '..%2F..%2Fservice%2Ftickets',
    '1/2',
    'a\\b',
  ]) {
    it(`request: text path value ${JSON.stringify(reportName)} is refused`, async () => {
      const { node, recorder } = await deploy(DEFAULT_REQUEST, false);
      sim.clearLog();
      const result = await exchange(
        node,
        recorder,
        cw({ operationId: 'getSystemReportsByReportName', params: { reportName } }),
      );
      assert.deepEqual(apiRequests(), [], 'nothing reached the server');
      assert.equal(result.out.length, 0, 'nothing sent on');
      assert.equal(result.caught.length, 1, 'exactly one error');
      assert.match(caughtText(result.caught[0]), /params\.reportName: must not contain "\/"/);
    });
  }

  for (const testCase of BAD_INPUT_CASES) {
    it(`${testCase.node}: ${testCase.name} -> ${testCase.field}`, async () => {
      let { node, recorder } = await deploy(testCase, true);
      sim.clearLog();
      const bad = await exchange(node, recorder, testCase.msg ?? {});
      assert.equal(bad.out.length, 0, 'nothing sent on');
      assert.equal(bad.caught.length, 1, 'exactly one error');
      const text = caughtText(bad.caught[0]);
      assert.ok(text.includes(testCase.field), `"${text}" names ${testCase.field}`);
      if (testCase.error) assert.match(text, testCase.error);
      // A setting refused at deploy also reached Catch nodes then, on a message of its own.
      for (const atDeploy of recorder.caught.filter((msg) => !msg._msgid?.startsWith('input-'))) {
        assert.ok(caughtText(atDeploy).includes(testCase.field), caughtText(atDeploy));
      }
      assert.deepEqual(apiRequests(), [], 'nothing reached the server');
      assert.equal(statusCalls(node).at(-1)?.fill, 'red', 'a red status');

      if (testCase.recovery === 'corrected flow') {
        await helper.unload();
        ({ node, recorder } = await deploy(testCase, false));
      }
      sim.clearLog();
      await checkWorks(testCase, node, recorder);
      results.push({
        node: testCase.node,
        case: testCase.name,
        field: testCase.field,
        error: clip(text, 80),
        sent: 0,
        afterwards: testCase.recovery === 'next message' ? 'next message ok' : 'corrected flow ok',
      });
    });
  }
});
