/**
 * `msg.customFields` on the poll node's and the callback node's messages: the changed record's
 * custom fields by caption, with `msg.payload` as ConnectWise sent it.
 * Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';

import type { NodeMessage } from 'node-red';

import { customFieldMap, type CustomFieldValue } from '../../src/core/custom-fields';
import { startSimulator, type Simulator } from '../../src/simulator';
import {
  startNodeRedHttp,
  type NodeRedHttpApps,
  type NodeRedHttpServer,
} from '../helpers/loopback-server';
import {
  CONNECTION_ID,
  connectionCredentials,
  connectionNode,
  pollNode,
} from '../helpers/node-flows';
import {
  connectionModule,
  helper,
  pollModule,
  statusCalls,
  waitFor,
} from '../helpers/node-red-harness';

type NodeModule = (RED: NodeRedHttpApps) => unknown;
type OutMessage = NodeMessage & {
  customFields?: Record<string, unknown> | Record<string, unknown>[];
};

const load = createRequire(__filename);
const callbackModule = load('../../nodes/connectwise-callback.js') as NodeModule;
const TICKETS = 'service/tickets';

let sim: Simulator;
let received: OutMessage[];

function escalate(id: number): void {
  const ticket = sim.store.get(TICKETS, id);
  const customFields = (ticket?.customFields as CustomFieldValue[]).map((entry) =>
    entry.caption === 'Root cause' ? { ...entry, value: 'Power cut' } : entry,
  );
  sim.clock.advance(2);
  sim.store.update(TICKETS, id, { customFields });
}

async function loadFlow(flow: unknown[], modules: unknown[]): Promise<void> {
  await helper.load(modules, flow, connectionCredentials(sim));
  received = [];
  helper.getNode('out').on('input', (msg: NodeMessage) => received.push(msg as OutMessage));
}

describe('msg.customFields on poll and callback messages', function () {
  this.timeout(20_000);

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  for (const output of ['per-record', 'per-poll'] as const) {
    it(`poll (${output}): each changed ticket's custom fields by caption`, async () => {
      sim = await startSimulator();
      await loadFlow(
        [
          { id: 'flow', type: 'tab', label: 'poll' },
          connectionNode(sim),
          { ...pollNode({ output, customFieldValues: true }), z: 'flow', wires: [['out']] },
          { id: 'out', type: 'helper', z: 'flow' },
        ],
        [connectionModule, pollModule],
      );
      const poll = helper.getNode('poll');
      poll.receive({});
      await waitFor('the first poll', () =>
        statusCalls(poll).some((status) => /^watching from now/.test(status.text ?? '')),
      );
      escalate(3);
      poll.receive({});
      await waitFor('the change', () => received.length > 0);
      const msg = received[received.length - 1];
      const values =
        output === 'per-poll'
          ? (msg.customFields as Record<string, unknown>[])[0]
          : msg.customFields;
      assert.deepEqual(values, customFieldMap(sim.store.get(TICKETS, 3)));
      assert.equal((values as Record<string, unknown>)['Root cause'], 'Power cut');
      const record = output === 'per-poll' ? (msg.payload as unknown[])[0] : msg.payload;
      assert.ok(Array.isArray((record as { customFields?: unknown }).customFields));
    });
  }

  it('callback: the delivered ticket custom fields by caption', async () => {
    sim = await startSimulator();
    sim.callbacks.retryDelayMs = 20;
    let apps: NodeRedHttpApps = {};
    const server: NodeRedHttpServer = await startNodeRedHttp(() => apps);
    helper._server = server.server;
    try {
      await loadFlow(
        [
          { id: 'flow', type: 'tab', label: 'callback' },
          connectionNode(sim, { retries: 0 }),
          {
            id: 'callback',
            type: 'connectwise-callback',
            z: 'flow',
            connection: CONNECTION_ID,
            callbackType: 'Ticket',
            level: 'Owner',
            objectId: '',
            description: 'tickets',
            publicUrl: server.url,
            path: '',
            output: 'entity',
            dedupeWindow: 600,
            customFieldValues: true,
            wires: [['out']],
          },
          { id: 'out', type: 'helper', z: 'flow' },
        ],
        [
          connectionModule,
          (RED: NodeRedHttpApps) => {
            apps = { httpAdmin: RED.httpAdmin, httpNode: RED.httpNode };
            return callbackModule(RED);
          },
        ],
      );
      const node = helper.getNode('callback');
      await waitFor('the registration', () =>
        statusCalls(node).some((status) => /^registered #\d+/.test(status.text ?? '')),
      );
      escalate(4);
      await waitFor('the delivery', () => received.length > 0);
      const msg = received[0];
      assert.equal(
        msg.customFields && (msg.customFields as Record<string, unknown>)['Root cause'],
        'Power cut',
      );
      assert.deepEqual(msg.customFields, customFieldMap(msg.payload));
    } finally {
      await helper.unload();
      await sim.callbacks.idle();
      helper._server = undefined;
      await server.stop();
    }
  });
});
