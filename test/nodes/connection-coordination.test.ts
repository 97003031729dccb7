/**
 * A coordinated connection whose Redis URL is missing fails every request with a CONFIG error
 * that names the setting, and sends nothing: a typo never leaves an instance quietly alone.
 * Node-RED runtime (node-red-node-test-helper) against the simulator; loads the compiled nodes.
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
  waitFor,
  type OutMessage,
} from '../helpers/node-red-harness';
import { connectionCredentials, connectionNode, requestNode } from '../helpers/node-flows';

describe('connection coordinated through Redis, misconfigured', function () {
  this.timeout(20_000);
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
  });

  after(async () => {
    await sim.stop();
  });

  afterEach(async () => {
    await helper.unload();
    sim.clearLog();
  });

  it('fails each request naming the unset variable, and sends nothing', async () => {
    const variable = 'CW_TEST_REDIS_URL_THAT_IS_NOT_SET';
    assert.equal(process.env[variable], undefined);
    const { node, recorder } = await loadObserved<OutMessage & { error?: { code?: string } }>(
      [connectionModule, requestModule],
      observedFlow(requestNode({ operationId: 'getSystemInfo' }), [
        connectionNode(sim, { coordinate: true, redisEnv: variable }),
      ]),
      connectionCredentials(sim),
    );
    node.receive({ payload: '' });
    await waitFor('the error', () => recorder.caught.length === 1);
    assert.match(
      caughtText(recorder.caught[0]),
      new RegExp(`redisEnv: the environment variable ${variable} is not set`),
    );
    assert.equal(recorder.out.length, 0);
    assert.equal(sim.log.length, 0, 'nothing was sent');
  });
});
