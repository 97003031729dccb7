/**
 * Server faults against the request and poll nodes in a Node-RED runtime, with the simulator
 * answering throttling, outages, slow and broken answers. Each case ends in its documented
 * outcome (success after retry, or exactly one clear error a Catch node sees), no message is lost
 * or answered twice, and the node serves the next message. The cases are a table; the results
 * are printed as one. Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';

import type { Node } from 'node-red';

import { startSimulator, type FaultSpec, type Simulator } from '../../src/simulator';
import {
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
  waitFor,
  type FlowNode,
  type OutMessage,
  type Recorder,
} from '../helpers/node-red-harness';
import { clip, formatTable, type TableRow } from '../helpers/results-table';

const TICKETS = 'service/tickets';
/** Connection settings of every case: one-second timeout, two retries. */
const TIMEOUT_SECONDS = 1;
const RETRIES = 2;
const SLOW_MS = 1300;

type Outcome = 'success after retry' | 'one error';

interface FaultCase {
  fault: string;
  node: 'request' | 'poll';
  /** The request the fault answers: a read (GET) or a create (POST). */
  method: 'GET' | 'POST';
  faults: FaultSpec[];
  expected: Outcome;
  /** Attempts on the wire for the faulted message. */
  attempts: number;
  /** What the error says, for `one error`. */
  error?: RegExp;
  /** Tickets the faulted POST leaves in the store: 0 when the server did not act, 1 when it did. */
  created?: number;
}

const at = (kind: FaultSpec['kind'], extra: Partial<FaultSpec> = {}): FaultSpec => ({
  kind,
  ...extra,
});

const FAULT_CASES: FaultCase[] = [
  // The request node reading one ticket.
  {
    fault: '429 x2, Retry-After 1',
    node: 'request',
    method: 'GET',
    faults: [at(429, { count: 2, retryAfter: 1 })],
    expected: 'success after retry',
    attempts: 3,
  },
  {
    fault: '503 x2',
    node: 'request',
    method: 'GET',
    faults: [at(503, { count: 2 })],
    expected: 'success after retry',
    attempts: 3,
  },
  {
    fault: '502 x1',
    node: 'request',
    method: 'GET',
    faults: [at(502)],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: '500 x2',
    node: 'request',
    method: 'GET',
    faults: [at(500, { count: 2 })],
    expected: 'success after retry',
    attempts: 3,
  },
  {
    fault: '500 x3 (every attempt)',
    node: 'request',
    method: 'GET',
    faults: [at(500, { count: 3 })],
    expected: 'one error',
    attempts: 3,
    error: /^GET \/service\/tickets\/\d+ failed: 500 .*\(after 3 attempts\)$/,
  },
  {
    fault: `slow ${SLOW_MS} ms x1`,
    node: 'request',
    method: 'GET',
    faults: [at('slow', { delayMs: SLOW_MS })],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: `slow ${SLOW_MS} ms x3 (every attempt)`,
    node: 'request',
    method: 'GET',
    faults: [at('slow', { count: 3, delayMs: SLOW_MS })],
    expected: 'one error',
    attempts: 3,
    error: /^GET \/service\/tickets\/\d+ failed: no answer within 1 s \(after 3 attempts\)$/,
  },
  {
    fault: 'drop before answer',
    node: 'request',
    method: 'GET',
    faults: [at('drop')],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: 'drop mid-body',
    node: 'request',
    method: 'GET',
    faults: [at('drop-mid-body')],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: 'invalid JSON (200)',
    node: 'request',
    method: 'GET',
    faults: [at('invalid-json')],
    expected: 'one error',
    attempts: 1,
    error: /^GET \/service\/tickets\/\d+ failed: the answer is not valid JSON/,
  },
  {
    fault: 'HTML login page (200)',
    node: 'request',
    method: 'GET',
    faults: [at('html')],
    expected: 'one error',
    attempts: 1,
    error: /web page, not the API/,
  },
  // The request node creating a ticket: only failures the server cannot have acted on are retried.
  {
    fault: '429 x2, Retry-After 1',
    node: 'request',
    method: 'POST',
    faults: [at(429, { count: 2, retryAfter: 1 })],
    expected: 'success after retry',
    attempts: 3,
    created: 1,
  },
  {
    fault: '500, server did not act',
    node: 'request',
    method: 'POST',
    faults: [at(500)],
    expected: 'one error',
    attempts: 1,
    error: /^POST \/service\/tickets failed: 500 InternalServerError/,
    created: 0,
  },
  {
    fault: '500 after acting (after: true)',
    node: 'request',
    method: 'POST',
    faults: [at(500, { after: true })],
    expected: 'one error',
    attempts: 1,
    error: /^POST \/service\/tickets failed: 500 InternalServerError/,
    created: 1,
  },
  {
    fault: '503',
    node: 'request',
    method: 'POST',
    faults: [at(503)],
    expected: 'one error',
    attempts: 1,
    error: /^POST \/service\/tickets failed: 503/,
    created: 0,
  },
  {
    fault: `slow ${SLOW_MS} ms`,
    node: 'request',
    method: 'POST',
    faults: [at('slow', { delayMs: SLOW_MS })],
    expected: 'one error',
    attempts: 1,
    error: /^POST \/service\/tickets failed: no answer within 1 s$/,
    created: 0,
  },
  {
    fault: 'drop mid-body after acting',
    node: 'request',
    method: 'POST',
    faults: [at('drop-mid-body', { after: true })],
    expected: 'one error',
    attempts: 1,
    error: /^POST \/service\/tickets failed: /,
    created: 1,
  },
  {
    fault: 'HTML login page (200)',
    node: 'request',
    method: 'POST',
    faults: [at('html')],
    expected: 'one error',
    attempts: 1,
    error: /web page, not the API/,
    created: 0,
  },
  // The poll node: the first page of changes passes, the fault hits the second page's query.
  {
    fault: '429 x2, Retry-After 1',
    node: 'poll',
    method: 'GET',
    faults: [at(429, { count: 2, retryAfter: 1 })],
    expected: 'success after retry',
    attempts: 3,
  },
  {
    fault: '503 x2',
    node: 'poll',
    method: 'GET',
    faults: [at(503, { count: 2 })],
    expected: 'success after retry',
    attempts: 3,
  },
  {
    fault: '500 x2',
    node: 'poll',
    method: 'GET',
    faults: [at(500, { count: 2 })],
    expected: 'success after retry',
    attempts: 3,
  },
  {
    fault: '500 x3 (every attempt)',
    node: 'poll',
    method: 'GET',
    faults: [at(500, { count: 3 })],
    expected: 'one error',
    attempts: 3,
    error: /^GET \/service\/tickets failed: 500 .*\(after 3 attempts\)$/,
  },
  {
    fault: `slow ${SLOW_MS} ms x1`,
    node: 'poll',
    method: 'GET',
    faults: [at('slow', { delayMs: SLOW_MS })],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: `slow ${SLOW_MS} ms x3 (every attempt)`,
    node: 'poll',
    method: 'GET',
    faults: [at('slow', { count: 3, delayMs: SLOW_MS })],
    expected: 'one error',
    attempts: 3,
    error: /^GET \/service\/tickets failed: no answer within 1 s \(after 3 attempts\)$/,
  },
  {
    fault: 'drop before answer',
    node: 'poll',
    method: 'GET',
    faults: [at('drop')],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: 'drop mid-body',
    node: 'poll',
    method: 'GET',
    faults: [at('drop-mid-body')],
    expected: 'success after retry',
    attempts: 2,
  },
  {
    fault: 'invalid JSON (200)',
    node: 'poll',
    method: 'GET',
    faults: [at('invalid-json')],
    expected: 'one error',
    attempts: 1,
    error: /^GET \/service\/tickets failed: the answer is not valid JSON/,
  },
  {
    fault: 'HTML login page (200)',
    node: 'poll',
    method: 'GET',
    faults: [at('html')],
    expected: 'one error',
    attempts: 1,
    error: /web page, not the API/,
  },
];

const POLL_PAGE_SIZE = 5;
const POLL_TICKETS = 12;

let sim: Simulator;
const results: TableRow[] = [];

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

function connection(): FlowNode {
  return connectionNode(address(), {
    timeout: TIMEOUT_SECONDS,
    retries: RETRIES,
  });
}

/** Reads the ticket `msg.ticketId` (GET) or creates the ticket in `msg.payload` (POST). */
function requestSubject(method: FaultCase['method']): FlowNode {
  return requestNode({
    operationId: method === 'POST' ? 'postServiceTickets' : 'getServiceTicketsById',
    params: method === 'POST' ? [] : [{ name: 'id', type: 'msg', value: 'ticketId' }],
  });
}

function pollSubject(): FlowNode {
  return pollNode({ pageSize: POLL_PAGE_SIZE });
}

/** Sends `msg` and waits until the node is done with it, with or without an error. */
async function exchange(node: Node, recorder: Recorder, msg: Record<string, unknown>) {
  const before = { out: recorder.out.length, caught: recorder.caught.length };
  const ended = recorder.completed.length + recorder.caught.length;
  node.receive({ payload: '', ...msg });
  await waitFor(
    'the node to finish the message',
    () => recorder.completed.length + recorder.caught.length > ended,
    15_000,
    () => `${recorder.out.length} out, ${recorder.caught.length} caught`,
  );
  // Anything sent twice would arrive now.
  await settle(50);
  return {
    out: recorder.out.slice(before.out),
    caught: recorder.caught.slice(before.caught),
  };
}

function attemptsOf(method: string, pathPattern: RegExp): number {
  return sim.log.filter((entry) => entry.method === method && pathPattern.test(entry.path)).length;
}

function ticketCount(): number {
  return sim.store.list(TICKETS).length;
}

function newTicketBody(summary: string): Record<string, unknown> {
  const company = sim.store.list('company/companies')[0];
  return { summary, company: { id: company.id } };
}

function errorOf(caught: OutMessage[]): string {
  return caught.length > 0 ? caughtText(caught[0]) : '';
}

function checkOutcome(
  testCase: FaultCase,
  ended: { out: OutMessage[]; caught: OutMessage[] },
  outputsExpected: number,
): string {
  if (testCase.expected === 'success after retry') {
    assert.equal(ended.caught.length, 0, `no error, got: ${errorOf(ended.caught)}`);
    assert.equal(ended.out.length, outputsExpected, 'every answer once');
    return 'success';
  }
  assert.equal(ended.caught.length, 1, 'exactly one error');
  const text = errorOf(ended.caught);
  assert.match(text, testCase.error ?? /./);
  assert.equal(ended.caught[0].error?.source?.id, 'subject', 'the error names the node');
  return text;
}

async function runRequestCase(testCase: FaultCase): Promise<TableRow> {
  const isPost = testCase.method === 'POST';
  const { node, recorder } = await loadObserved(
    [connectionModule, requestModule],
    observedFlow(requestSubject(testCase.method), [connection()]),
    connectionCredentials(address()),
  );
  const message = (ticketId: number): Record<string, unknown> =>
    isPost ? { payload: newTicketBody(`fault ${testCase.fault}`) } : { ticketId };
  const pathPattern = isPost ? /\/service\/tickets$/ : /\/service\/tickets\/7$/;
  const ticketsBefore = ticketCount();
  const started = Date.now();
  for (const fault of testCase.faults) {
    sim.faults.add({ ...fault, match: { method: testCase.method, path: pathPattern } });
  }
  const ended = await exchange(node, recorder, message(7));
  const seconds = (Date.now() - started) / 1000;
  // A slow answer may still be on its way to a client that gave up: let it end before counting.
  const slow = testCase.faults.some((fault) => fault.kind === 'slow');
  await settle(slow ? SLOW_MS - TIMEOUT_SECONDS * 1000 + 100 : 50);
  const outcome = checkOutcome(testCase, ended, 1);
  assert.equal(attemptsOf(testCase.method, pathPattern), testCase.attempts, 'attempts on the wire');
  const created = isPost ? ticketCount() - ticketsBefore : undefined;
  if (isPost) assert.equal(created, testCase.created, 'tickets the faulted POST created');
  if (testCase.expected === 'success after retry') {
    assert.equal(ended.out[0].statusCode, isPost ? 201 : 200);
  }

  // The node keeps serving: the next message succeeds, once.
  sim.faults.clear();
  const next = await exchange(node, recorder, message(8));
  assert.equal(next.caught.length, 0, `the next message failed: ${errorOf(next.caught)}`);
  assert.equal(next.out.length, 1);
  if (isPost) assert.equal(ticketCount() - ticketsBefore, (created ?? 0) + 1, 'one more ticket');
  else assert.equal((next.out[0].payload as { id: number }).id, 8);

  const inputs = 2;
  const outputs = recorder.out.length;
  const errors = recorder.caught.length;
  assert.equal(outputs + errors, inputs, 'outputs + errors == inputs');
  assert.equal(recorder.completed.length, outputs, 'a completion for every answer');
  return row(testCase, outcome, seconds, inputs, outputs, errors, created);
}

function row(
  testCase: FaultCase,
  outcome: string,
  seconds: number,
  inputs: number,
  outputs: number,
  errors: number,
  created?: number,
): TableRow {
  return {
    node: testCase.node,
    method: testCase.method,
    fault: testCase.fault,
    expected: testCase.expected,
    attempts: testCase.attempts,
    outcome: clip(outcome, 60),
    'in/out/err': `${inputs}/${outputs}/${errors}`,
    created,
    seconds: seconds.toFixed(1),
  };
}

function addTickets(count: number): number[] {
  const ids: number[] = [];
  for (let index = 0; index < count; index++) {
    ids.push(sim.store.insert(TICKETS, { summary: `change ${index}` }).id as number);
  }
  return ids;
}

function idsOf(messages: OutMessage[]): number[] {
  return messages.map((msg) => (msg.payload as { id: number }).id);
}

async function runPollCase(testCase: FaultCase): Promise<TableRow> {
  sim.store.clear();
  const { node, recorder } = await loadObserved(
    [connectionModule, pollModule],
    observedFlow(pollSubject(), [connection()]),
    connectionCredentials(address()),
  );
  // The first poll sets the starting point on an empty list.
  const established = await exchange(node, recorder, {});
  assert.equal(established.caught.length, 0, errorOf(established.caught));
  const added = addTickets(POLL_TICKETS);
  sim.clearLog();
  // The first page's query passes; the fault answers the second page's.
  sim.faults.add({ kind: 'slow', count: 1, delayMs: 1, match: { method: 'GET' } });
  for (const fault of testCase.faults) sim.faults.add({ ...fault, match: { method: 'GET' } });
  const started = Date.now();
  const ended = await exchange(node, recorder, {});
  const seconds = (Date.now() - started) / 1000;
  const slow = testCase.faults.some((fault) => fault.kind === 'slow');
  await settle(slow ? SLOW_MS - TIMEOUT_SECONDS * 1000 + 100 : 50);
  const pages = Math.ceil(POLL_TICKETS / POLL_PAGE_SIZE);
  const outcome = checkOutcome(testCase, ended, POLL_TICKETS);
  if (testCase.expected === 'one error') {
    assert.deepEqual(idsOf(ended.out), added.slice(0, POLL_PAGE_SIZE), 'the first page, once');
    assert.equal(attemptsOf('GET', /\/service\/tickets$/), 1 + testCase.attempts);
  } else {
    assert.equal(attemptsOf('GET', /\/service\/tickets$/), pages + testCase.attempts - 1);
  }

  // The node keeps serving: the next poll sends what the failed one did not, and nothing twice.
  sim.faults.clear();
  const next = await exchange(node, recorder, {});
  assert.equal(next.caught.length, 0, `the next poll failed: ${errorOf(next.caught)}`);
  const emitted = idsOf(recorder.out);
  assert.deepEqual(emitted, added, 'every change exactly once, in order');

  const inputs = 3; // the starting poll, the faulted poll, the next poll
  const errors = recorder.caught.length;
  assert.equal(recorder.completed.length + errors, inputs, 'completions + errors == polls');
  return row(testCase, outcome, seconds, inputs, recorder.out.length, errors);
}

describe('reliability: server faults', function () {
  this.timeout(60_000);

  before(async () => {
    sim = await startSimulator({ seedSize: { tickets: 20, ticketsWithNotes: 0 } });
  });

  after(async () => {
    await sim.stop();
    if (results.length > 0) console.log(`\n${formatTable(results, 'Fault outcomes')}\n`);
  });

  afterEach(async () => {
    await helper.unload();
    sim.faults.clear();
    sim.clearLog();
  });

  for (const testCase of FAULT_CASES) {
    const title = `${testCase.node} ${testCase.method}, ${testCase.fault}: ${testCase.expected}`;
    it(title, async () => {
      sim.clearLog();
      const result =
        testCase.node === 'request' ? await runRequestCase(testCase) : await runPollCase(testCase);
      results.push(result);
    });
  }
});
