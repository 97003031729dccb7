/**
 * The connectwise-callback node in a Node-RED runtime (node-red-node-test-helper) against the
 * simulator: registration lifecycle, verified deliveries to messages, refusals, deduplication,
 * re-fetch, and agreement with the poll node. Node-RED's httpNode is served on a loopback port,
 * which is the public URL the simulator delivers to.
 * Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';

import type { Node, NodeMessage } from 'node-red';

import { startSimulator, type SimRecord, type Simulator } from '../../src/simulator';
import type { CallbackConfig } from '../../src/nodes/connectwise-callback/callback-settings';
import {
  connectionModule,
  helper,
  pollModule,
  settle,
  statusCalls,
  waitFor,
  type Spy,
} from '../helpers/node-red-harness';
import {
  startLoopbackServer,
  startNodeRedHttp,
  type LoopbackServer,
  type NodeRedHttpApps,
  type NodeRedHttpOptions,
} from '../helpers/loopback-server';
import {
  CONNECTION_ID,
  connectionCredentials,
  connectionNode,
  pollNode as pollFlowNode,
} from '../helpers/node-flows';

type NodeModule = (RED: NodeRedHttpApps) => unknown;

const load = createRequire(__filename);
const callbackModule = load('../../nodes/connectwise-callback.js') as NodeModule;

const FLOW_ID = 'flow';
const TICKETS = 'service/tickets';
const CALLBACKS = 'system/callbacks';

type OutMessage = NodeMessage & {
  event?: string;
  topic?: string;
  cw?: Record<string, unknown>;
};

let sim: Simulator;
let server: LoopbackServer;
/** Where ConnectWise reaches this Node-RED: the server, without httpNodeRoot. */
let publicUrl: string;
/** The default endpoint of the node under test, as ConnectWise calls it. */
let endpoint: string;
let apps: NodeRedHttpApps = {};
let foreign: LoopbackServer | undefined;

/** Records RED.httpAdmin and RED.httpNode, so the test server can serve them. */
const capturingCallbackModule: NodeModule = (RED) => {
  apps = { httpAdmin: RED.httpAdmin, httpNode: RED.httpNode };
  return callbackModule(RED);
};

function callbackNode(config: Partial<CallbackConfig> = {}): Record<string, unknown> {
  return {
    id: 'callback',
    type: 'connectwise-callback',
    z: FLOW_ID,
    name: '',
    connection: CONNECTION_ID,
    callbackType: 'Ticket',
    level: 'Owner',
    objectId: '',
    description: 'tickets to Node-RED',
    publicUrl,
    path: '',
    output: 'entity',
    dedupeWindow: 600,
    wires: [['out']],
    ...config,
  };
}

function flow(
  config: Partial<CallbackConfig> = {},
  extra: Record<string, unknown>[] = [],
  connection: Record<string, unknown> = {},
): unknown[] {
  return [
    { id: FLOW_ID, type: 'tab', label: 'callback tests' },
    connectionNode(sim, { retries: 0, ...connection }),
    callbackNode(config),
    { id: 'out', type: 'helper', z: FLOW_ID },
    ...extra,
  ];
}

let received: OutMessage[];

async function deploy(
  config: Partial<CallbackConfig> = {},
  extra: Record<string, unknown>[] = [],
  connection: Record<string, unknown> = {},
): Promise<Node> {
  await helper.load(
    [connectionModule, capturingCallbackModule, pollModule],
    flow(config, extra, connection),
    {
      ...connectionCredentials(sim),
    },
  );
  received = [];
  helper.getNode('out').on('input', (msg: NodeMessage) => received.push(msg as OutMessage));
  const node = helper.getNode('callback');
  await waitFor(
    'the registration',
    () => registered(node),
    8000,
    () => JSON.stringify(statusCalls(node)),
  );
  return node;
}

function registered(node: Node): boolean {
  return statusCalls(node).some((status) => /^registered #\d+/.test(status.text ?? ''));
}

function callbackRecords(): SimRecord[] {
  return sim.store.list(CALLBACKS);
}

function warnings(node: Node): string[] {
  return (node.warn as unknown as Spy)
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => String(call.args[0]));
}

function ticketOnBoard(): SimRecord {
  const ticket = sim.store.list(TICKETS)[0];
  assert.ok(ticket);
  return ticket;
}

function newTicket(summary: string): SimRecord {
  const template = ticketOnBoard();
  return sim.store.insert(TICKETS, {
    summary,
    board: template.board,
    status: template.status,
    company: template.company,
  });
}

interface HttpLayout {
  name: string;
  options: NodeRedHttpOptions;
}

/** Node-RED's HTTP set-ups the node must work in: deliveries pass the editor's parsers in the first. */
const LAYOUTS: HttpLayout[] = [
  { name: "Node-RED's default HTTP settings (editor and nodes at /)", options: {} },
  {
    name: 'the editor at /admin and nodes at /api',
    options: { httpAdminRoot: '/admin', httpNodeRoot: '/api' },
  },
];

for (const layout of LAYOUTS) describeCallbackNode(layout);

function describeCallbackNode(layout: HttpLayout): void {
  describe(`connectwise-callback node, ${layout.name}`, function () {
    this.timeout(20_000);

    before(async () => {
      sim = await startSimulator();
      sim.callbacks.retryDelayMs = 20;
      const started = await startNodeRedHttp(() => apps, layout.options);
      server = started;
      publicUrl = started.url;
      const nodeRoot = layout.options.httpNodeRoot ?? '/';
      endpoint = `${publicUrl}${nodeRoot.replace(/\/+$/, '')}/connectwise/callback/callback`;
      helper.settings({ httpNodeRoot: nodeRoot });
      // Nodes loaded from now on get this server as RED.server, as in a real Node-RED.
      helper._server = started.server;
    });

    after(async () => {
      helper._server = undefined;
      helper.settings({});
      await server.stop();
      await sim.stop();
    });

    afterEach(async () => {
      await helper.unload();
      await sim.callbacks.idle();
      sim.callbacks.useForeignKeyUrl(undefined);
      sim.store.clear(CALLBACKS);
      if (foreign) {
        const stopping = foreign;
        foreign = undefined;
        await stopping.stop();
      }
    });

    describe('registration', () => {
      it('registers one /system/callbacks record for the endpoint on deploy', async () => {
        const node = await deploy({ level: 'Board', objectId: 1 });
        const records = callbackRecords();
        assert.equal(records.length, 1);
        assert.equal(records[0].url, endpoint);
        assert.equal(records[0].type, 'Ticket');
        assert.equal(records[0].level, 'Board');
        assert.equal(records[0].objectId, 1);
        assert.equal(records[0].description, 'tickets to Node-RED');
        assert.ok(statusCalls(node).some((s) => s.text === `registered #${records[0].id}`));
      });

      it('leaves one record after a redeploy, and reuses it', async () => {
        await deploy();
        const [first] = callbackRecords();
        await helper.setFlows(flow(), 'full', connectionCredentials(sim));
        const node = helper.getNode('callback');
        await waitFor('the registration again', () => registered(node));
        assert.deepEqual(
          callbackRecords().map((record) => record.id),
          [first.id],
        );
      });

      it('updates the record when the level changes, still leaving one', async () => {
        await deploy();
        const [first] = callbackRecords();
        await helper.setFlows(
          flow({ level: 'Board', objectId: 2 }),
          'full',
          connectionCredentials(sim),
        );
        const node = helper.getNode('callback');
        await waitFor('the registration again', () => registered(node));
        const records = callbackRecords();
        assert.equal(records.length, 1);
        assert.equal(records[0].id, first.id);
        assert.equal(records[0].level, 'Board');
        assert.equal(records[0].objectId, 2);
      });

      it('deletes the record when the node is removed, and stops serving the endpoint', async () => {
        await deploy();
        assert.equal(callbackRecords().length, 1);
        const withoutNode = flow().filter((node) => (node as { id: string }).id !== 'callback');
        await helper.setFlows(withoutNode, 'full', connectionCredentials(sim));
        assert.equal(callbackRecords().length, 0);
        const answer = await fetch(endpoint, {
          method: 'POST',
          body: '{}',
        });
        assert.equal(answer.status, 404);
      });

      it('reuses an identical record that already exists instead of failing', async () => {
        const existing = sim.store.insert(CALLBACKS, {
          url: endpoint,
          type: 'Ticket',
          level: 'Owner',
          objectId: 1,
          description: 'tickets to Node-RED',
          inactiveFlag: false,
        });
        sim.clearLog();
        await deploy();
        assert.deepEqual(
          callbackRecords().map((record) => record.id),
          [existing.id],
        );
        assert.equal(sim.log.filter((entry) => entry.method === 'POST').length, 0, 'no POST');
      });

      it('shows the failure when ConnectWise refuses the registration', async () => {
        sim.faults.add({ kind: 500, count: 1, match: { path: '/system/callbacks' } });
        await helper.load(
          [connectionModule, capturingCallbackModule],
          flow(),
          connectionCredentials(sim),
        );
        const node = helper.getNode('callback');
        await waitFor('a failure status', () =>
          statusCalls(node).some((status) => /^failed: /.test(status.text ?? '')),
        );
        sim.faults.clear();
      });

      it('refuses an unusable setting at deploy, naming the field', async () => {
        await helper.load(
          [connectionModule, capturingCallbackModule],
          flow({ level: 'Board', objectId: '' }),
          connectionCredentials(sim),
        );
        const node = helper.getNode('callback');
        assert.ok(statusCalls(node).some((status) => /objectId/.test(status.text ?? '')));
        assert.equal(callbackRecords().length, 0);
      });
    });

    describe('deliveries', () => {
      it('turns a created ticket into a message with event added and the entity', async () => {
        await deploy();
        const ticket = newTicket('Printer jammed in accounts');
        await waitFor('the message', () => received.length > 0);
        const [msg] = received;
        assert.equal(msg.event, 'added');
        assert.equal(msg.topic, 'Ticket');
        assert.equal((msg.payload as SimRecord).id, ticket.id);
        assert.equal((msg.payload as SimRecord).summary, 'Printer jammed in accounts');
        assert.equal(msg.cw?.id, ticket.id);
        assert.equal(msg.cw?.action, 'added');
        assert.equal(msg.cw?.type, 'ticket');
        assert.equal(msg.cw?.companyId, sim.credentials.companyId);
        assert.equal(msg.cw?.callbackId, callbackRecords()[0].id);
        assert.equal(typeof msg.cw?.deliveryId, 'string');
        const node = helper.getNode('callback');
        await waitFor('the delivery time in the status', () =>
          statusCalls(node).some((status) => / · last \d\d:\d\d:\d\d$/.test(status.text ?? '')),
        );
      });

      it('reports updates and deletions', async () => {
        await deploy();
        const ticket = newTicket('to be changed');
        await waitFor('added', () => received.length === 1);
        sim.store.update(TICKETS, ticket.id, { summary: 'changed' });
        await waitFor('updated', () => received.length === 2);
        sim.store.remove(TICKETS, ticket.id);
        await waitFor('deleted', () => received.length === 3);
        assert.deepEqual(
          received.map((msg) => [msg.event, msg.cw?.id]),
          [
            ['added', ticket.id],
            ['updated', ticket.id],
            ['deleted', ticket.id],
          ],
        );
        assert.equal((received[1].payload as SimRecord).summary, 'changed');
      });

      it('accepts a signed delivery (200) and refuses a forged one with 403 and no message', async () => {
        const node = await deploy();
        newTicket('genuine');
        await waitFor('the genuine message', () => received.length === 1);
        assert.equal(sim.callbacks.deliveries[0].attempts[0].status, 200);

        const status = await sim.callbacks.sendForged({ url: callbackRecords()[0].url as string });
        assert.equal(status, 403);
        const unsigned = await sim.callbacks.sendForged({
          url: callbackRecords()[0].url as string,
          signature: null,
        });
        assert.equal(unsigned, 403);
        await settle(100);
        assert.equal(received.length, 1, 'no message for forged deliveries');
        const warned = warnings(node);
        assert.ok(
          warned.some((text) => /signature does not match/.test(text)),
          warned.join(' | '),
        );
        assert.ok(
          warned.some((text) => /unsigned/.test(text)),
          warned.join(' | '),
        );
        for (const text of warned) {
          assert.ok(!text.includes(sim.credentials.privateKey), 'no secret in a warning');
          assert.ok(!text.includes(sim.callbacks.signingKey), 'no signing key in a warning');
        }
      });

      it('verifies deliveries when the connection found another codebase than key_url names', async () => {
        // companyinfo answers the current codebase; ConnectWise's key_url names its own.
        await deploy({}, [], { discoverCodebase: true, codebase: 'v_unused' });
        const readsBefore = sim.log.length;
        newTicket('through a discovered codebase');
        await waitFor('the message', () => received.length === 1);
        const [delivery] = sim.callbacks.deliveries;
        assert.deepEqual(
          delivery.attempts.map((attempt) => attempt.status),
          [200],
        );
        assert.match(delivery.keyUrl, /\/v4_6_release\/apis\/3\.0\//);
        const keyReads = sim.log
          .slice(readsBefore)
          .filter((entry) => /callbackkeys/i.test(entry.path));
        assert.equal(
          keyReads.length,
          1,
          "the key was read once, with the connection's credentials",
        );
        assert.doesNotMatch(keyReads[0].path, /v4_6_release/, 'through the discovered codebase');
      });

      it('refuses a delivery whose key_url is on another host, without contacting it', async () => {
        let foreignHits = 0;
        foreign = await startLoopbackServer((_req, res) => {
          foreignHits += 1;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ signing_key: 'attacker-key' }));
        });
        const foreignUrl = `${foreign.url}/key`;
        const node = await deploy();
        sim.callbacks.useForeignKeyUrl(foreignUrl, 'attacker-key');
        newTicket('signed by someone else');
        await sim.callbacks.idle();
        const delivery = sim.callbacks.deliveries.at(-1);
        assert.ok(delivery);
        assert.deepEqual(
          delivery.attempts.map((attempt) => attempt.status),
          [403, 403, 403],
          'refused, then retried twice and refused again',
        );
        assert.equal(foreignHits, 0, 'the foreign key_url was never fetched');
        assert.equal(received.length, 0);
        assert.ok(warnings(node).some((text) => /not the connection's site/.test(text)));
      });

      it('emits a retried delivery once', async () => {
        await deploy();
        newTicket('delivered twice');
        await waitFor('the message', () => received.length === 1);
        const index = sim.callbacks.deliveries.length - 1;
        assert.equal(await sim.callbacks.replay(index), 200, 'the repeat is acknowledged');
        assert.equal(await sim.callbacks.replay(index), 200);
        await settle(100);
        assert.equal(received.length, 1);
      });

      it('re-fetches the record through the API when asked to', async () => {
        await deploy({ output: 'refetch' });
        const ticket = newTicket('read me again');
        sim.clearLog();
        await waitFor('the message', () => received.length === 1);
        const [msg] = received;
        assert.deepEqual(
          msg.payload,
          JSON.parse(JSON.stringify(sim.store.get(TICKETS, ticket.id))),
        );
        assert.ok(
          sim.log.some(
            (entry) =>
              entry.method === 'GET' && entry.path.endsWith(`/service/tickets/${ticket.id}`),
          ),
          'the ticket was read by id',
        );
      });

      it('only hears about tickets on the chosen board at Board level', async () => {
        const tickets = sim.store.list(TICKETS);
        const boardOf = (ticket: SimRecord): number => (ticket.board as { id: number }).id;
        const onBoard = tickets.find((ticket) => boardOf(ticket) === boardOf(tickets[0]));
        const elsewhere = tickets.find((ticket) => boardOf(ticket) !== boardOf(tickets[0]));
        assert.ok(onBoard && elsewhere);
        await deploy({ level: 'Board', objectId: boardOf(tickets[0]) });
        sim.store.update(TICKETS, elsewhere.id, { summary: 'other board' });
        sim.store.update(TICKETS, onBoard.id, { summary: 'this board' });
        await waitFor('the message', () => received.length === 1);
        await sim.callbacks.idle();
        assert.deepEqual(
          received.map((msg) => msg.cw?.id),
          [onBoard.id],
        );
      });
    });

    it('agrees with a poll node on which tickets changed', async () => {
      const poll = pollFlowNode({ z: FLOW_ID, wires: [['polled']] });
      const polled: OutMessage[] = [];
      await deploy({}, [poll, { id: 'polled', type: 'helper', z: FLOW_ID }]);
      helper.getNode('polled').on('input', (msg: NodeMessage) => polled.push(msg as OutMessage));
      const pollNode = helper.getNode('poll');
      const polls = (): number =>
        statusCalls(pollNode).filter((status) => status.fill === 'green').length;
      pollNode.receive({});
      await waitFor('the first poll', () => polls() === 1);

      sim.clock.advance(2);
      const created = newTicket('seen by both');
      const changed = sim.store.list(TICKETS).slice(0, 2);
      for (const ticket of changed)
        sim.store.update(TICKETS, ticket.id, { summary: `${ticket.summary} (edited)` });
      const expected = [created.id, ...changed.map((ticket) => ticket.id)].sort((a, b) => a - b);

      await waitFor('three callback messages', () => received.length === 3);
      pollNode.receive({});
      await waitFor('the second poll', () => polls() === 2);
      const ids = (messages: OutMessage[]): number[] =>
        [...new Set(messages.map((msg) => Number(msg.cw?.id)))].sort((a, b) => a - b);
      assert.deepEqual(ids(received), expected);
      assert.deepEqual(ids(polled), expected);
    });
  });
}

describe('connectwise-callback node on an HTTP server Node-RED did not hand to nodes', function () {
  this.timeout(20_000);

  before(async () => {
    sim = await startSimulator();
    sim.callbacks.retryDelayMs = 20;
    // Node-RED's parsers in front, but RED.server is not the server that serves them.
    server = await startNodeRedHttp(() => apps);
    publicUrl = server.url;
  });

  after(async () => {
    await helper.unload();
    await sim.callbacks.idle();
    await server.stop();
    await sim.stop();
  });

  it('says so at deploy and on each delivery (500 and a red status), never a silent 403', async () => {
    const node = await deploy();
    assert.ok(
      warnings(node).some((text) => /no HTTP server \(RED\.server\)/.test(text)),
      warnings(node).join(' | '),
    );
    newTicket('cannot be verified here');
    await sim.callbacks.idle();
    assert.deepEqual(
      sim.callbacks.deliveries.at(-1)?.attempts.map((attempt) => attempt.status),
      [500, 500, 500],
    );
    assert.equal(received.length, 0);
    assert.ok(statusCalls(node).some((s) => /cannot verify deliveries/.test(s.text ?? '')));
    assert.ok(warnings(node).some((text) => /Serve RED\.httpNode from the server/.test(text)));
  });
});
