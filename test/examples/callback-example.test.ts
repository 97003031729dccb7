/**
 * The callback example works: loaded as shipped, except that its connection points at the
 * simulator and its public URL at the test's own server for Node-RED's httpNode; a ticket
 * created in the simulator reaches the debug node, described.
 * Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { NodeMessage } from 'node-red';

import { startSimulator, type Simulator } from '../../src/simulator';
import { startHttpNodeServer, type LoopbackServer } from '../helpers/loopback-server';
import { connectionCredentials, connectionNode } from '../helpers/node-flows';
import { helper, waitFor } from '../helpers/node-red-harness';

type NodeModule = (RED: { httpNode: RequestListener }) => unknown;
type FlowNode = { id: string; type: string; z?: string; [key: string]: unknown };

const load = createRequire(__filename);
const EXAMPLE = path.resolve(__dirname, '../../examples/08 - React to ticket callbacks.json');
const callbackModule = load('../../nodes/connectwise-callback.js') as NodeModule;

let sim: Simulator;
let server: LoopbackServer;
let publicUrl: string;
let httpNodeApp: RequestListener | undefined;

const MODULES: Record<string, NodeModule> = {
  'connectwise-connection': load('../../nodes/connectwise-connection.js') as NodeModule,
  'connectwise-callback': (RED) => {
    httpNodeApp = RED.httpNode;
    return callbackModule(RED);
  },
  function: load('@node-red/nodes/core/function/10-function.js') as NodeModule,
  debug: load('@node-red/nodes/core/common/21-debug.js') as NodeModule,
  comment: load('@node-red/nodes/core/common/90-comment.js') as NodeModule,
};

describe('example: React to ticket callbacks', function () {
  this.timeout(20_000);

  before(async () => {
    sim = await startSimulator();
    server = await startHttpNodeServer(() => httpNodeApp);
    publicUrl = server.url;
  });

  after(async () => {
    await helper.unload();
    await sim.callbacks.idle();
    await server.stop();
    await sim.stop();
  });

  it('registers the callback and describes a created ticket in the debug node', async () => {
    const shipped = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
    const flow: FlowNode[] = shipped.map((node) => {
      if (node.type === 'connectwise-connection') {
        return { ...connectionNode(sim, { id: node.id, name: String(node.name) }) };
      }
      if (node.type === 'connectwise-callback') return { ...node, publicUrl };
      return { ...node };
    });
    flow.unshift({ id: 'cw-example', type: 'tab' });
    const connectionId = shipped.find((node) => node.type === 'connectwise-connection')?.id;
    assert.ok(connectionId);
    const types = [...new Set(flow.map((node) => node.type).filter((type) => MODULES[type]))];
    await helper.load(
      types.map((type) => MODULES[type]),
      flow,
      connectionCredentials(sim, connectionId),
    );

    const received: NodeMessage[] = [];
    helper.getNode('ex08-debug').on('input', (msg: NodeMessage) => received.push(msg));
    await waitFor('the registration', () => sim.store.count('system/callbacks') === 1);
    const [record] = sim.store.list('system/callbacks');
    assert.equal(record.url, `${publicUrl}/connectwise/callback/tickets`);
    assert.equal(record.type, 'Ticket');
    assert.equal(record.level, 'Owner');

    const template = sim.store.list('service/tickets')[0];
    const ticket = sim.store.insert('service/tickets', {
      summary: 'Phones down at the front desk',
      board: template.board,
      company: template.company,
    });
    await waitFor('the described ticket', () => received.length > 0);
    assert.equal(received[0].payload, `#${ticket.id} added: Phones down at the front desk`);
  });
});
