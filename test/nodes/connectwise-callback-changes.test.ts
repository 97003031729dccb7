/**
 * The callback node as one exactly-once trigger: deliveries from the simulator pass a proxy that
 * drops, duplicates and holds back (reorders) them at random, safety-net polls and Node-RED
 * restarts come in between; every version of a ticket is sent once with the correct diff, lost
 * ones by the next poll. Also: a callback ConnectWise disabled is activated again.
 */
import { strict as assert } from 'node:assert';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

import type { Node, NodeMessage } from 'node-red';

import type { FieldChanges } from '../../src/core/change-tracker';
import type { CallbackConfig } from '../../src/nodes/connectwise-callback/callback-settings';
import { CONFIG_VERSIONS } from '../../src/shared/node-configs';
import { startSimulator, type SimRecord, type Simulator } from '../../src/simulator';
import {
  startLoopbackServer,
  startNodeRedHttp,
  type LoopbackServer,
  type NodeRedHttpApps,
  type NodeRedHttpServer,
} from '../helpers/loopback-server';
import { CONNECTION_ID, connectionCredentials, connectionNode } from '../helpers/node-flows';
import {
  connectionModule,
  helper,
  loadContextStores,
  statusCalls,
  waitFor,
} from '../helpers/node-red-harness';
import { persistentContextStore, type StoredContext } from '../helpers/persistent-context';

type NodeModule = (RED: NodeRedHttpApps) => unknown;
const callbackModule = createRequire(__filename)(
  '../../nodes/connectwise-callback.js',
) as NodeModule;

const TICKETS = 'service/tickets';
const CALLBACKS = 'system/callbacks';
const START = '2025-03-01T10:00:00Z';
const STATUSES = ['New', 'In Progress', 'Waiting on Customer', 'Closed'];

type OutMessage = NodeMessage & {
  event?: string;
  changes?: FieldChanges;
  cw?: { id?: number; lastUpdated?: string; source?: string };
};

let sim: Simulator;
let nodeRedServer: NodeRedHttpServer;
let proxy: LoopbackServer;
let apps: NodeRedHttpApps = {};
let received: OutMessage[] = [];
const finished: (NodeMessage & { error?: { message: string } })[] = [];

const capturing: NodeModule = (RED) => {
  apps = { httpAdmin: RED.httpAdmin, httpNode: RED.httpNode };
  return callbackModule(RED);
};

type Plan = 'deliver' | 'drop' | 'duplicate' | 'hold';
let plan: () => Plan = () => 'deliver';
const held: { path: string; headers: Record<string, string>; body: Buffer }[] = [];

/** Forwards a delivery to Node-RED: answers once Node-RED answered. */
async function forward(path: string, headers: Record<string, string>, body: Buffer) {
  await fetch(`${nodeRedServer.url}${path}`, {
    method: 'POST',
    headers,
    body: new Uint8Array(body),
  });
}

/** Between the simulator and Node-RED: answers ConnectWise 200 whatever it does with a delivery. */
async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = req.headers['x-content-signature'];
  if (typeof signature === 'string') headers['x-content-signature'] = signature;
  const path = req.url ?? '/';
  const what = plan();
  if (what === 'deliver' || what === 'duplicate') await forward(path, headers, body);
  if (what === 'duplicate') await forward(path, headers, body);
  if (what === 'hold') held.push({ path, headers, body });
  res.statusCode = 200;
  res.end();
}

function callbackNode(config: Partial<CallbackConfig> = {}): Record<string, unknown> {
  return {
    id: 'callback',
    type: 'connectwise-callback',
    version: CONFIG_VERSIONS.callback,
    z: 'flow',
    connection: CONNECTION_ID,
    callbackType: 'Ticket',
    level: 'Owner',
    objectId: '',
    description: 'tickets',
    publicUrl: proxy.url,
    path: '',
    output: 'entity',
    dedupeWindow: 600,
    watchedFields: 'status/name',
    changeFilters: [],
    // Polls only when the test sends a message.
    safetyNet: 1440,
    wires: [['out']],
    ...config,
  };
}

async function deploy(config: Partial<CallbackConfig> = {}): Promise<Node> {
  await helper.load(
    [connectionModule, capturing],
    [
      { id: 'flow', type: 'tab', label: 'callback changes' },
      connectionNode(sim, { retries: 0 }),
      callbackNode(config),
      { id: 'out', type: 'helper', z: 'flow' },
      // Says when the node is done with an input message, or failed it.
      { id: 'done', type: 'complete', z: 'flow', scope: ['callback'], wires: [['finished']] },
      { id: 'caught', type: 'catch', z: 'flow', scope: ['callback'], wires: [['finished']] },
      { id: 'finished', type: 'helper', z: 'flow' },
    ],
    connectionCredentials(sim),
  );
  await loadContextStores();
  helper.getNode('out').on('input', (msg: NodeMessage) => received.push(msg as OutMessage));
  helper.getNode('finished').on('input', (msg: NodeMessage) => finished.push(msg));
  const node = helper.getNode('callback');
  await waitFor('the registration', () =>
    statusCalls(node).some((status) => /^registered #\d+/.test(status.text ?? '')),
  );
  return node;
}

/** Sends the node a message (a safety-net poll now) and waits until it is done. */
async function safetyNetPoll(node: Node): Promise<void> {
  const before = finished.length;
  node.receive({ payload: '' });
  await waitFor('the safety-net poll', () => finished.length > before, 10_000);
  const error = finished[before].error;
  if (error) throw new Error(error.message);
}

function sentKey(msg: OutMessage): string {
  return `${msg.cw?.id}@${msg.cw?.lastUpdated}`;
}

/** A small seeded random source, so a failing schedule can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('connectwise-callback node: one exactly-once trigger with a safety-net poll', function () {
  this.timeout(60_000);

  before(async () => {
    sim = await startSimulator({ seed: false, clock: () => new Date(START) });
    sim.clock.freeze();
    sim.callbacks.retryDelayMs = 20;
    nodeRedServer = await startNodeRedHttp(() => apps, {});
    proxy = await startLoopbackServer((req, res) => void relay(req, res));
    helper._server = nodeRedServer.server;
  });

  after(async () => {
    helper._server = undefined;
    helper.settings({});
    await proxy.stop();
    await nodeRedServer.stop();
    await sim.stop();
  });

  beforeEach(() => {
    received = [];
    held.length = 0;
    plan = () => 'deliver';
    sim.store.clear();
    sim.clock.set(START);
  });

  afterEach(async () => {
    await helper.unload();
    await sim.callbacks.idle();
    helper.settings({});
  });

  for (const seed of [1, 2, 3]) {
    it(`sends every version once, lost deliveries by the next poll, across restarts (seed ${seed})`, async () => {
      const next = random(seed);
      const stored: StoredContext = new Map();
      helper.settings({
        httpNodeRoot: '/',
        contextStorage: { default: { module: persistentContextStore(stored) } },
      });
      const tickets: SimRecord[] = [];
      for (let index = 0; index < 4; index++) {
        tickets.push(
          sim.store.insert(TICKETS, { summary: `t${index}`, status: { id: 1, name: 'New' } }),
        );
      }
      let node = await deploy();
      await safetyNetPoll(node); // notes where the list stands and what each ticket's status is

      /** Every version: ticket id, lastUpdated, status, and whether its delivery was forwarded. */
      const versions: { id: number; lastUpdated: string; status: string; prompt: boolean }[] = [];
      for (let round = 0; round < 24; round++) {
        const roll = next();
        if (roll < 0.1) {
          await helper.unload();
          node = await deploy();
          continue;
        }
        if (roll < 0.2) {
          await safetyNetPoll(node);
          continue;
        }
        if (roll < 0.3 && held.length > 0) {
          const late = held.splice(Math.floor(next() * held.length), 1)[0];
          await forward(late.path, late.headers, late.body);
          continue;
        }
        const what: Plan = (['deliver', 'deliver', 'drop', 'duplicate', 'hold'] as const)[
          Math.floor(next() * 5)
        ];
        plan = () => what;
        sim.clock.advance(1);
        const ticket = tickets[Math.floor(next() * tickets.length)];
        const status = STATUSES[Math.floor(next() * STATUSES.length)];
        const updated = sim.store.update(TICKETS, ticket.id, { status: { id: 2, name: status } });
        await sim.callbacks.idle();
        const lastUpdated = String(updated?._info.lastUpdated);
        const prompt = what === 'deliver' || what === 'duplicate';
        versions.push({ id: ticket.id, lastUpdated, status, prompt });
        if (prompt) {
          await waitFor(`the delivery of ${ticket.id}@${lastUpdated}`, () =>
            received.some((msg) => sentKey(msg) === `${ticket.id}@${lastUpdated}`),
          );
        }
      }
      plan = () => 'deliver';
      await safetyNetPoll(node);

      const keys = received.map(sentKey);
      assert.equal(new Set(keys).size, keys.length, `nothing sent twice: ${keys.join(' ')}`);
      for (const version of versions.filter((v) => v.prompt)) {
        assert.ok(
          keys.includes(`${version.id}@${version.lastUpdated}`),
          'a delivered version is sent',
        );
      }
      for (const ticket of tickets) {
        const mine = received.filter((msg) => msg.cw?.id === ticket.id);
        const newest = versions.filter((v) => v.id === ticket.id).at(-1);
        if (newest) {
          assert.equal(
            mine.at(-1)?.cw?.lastUpdated,
            newest.lastUpdated,
            'the newest version is sent',
          );
        }
        // Each diff starts where the previous message of the ticket ended.
        let before = 'New';
        let previous = '';
        for (const msg of mine) {
          assert.ok(String(msg.cw?.lastUpdated) > previous, 'in order');
          previous = String(msg.cw?.lastUpdated);
          const status = (msg.payload as { status: { name: string } }).status.name;
          assert.deepEqual(
            msg.changes,
            status === before ? {} : { 'status/name': { from: before, to: status } },
          );
          assert.equal(msg.event, 'updated');
          before = status;
        }
      }
      const lost = versions.filter((v) => !v.prompt);
      if (lost.length > 0) {
        assert.ok(
          received.some((msg) => msg.cw?.source === 'poll'),
          'the safety net sent what deliveries lost',
        );
      }
    });
  }

  it('activates a callback ConnectWise disabled again, and says so', async () => {
    helper.settings({ httpNodeRoot: '/' });
    const node = await deploy({ safetyNet: '' });
    const [record] = sim.store.list(CALLBACKS);
    sim.callbacks.disable(record.id);
    await safetyNetPoll(node); // an input reads the registration back now
    assert.equal(sim.store.get(CALLBACKS, record.id)?.inactiveFlag, false);
    const texts = statusCalls(node).map((status) => status.text ?? '');
    assert.ok(
      texts.some((text) => text === `re-activating #${record.id}: ConnectWise disabled it`),
    );
    assert.match(texts.at(-1) ?? '', new RegExp(`^registered #${record.id} \\(re-activated\\)`));

    sim.clock.advance(1);
    const ticket = sim.store.insert(TICKETS, { summary: 'after', status: { id: 1, name: 'New' } });
    await sim.callbacks.idle();
    await waitFor('the delivery', () => received.some((msg) => msg.cw?.id === ticket.id));
    assert.deepEqual(received.at(-1)?.changes, { 'status/name': { to: 'New' } });
    assert.equal(received.at(-1)?.event, 'created');
  });
});
