/**
 * The callback example works on a Node-RED started as a user starts it, with its default HTTP
 * settings (editor and node endpoints both at `/`): imported as shipped, except that its
 * connection points at the simulator and its public URL at this Node-RED, and deployed through
 * the admin API. A ticket created in the simulator reaches the debug sidebar, described; a
 * thousand forged deliveries are refused and cost at most one read of the signing key.
 * Runs the package from dist/: run `npm run build` first.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { startSimulator, type Simulator } from '../../src/simulator';
import { waitFor } from '../helpers/node-red-harness';
import { startNodeRedProcess, type NodeRedProcess } from '../helpers/node-red-process';
import { connectionCredentials, connectionNode } from '../helpers/node-flows';

type FlowNode = { id: string; type: string; z?: string; [key: string]: unknown };

const EXAMPLE = path.resolve(__dirname, '../../examples/08 - React to ticket callbacks.json');
const CALLBACKS = 'system/callbacks';

/** What the debug node publishes to the editor's sidebar. */
interface DebugData {
  id?: string;
  msg?: string;
}

function keyReads(sim: Simulator): number {
  return sim.log.filter((entry) => entry.method === 'GET' && /callbackKeys/i.test(entry.path))
    .length;
}

describe('example: React to ticket callbacks, on a default Node-RED', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let nodeRed: NodeRedProcess;

  before(async () => {
    sim = await startSimulator();
    nodeRed = await startNodeRedProcess();
  });

  after(async () => {
    await nodeRed?.stop();
    await sim.callbacks.idle();
    await sim.stop();
  });

  it('registers the callback, shows a created ticket in the debug sidebar, refuses forgeries', async () => {
    const shipped = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
    const connectionId = shipped.find((node) => node.type === 'connectwise-connection')?.id;
    assert.ok(connectionId);
    const flow: FlowNode[] = shipped.map((node) => {
      if (node.id === connectionId) {
        return {
          ...connectionNode(sim, { id: node.id, name: String(node.name) }),
          credentials: connectionCredentials(sim, node.id)[node.id],
        };
      }
      if (node.type === 'connectwise-callback') return { ...node, publicUrl: nodeRed.origin };
      return { ...node };
    });
    flow.unshift({ id: 'cw-example', type: 'tab', label: 'example 08' });
    const comms = await nodeRed.openComms(undefined, ['debug']);
    try {
      await nodeRed.deploy(flow);
      await waitFor('the registration', () => sim.store.count(CALLBACKS) === 1, 15_000);
      const [record] = sim.store.list(CALLBACKS);
      assert.equal(record.url, `${nodeRed.origin}/connectwise/callback/tickets`);
      assert.equal(record.type, 'Ticket');
      assert.equal(record.level, 'Owner');

      const template = sim.store.list('service/tickets')[0];
      const ticket = sim.store.insert('service/tickets', {
        summary: 'Phones down at the front desk',
        board: template.board,
        company: template.company,
      });
      const shown = (): DebugData[] =>
        comms.messages
          .filter((message) => message.topic === 'debug')
          .map((message) => message.data as DebugData)
          .filter((data) => data.id === 'ex08-debug');
      await waitFor('the described ticket in the debug sidebar', () => shown().length > 0, 15_000);
      assert.equal(shown()[0].msg, `#${ticket.id} added: Phones down at the front desk`);
      await sim.callbacks.idle();
      const delivery = sim.callbacks.deliveries.at(-1);
      assert.deepEqual(
        delivery?.attempts.map((attempt) => attempt.status),
        [200],
        'accepted at the first attempt',
      );
      assert.equal(keyReads(sim), 1, 'the signing key was read once');

      const statuses = new Set<number>();
      for (let i = 0; i < 1000; i++) {
        statuses.add(await sim.callbacks.sendForged({ url: String(record.url) }));
      }
      assert.deepEqual([...statuses], [403]);
      assert.ok(keyReads(sim) <= 2, `at most one more key read, not ${keyReads(sim) - 1}`);
      assert.equal(shown().length, 1, 'no message for a forged delivery');
      assert.doesNotMatch(nodeRed.output(), /raw body was consumed|cannot verify/);
    } finally {
      comms.close();
    }
  });
});
