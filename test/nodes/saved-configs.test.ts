/**
 * Saved configurations in a Node-RED runtime (node-red-node-test-helper): a node saved by a newer
 * release is refused with a status and an error naming its version, and a setting refused at
 * deploy reaches the flow's Catch nodes once the flows have started, on a message saying what it
 * was about. Loads the compiled nodes from dist/: run `npx tsc -p tsconfig.json` first.
 */
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';

import { startSimulator, type Simulator } from '../../src/simulator';
import { CONFIG_VERSIONS } from '../../src/shared/node-configs';
import {
  caughtText,
  connectionModule,
  loadObserved,
  pollModule,
  requestModule,
  observedFlow,
  statusCalls,
  waitFor,
  helper,
  type FlowNode,
  type OutMessage,
} from '../helpers/node-red-harness';
import {
  connectionCredentials,
  connectionNode,
  pollNode,
  requestNode,
} from '../helpers/node-flows';

const callbackModule: unknown = createRequire(__filename)('../../nodes/connectwise-callback.js');

let sim: Simulator;

function callbackNode(settings: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'callback',
    type: 'connectwise-callback',
    version: CONFIG_VERSIONS.callback,
    connection: 'cw-connection',
    callbackType: 'Ticket',
    level: 'Owner',
    objectId: '',
    description: '',
    publicUrl: 'https://nodered.example.com',
    path: '',
    output: 'entity',
    dedupeWindow: 600,
    ...settings,
  };
}

async function deploy(
  modules: unknown[],
  subject: FlowNode,
  connection: FlowNode = connectionNode(sim),
) {
  return loadObserved<OutMessage>(
    [connectionModule, ...modules],
    observedFlow(subject, [connection]),
    connectionCredentials(sim),
  );
}

describe('saved configurations', function () {
  this.timeout(20_000);

  before(async () => {
    sim = await startSimulator();
  });

  after(async () => {
    await sim.stop();
  });

  afterEach(async () => {
    await helper.unload();
  });

  describe('saved by a newer release', () => {
    it('request: a red status and, for each message, an error naming the version', async () => {
      const { node, recorder } = await deploy(
        [requestModule],
        requestNode({ operationId: 'getSystemInfo', version: CONFIG_VERSIONS.request + 1 }),
      );
      assert.match(statusCalls(node).at(-1)?.text ?? '', /^version: /);
      node.receive({ payload: '' });
      await waitFor('the error', () => recorder.caught.length === 1);
      assert.match(caughtText(recorder.caught[0]), /saved by a newer release/);
      assert.equal(recorder.out.length, 0);
      assert.equal(sim.log.length, 0, 'nothing was sent');
    });

    it('poll and callback: a red status, and the error for Catch nodes at deploy', async () => {
      for (const [module, subject] of [
        [pollModule, pollNode({ version: CONFIG_VERSIONS.poll + 1 })],
        [callbackModule, callbackNode({ version: CONFIG_VERSIONS.callback + 1 })],
      ] as const) {
        const { node, recorder } = await deploy([module], subject);
        await waitFor('the error', () => recorder.caught.length === 1);
        assert.match(
          caughtText(recorder.caught[0]),
          /^version: this connectwise-\w+ node was saved/,
        );
        assert.match(statusCalls(node).at(-1)?.text ?? '', /^version: /);
        await helper.unload();
      }
    });

    it('connection: every request through it fails naming the version', async () => {
      const { recorder, node } = await deploy(
        [requestModule],
        requestNode({ operationId: 'getSystemInfo' }),
        connectionNode(sim, { version: CONFIG_VERSIONS.connection + 1 }),
      );
      node.receive({ payload: '' });
      await waitFor('the error', () => recorder.caught.length === 1);
      assert.match(
        caughtText(recorder.caught[0]),
        /connectwise-connection node was saved by a newer/,
      );
      assert.equal(sim.log.length, 0, 'nothing was sent');
    });
  });

  describe('refused at deploy', () => {
    it('poll: Catch nodes get the error once the flows have started, naming the operation', async () => {
      const { recorder } = await deploy([pollModule], pollNode({ interval: 2, intervalUnit: 's' }));
      await waitFor('the error', () => recorder.caught.length === 1);
      const [caught] = recorder.caught;
      assert.match(caughtText(caught), /^interval: 2s is too short/);
      assert.deepEqual(caught.cw, { operationId: 'getServiceTickets' });
    });

    it('poll: an operation that cannot be polled reaches Catch nodes too', async () => {
      const { recorder } = await deploy([pollModule], pollNode({ operationId: 'getSystemInfo' }));
      await waitFor('the error', () => recorder.caught.length === 1);
      assert.match(caughtText(recorder.caught[0]), /does not answer a list of records/);
    });

    it('callback: Catch nodes get the error, naming the type and level', async () => {
      const { recorder } = await deploy(
        [callbackModule],
        callbackNode({ level: 'Board', objectId: '' }),
      );
      await waitFor('the error', () => recorder.caught.length === 1);
      assert.match(caughtText(recorder.caught[0]), /^objectId: /);
      assert.deepEqual(recorder.caught[0].cw, { type: 'Ticket', level: 'Board' });
    });
  });
});
