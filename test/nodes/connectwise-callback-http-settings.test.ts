/**
 * The callback node verifies deliveries whatever HTTP settings Node-RED runs with: a Node-RED
 * started as users start it (red.js and a settings file) with the defaults, the editor or the
 * node endpoints under another root, both under the same sub-path, and a JSON parser of the
 * user's in httpNodeMiddleware. Each gets one signed delivery (one message) and one forged one
 * (403, no message). Runs the package from dist/: run `npm run build` first.
 */
import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { waitFor } from '../helpers/node-red-harness';
import {
  startNodeRedProcess,
  type NodeRedProcess,
  type NodeRedProcessOptions,
} from '../helpers/node-red-process';
import { CONNECTION_ID, connectionCredentials, connectionNode } from '../helpers/node-flows';
import { nodeRed } from '../helpers/node-red-under-test';

const CALLBACKS = 'system/callbacks';
const TICKETS = 'service/tickets';
const EXPRESS = nodeRed.load.resolve('express');

const SETTINGS: { name: string; options: NodeRedProcessOptions }[] = [
  { name: 'the defaults (editor and nodes at /)', options: {} },
  { name: 'the editor at /admin', options: { httpAdminRoot: '/admin' } },
  { name: 'node endpoints at /api', options: { httpNodeRoot: '/api' } },
  { name: 'both at /red', options: { httpAdminRoot: '/red', httpNodeRoot: '/red' } },
  {
    name: 'a JSON parser in httpNodeMiddleware',
    options: { extraSettings: `httpNodeMiddleware: require(${JSON.stringify(EXPRESS)}).json(),` },
  },
];

interface DebugData {
  id?: string;
  msg?: string;
}

describe('connectwise-callback node under Node-RED HTTP settings', function () {
  this.timeout(60_000);
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
    sim.callbacks.retryDelayMs = 20;
  });

  after(async () => {
    await sim.stop();
  });

  for (const { name, options } of SETTINGS) {
    describe(name, () => {
      let nodeRed: NodeRedProcess;

      before(async () => {
        nodeRed = await startNodeRedProcess(options);
      });

      after(async () => {
        await nodeRed?.stop();
        await sim.callbacks.idle();
        sim.store.clear(CALLBACKS);
      });

      it('turns a signed delivery into one message and refuses a forged one', async () => {
        const comms = await nodeRed.openComms(undefined, ['debug']);
        try {
          await nodeRed.deploy([
            { id: 'flow', type: 'tab', label: 'callbacks' },
            {
              ...connectionNode(sim, { retries: 0 }),
              credentials: connectionCredentials(sim)[CONNECTION_ID],
            },
            {
              id: 'callback',
              type: 'connectwise-callback',
              z: 'flow',
              connection: CONNECTION_ID,
              callbackType: 'Ticket',
              level: 'Owner',
              objectId: '',
              description: 'tickets to Node-RED',
              publicUrl: nodeRed.origin,
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
              z: 'flow',
              active: true,
              tosidebar: true,
              complete: 'payload.summary',
              targetType: 'msg',
              x: 400,
              y: 100,
              wires: [],
            },
          ]);
          await waitFor('the registration', () => sim.store.count(CALLBACKS) === 1, 15_000);
          const [record] = sim.store.list(CALLBACKS);
          assert.equal(record.url, `${nodeRed.nodeUrl}/connectwise/callback/tickets`);

          const template = sim.store.list(TICKETS)[0];
          sim.store.insert(TICKETS, {
            summary: `delivered with ${name}`,
            board: template.board,
            company: template.company,
          });
          const shown = (): DebugData[] =>
            comms.messages
              .filter((message) => message.topic === 'debug')
              .map((message) => message.data as DebugData)
              .filter((data) => data.id === 'debug');
          await waitFor('the message in the debug sidebar', () => shown().length > 0, 15_000);
          assert.equal(shown()[0].msg, `delivered with ${name}`);
          await sim.callbacks.idle();
          assert.deepEqual(
            sim.callbacks.deliveries.at(-1)?.attempts.map((attempt) => attempt.status),
            [200],
          );

          assert.equal(await sim.callbacks.sendForged({ url: String(record.url) }), 403);
          assert.equal(shown().length, 1);
        } finally {
          comms.close();
        }
      });
    });
  }
});
