/**
 * Waiting on a connection is bounded: under a storm of 429s (every request throttled, the whole
 * connection paused for each Retry-After) messages keep arriving, and each ends once, within a
 * known time, as an answer or a QUEUE_TIMEOUT; past the queue's length a message fails at once
 * with QUEUE_FULL. Node-RED runtime (node-red-node-test-helper) against the simulator; loads the
 * compiled nodes from dist/.
 */
import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import {
  caughtText,
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  requestModule,
  settle,
  statusCalls,
  waitFor,
  type OutMessage,
} from '../helpers/node-red-harness';
import { connectionCredentials, connectionNode, requestNode } from '../helpers/node-flows';

let sim: Simulator;

interface Outcome {
  id: string;
  ms: number;
  code?: string;
}

async function deploy(connection: Record<string, unknown>) {
  return loadObserved<OutMessage & { error?: { code?: string; message?: string } }>(
    [connectionModule, requestModule],
    observedFlow(
      requestNode({
        operationId: 'getServiceTicketsById',
        params: [{ name: 'id', type: 'num', value: '1' }],
      }),
      [connectionNode(sim, { rateLimit: 600, concurrency: 4, ...connection })],
    ),
    connectionCredentials(sim),
  );
}

describe('connection queue', function () {
  this.timeout(60_000);

  before(async () => {
    sim = await startSimulator();
  });

  after(async () => {
    await sim.stop();
  });

  afterEach(async () => {
    sim.faults.clear();
    await helper.unload();
    sim.clearLog();
  });

  it('bounds every wait under a 429 storm: each message ends once, late ones as QUEUE_TIMEOUT', async () => {
    const maxWait = 1;
    const retries = 3;
    const retryAfter = 1;
    const { node, recorder } = await deploy({ maxWait, retries, timeout: 5 });
    sim.faults.add({
      kind: 429,
      count: Infinity,
      retryAfter,
      match: { path: '/service/tickets/1' },
    });

    // 8 messages a second for 3 seconds, while every request is throttled.
    const sentAt = new Map<string, number>();
    for (let index = 0; index < 24; index++) {
      const id = `storm-${index}`;
      sentAt.set(id, Date.now());
      node.receive({ _msgid: id, payload: '' });
      await settle(125);
    }
    sim.faults.clear();
    const outcomes = (): Outcome[] => [
      ...recorder.out.map((msg) => ({ id: String(msg._msgid), ms: 0 })),
      ...recorder.caught.map((msg) => ({
        id: String(msg._msgid),
        ms: 0,
        code: msg.error?.code,
      })),
    ];
    const ended = new Map<string, number>();
    await waitFor(
      'an outcome for every message',
      () => {
        for (const outcome of outcomes())
          if (!ended.has(outcome.id)) ended.set(outcome.id, Date.now());
        return ended.size === 24;
      },
      40_000,
      () => `${ended.size} of 24 ended`,
    );
    await settle(200);
    assert.equal(outcomes().length, 24, 'exactly one outcome each');

    // Each attempt waits at most maxWait in the queue, then the 429 and its Retry-After.
    const bound = (retries + 1) * (maxWait + retryAfter + 0.5) * 1000;
    for (const [id, endedAt] of ended) {
      const took = endedAt - (sentAt.get(id) ?? 0);
      assert.ok(took <= bound, `${id} took ${took} ms, more than ${bound} ms`);
    }
    const codes = new Set(recorder.caught.map((msg) => msg.error?.code));
    assert.ok(codes.has('QUEUE_TIMEOUT'), `some waited their longest: ${[...codes].join(', ')}`);
    for (const code of codes) assert.ok(code === 'QUEUE_TIMEOUT' || code === 'HTTP', code);
    const timedOut = recorder.caught.find((msg) => msg.error?.code === 'QUEUE_TIMEOUT');
    assert.match(caughtText(timedOut ?? {}), /not sent: it waited \d+(\.\d)? s in the queue/);
    assert.ok(
      statusCalls(node).some((status) => /requesting · \d+ waiting/.test(status.text ?? '')),
      'the status showed the backlog',
    );

    // After the storm the connection works at once.
    const before = recorder.out.length;
    node.receive({ _msgid: 'after', payload: '' });
    await waitFor('the answer after the storm', () => recorder.out.length > before);
  });

  it('fails a message at once with QUEUE_FULL when the queue is full, sending nothing for it', async () => {
    const { node, recorder } = await deploy({
      maxQueue: 3,
      maxWait: 30,
      concurrency: 1,
      retries: 1,
    });
    sim.faults.add({ kind: 429, count: 1, retryAfter: 2, match: { path: '/service/tickets/1' } });
    node.receive({ _msgid: 'first', payload: '' });
    await waitFor('the 429', () => sim.log.some((entry) => entry.status === 429));
    sim.clearLog();
    for (let index = 0; index < 8; index++) node.receive({ _msgid: `burst-${index}`, payload: '' });
    await waitFor('the refusals', () => recorder.caught.length >= 5, 5000);
    const full = recorder.caught.filter((msg) => msg.error?.code === 'QUEUE_FULL');
    assert.equal(full.length, 5, 'three wait, five are refused');
    assert.match(
      caughtText(full[0]),
      /not sent: 3 requests are already waiting on this connection/,
    );
    await waitFor('the rest', () => recorder.out.length === 4, 10_000);
    assert.equal(sim.log.filter((entry) => entry.path.endsWith('/service/tickets/1')).length, 4);
  });
});
