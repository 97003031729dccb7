/**
 * Requests a strict server accepts: uploads as multipart/form-data with the bytes round-tripped,
 * bodies on the operations that declare them whatever the method, no content type without a body.
 */
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';

import type { Node, NodeMessage } from 'node-red';

import { startSimulator, type Simulator } from '../../src/simulator';
import type { RequestConfig } from '../../src/shared/node-configs';
import {
  connectionCredentials,
  connectionNode,
  requestNode,
  type SimulatorAddress,
} from '../helpers/node-flows';
import {
  caughtText,
  connectionModule,
  helper,
  loadObserved,
  observedFlow,
  recorderState,
  requestModule,
  waitFor,
  type Recorder,
} from '../helpers/node-red-harness';

type OutMessage = NodeMessage & {
  statusCode?: number;
  cw?: { fileName?: string; contentType?: string };
  error?: { message: string };
};

type DocumentRecord = { id: number; title: string; fileName: string; size: number };

let sim: Simulator;
let recorder: Recorder<OutMessage>;

function address(): SimulatorAddress {
  return { url: sim.url, credentials: sim.credentials };
}

async function loadFlow(config: Partial<RequestConfig> & { operationId: string }): Promise<Node> {
  const loaded = await loadObserved<OutMessage>(
    [connectionModule, requestModule],
    observedFlow(requestNode(config), [connectionNode(address())]),
    connectionCredentials(address()),
  );
  recorder = loaded.recorder;
  return loaded.node;
}

/** Sends `msg`; resolves with the answer, or the caught error's message as `error`. */
async function send(node: Node, msg: Record<string, unknown>): Promise<OutMessage> {
  const before = recorder.completed.length + recorder.caught.length;
  const outBefore = recorder.out.length;
  const caughtBefore = recorder.caught.length;
  node.receive({ payload: '', ...msg });
  await waitFor(
    'the node to finish',
    () => recorder.completed.length + recorder.caught.length > before,
    8000,
    () => recorderState(recorder),
  );
  if (recorder.caught.length > caughtBefore) return recorder.caught[recorder.caught.length - 1];
  assert.equal(recorder.out.length - outBefore, 1, 'one message out');
  return recorder.out[recorder.out.length - 1];
}

async function answer(node: Node, msg: Record<string, unknown>): Promise<OutMessage> {
  const msgOut = await send(node, msg);
  if (msgOut.error) throw new Error(`unexpected error: ${msgOut.error.message}`);
  return msgOut;
}

function logged(method: string, pathEnd: string) {
  return sim.log.filter((entry) => entry.method === method && entry.path.endsWith(pathEnd));
}

describe('connectwise-request node: requests a strict server accepts', function () {
  this.timeout(30_000);

  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.stop());
  afterEach(async () => {
    await helper.unload();
    sim.clearLog();
  });

  describe('uploads', () => {
    it('uploads a Buffer from msg.payload with the fixed form fields, and downloads the same bytes', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 251, 255, ...Buffer.from('\nhello é\n')]);
      const upload = await loadFlow({
        operationId: 'postSystemDocuments',
        bodySource: 'fixed',
        body: JSON.stringify({
          recordType: 'Ticket',
          recordId: 5,
          title: 'Scan',
          privateFlag: true,
        }),
      });
      const created = await answer(upload, { payload: bytes, filename: '/tmp/in/scan.bin' });
      assert.equal(created.statusCode, 201);
      const record = created.payload as DocumentRecord;
      assert.equal(record.title, 'Scan');
      assert.equal(record.fileName, 'scan.bin');
      assert.equal(record.size, bytes.length);
      const [post] = logged('POST', '/system/documents');
      assert.match(post.headers['content-type'], /^multipart\/form-data; boundary=/);
      assert.deepEqual((post.body as { name: string }[]).map((part) => part.name).sort(), [
        'file',
        'privateFlag',
        'recordId',
        'recordType',
        'title',
      ]);
      await helper.unload();

      const download = await loadFlow({
        operationId: 'getSystemDocumentsByIdDownload',
        params: [{ name: 'id', type: 'num', value: String(record.id) }],
      });
      const file = await answer(download, {});
      assert.ok(Buffer.isBuffer(file.payload));
      assert.deepEqual(file.payload, bytes);
      assert.equal(file.cw?.fileName, 'scan.bin');
    });

    it('uploads a stream with its file name and content type from an object of form fields', async () => {
      const text = 'line 1\nline 2\n'.repeat(2000);
      const node = await loadFlow({ operationId: 'postSystemDocuments' });
      const created = await answer(node, {
        payload: {
          recordType: 'Ticket',
          recordId: 7,
          title: 'Log',
          file: {
            data: Readable.from([Buffer.from(text.slice(0, 5000)), Buffer.from(text.slice(5000))]),
            filename: 'server.log',
            contentType: 'text/plain',
          },
        },
      });
      const record = created.payload as DocumentRecord;
      const stored = sim.store.getContent('system/documents', record.id);
      assert.equal(stored?.bytes.toString('utf8'), text);
      assert.equal(stored?.fileName, 'server.log');
      assert.equal(stored?.contentType, 'text/plain');
    });

    it('refuses an upload without a file, naming the field, and sends nothing', async () => {
      const node = await loadFlow({ operationId: 'postSystemDocuments' });
      const failed = await send(node, { payload: { recordType: 'Ticket', recordId: 1 } });
      assert.match(caughtText(failed), /msg\.payload\.file: is required/);
      assert.equal(logged('POST', '/system/documents').length, 0);
    });
  });

  describe('bodies and content types', () => {
    it('sends the body of a bulk DELETE from msg.payload', async () => {
      const node = await loadFlow({
        operationId: 'deleteProcurementPurchaseordersByParentIdLineitemsBulk',
        params: [{ name: 'parentId', type: 'num', value: '1' }],
      });
      await answer(node, { payload: { ids: [3, 4] } });
      const [entry] = logged('DELETE', '/lineitems/bulk');
      assert.equal(entry.headers['content-type'], 'application/json');
      assert.deepEqual(entry.body, { ids: [3, 4] });
    });

    it('sends no content type with a bodiless POST', async () => {
      const node = await loadFlow({
        operationId: 'postExpenseReportsByIdReject',
        params: [{ name: 'id', type: 'num', value: '1' }],
      });
      await answer(node, {});
      const [entry] = logged('POST', '/expense/reports/1/reject');
      assert.ok(entry, 'the request was sent');
      assert.equal(entry.headers['content-type'], undefined);
    });
  });
});
