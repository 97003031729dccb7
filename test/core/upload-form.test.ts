import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';

import { CwError } from '../../src/core/errors';
import { uploadForm } from '../../src/core/upload-form';
import { connectionHeaders, toWireRequest } from '../../src/core/wire-request';
import { jsonBody, operation } from '../helpers/operation-fixtures';

const upload = operation({
  operationId: 'postSystemDocuments',
  method: 'post',
  path: '/system/documents',
  body: jsonBody('DocumentFormData', { multipart: true, contentType: 'multipart/form-data' }),
});

async function fileOf(form: FormData): Promise<{ name: string; type: string; bytes: Buffer }> {
  const file = form.get('file');
  assert.ok(file instanceof Blob, 'a file part');
  return {
    name: (file as File).name,
    type: file.type,
    bytes: Buffer.from(await file.arrayBuffer()),
  };
}

describe('uploadForm', () => {
  it('takes the file alone, named by the defaults (a path becomes its base name)', async () => {
    const bytes = Buffer.from([1, 2, 3, 255]);
    const form = await uploadForm(upload, bytes, 'msg.payload', {
      fileName: '/data/in/report.pdf',
      contentType: 'application/pdf',
    });
    assert.deepEqual(await fileOf(form), { name: 'report.pdf', type: 'application/pdf', bytes });
  });

  it('keeps its own copy: a Buffer changed after the call does not change the upload', async () => {
    const bytes = Buffer.from('abc');
    const form = await uploadForm(upload, bytes, 'msg.payload');
    bytes[0] = 0x7a;
    assert.equal((await fileOf(form)).bytes.toString(), 'abc');
  });

  it('reads a stream, and writes the other fields as text parts', async () => {
    const form = await uploadForm(
      upload,
      {
        recordType: 'Ticket',
        recordId: 12,
        privateFlag: false,
        url: null,
        file: { data: Readable.from(['part one, ', 'part two']), filename: 'notes.txt' },
      },
      'msg.payload',
    );
    assert.equal(form.get('recordType'), 'Ticket');
    assert.equal(form.get('recordId'), '12');
    assert.equal(form.get('privateFlag'), 'false');
    assert.equal(form.get('url'), null);
    const file = await fileOf(form);
    assert.equal(file.bytes.toString(), 'part one, part two');
    assert.equal(file.name, 'notes.txt');
    assert.equal(file.type, 'application/octet-stream');
  });

  it('refuses a missing file, a file of the wrong kind and a nested field, naming each', async () => {
    const refused = async (body: unknown, field: RegExp) =>
      assert.rejects(
        () => uploadForm(upload, body, 'msg.payload'),
        (err: unknown) => err instanceof CwError && err.code === 'INPUT' && field.test(err.message),
      );
    await refused({ recordType: 'Ticket' }, /^msg\.payload\.file: is required/);
    await refused({ file: 'not bytes' }, /^msg\.payload\.file: must be the file/);
    await refused(
      { file: Buffer.from('x'), title: { text: 'x' } },
      /^msg\.payload\.title: must be text/,
    );
    await refused(42, /^msg\.payload: must be the file/);
  });
});

describe('toWireRequest content types', () => {
  const own = connectionHeaders({
    baseUrl: 'https://cw.example.com/v4_6_release/apis/3.0',
    companyId: 'msp',
    publicKey: 'pub',
    privateKey: 'priv',
    clientId: 'client',
    timeoutMs: 1000,
    retries: 0,
    concurrency: 1,
    ratePerMinute: 60,
    removeNulls: false,
  });
  const base = 'https://cw.example.com/v4_6_release/apis/3.0';

  it('sends no content type without a body, even one a caller set', () => {
    const wire = toWireRequest(
      {
        method: 'post',
        path: '/expense/reports/1/reject',
        headers: { 'content-type': 'text/plain' },
      },
      base,
      own,
    );
    assert.equal(wire.data, undefined);
    assert.ok(!Object.keys(wire.headers).some((name) => name.toLowerCase() === 'content-type'));
  });

  it("leaves a form's content type, with its boundary, to the transport", async () => {
    const form = await uploadForm(upload, Buffer.from('x'), 'msg.payload');
    const wire = toWireRequest(
      {
        method: 'post',
        path: '/system/documents',
        body: form,
        headers: { 'Content-Type': 'application/json' },
      },
      base,
      own,
    );
    assert.equal(wire.data, form);
    assert.ok(!Object.keys(wire.headers).some((name) => name.toLowerCase() === 'content-type'));
  });
});
