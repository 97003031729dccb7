/**
 * The Sandbox site: a simulated Manage inside Node-RED. A flow works without an account, the
 * log says plainly that it is not ConnectWise, and the simulator stops with the connection.
 */
import { strict as assert } from 'node:assert';

import type { Node, NodeMessage } from 'node-red';

import { CONNECTION_DEFAULTS } from '../../src/shared/node-configs';
import { requestNode } from '../helpers/node-flows';
import {
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  recorderState,
  requestModule,
  waitFor,
  type Recorder,
} from '../helpers/node-red-harness';

type OutMessage = NodeMessage & { statusCode?: number; error?: { message: string } };

const SANDBOX_CONNECTION = {
  ...CONNECTION_DEFAULTS,
  id: 'cw-connection',
  type: 'connectwise-connection',
  name: 'try it out',
  site: 'sandbox',
  companyId: '',
};

function warnings(): string[] {
  return helper
    .log()
    .getCalls()
    .map((call) => call.args[0] as { level?: number; msg?: unknown })
    .filter((entry) => entry.level === 30)
    .map((entry) => String(entry.msg));
}

describe('connectwise-connection: the Sandbox site', function () {
  this.timeout(30_000);
  let recorder: Recorder<OutMessage>;
  let node: Node;

  afterEach(() => helper.unload());

  async function answer(msg: Record<string, unknown>): Promise<OutMessage> {
    const before = recorder.completed.length + recorder.caught.length;
    node.receive({ payload: '', ...msg });
    await waitFor(
      'the node to finish',
      () => recorder.completed.length + recorder.caught.length > before,
      15_000,
      () => recorderState(recorder),
    );
    assert.equal(recorder.caught.length, 0, recorder.caught[0]?.error?.message);
    return recorder.out[recorder.out.length - 1];
  }

  it('answers from seeded records without keys, says it is not ConnectWise, and stops with the flow', async () => {
    const loaded = await loadObserved<OutMessage>(
      [connectionModule, requestModule],
      observedFlow(requestNode({ operationId: 'getServiceTickets' }), [SANDBOX_CONNECTION]),
      {},
    );
    recorder = loaded.recorder;
    node = loaded.node;
    const msg = await answer({});
    assert.equal(msg.statusCode, 200);
    assert.ok((msg.payload as unknown[]).length > 0, 'seeded tickets');

    const notice = warnings().find((text) => text.includes('Sandbox'));
    assert.ok(notice, `a warning names the sandbox: ${warnings().join(' | ')}`);
    assert.match(notice, /simulated Manage in Node-RED, not ConnectWise.*never to ConnectWise/);
    const host = /simulator on (\S+),/.exec(notice)?.[1];
    assert.ok(host);

    const reachable = await fetch(`http://${host}/v4_6_release/apis/3.0/system/info`);
    assert.equal(reachable.status, 401, 'the simulator answers while the flow runs');
    await helper.unload();
    await assert.rejects(fetch(`http://${host}/v4_6_release/apis/3.0/system/info`));
  });

  it('answers Test connection from a sandbox of its own, named as not ConnectWise', async () => {
    await helper.load([connectionModule], []);
    const res = await helper
      .request()
      .post('/connectwise-manage/connection/test')
      .send({ config: { ...SANDBOX_CONNECTION }, credentials: {} });
    assert.equal(res.status, 200);
    const result = res.body as { ok: boolean; companyName?: string; baseUrl?: string };
    assert.equal(result.ok, true, res.text);
    assert.match(result.companyName ?? '', /not ConnectWise/);
    assert.ok(result.baseUrl);
    await assert.rejects(fetch(`${result.baseUrl}/system/info`), 'the test sandbox is stopped');
  });
});
