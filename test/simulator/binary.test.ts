import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { basicAuth, get } from './sim-http';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('simulator: files', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
  });

  after(() => sim.stop());

  const fetchBytes = async (path: string, init: RequestInit = {}) => {
    const { companyId, publicKey, privateKey, clientId } = sim.credentials;
    const response = await fetch(`${sim.baseUrl()}${path}`, {
      ...init,
      headers: {
        authorization: basicAuth(companyId, publicKey, privateKey),
        clientId,
        ...init.headers,
      },
    });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it('lists seeded documents and downloads their bytes as an attachment', async () => {
    const documents = (await get(sim, '/system/documents')).body as {
      id: number;
      fileName: string;
      size: number;
    }[];
    assert.ok(documents.length >= 3);
    const pdf = documents.find((d) => d.fileName.endsWith('.pdf'));
    assert.ok(pdf);
    const { response, bytes } = await fetchBytes(`/system/documents/${pdf.id}/download`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.equal(
      response.headers.get('content-disposition'),
      `attachment; filename="${pdf.fileName}"`,
    );
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    assert.equal(bytes.length, pdf.size);
    const text = documents.find((d) => d.fileName.endsWith('.txt'));
    assert.ok(text);
    const download = await fetchBytes(`/system/documents/${text.id}/download`);
    assert.match(download.bytes.toString('utf8'), /Create account/);
  });

  it('answers 404 for a missing document', async () => {
    const { response } = await fetchBytes('/system/documents/9999/download');
    assert.equal(response.status, 404);
  });

  it('answers a small PNG for image operations', async () => {
    const { response, bytes } = await fetchBytes('/company/contacts/1/image');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.match(
      response.headers.get('content-disposition') ?? '',
      /^attachment; filename=".+\.png"$/,
    );
    assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE);
  });

  it('answers a PDF for invoice PDFs', async () => {
    const { response, bytes } = await fetchBytes('/finance/invoices/7/pdf');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  });

  it('takes a multipart upload and gives the same bytes back', async () => {
    const content = Buffer.from('hello from an upload\n\u00e9', 'utf8');
    const form = new FormData();
    form.append('recordType', 'Ticket');
    form.append('recordId', '5');
    form.append('title', 'Upload test');
    form.append('file', new Blob([content], { type: 'text/plain' }), 'upload.txt');
    const { response, bytes } = await fetchBytes('/system/documents', {
      method: 'POST',
      body: form,
    });
    assert.equal(response.status, 201);
    const created = JSON.parse(bytes.toString('utf8')) as {
      id: number;
      title: string;
      fileName: string;
      size: number;
    };
    assert.equal(created.title, 'Upload test');
    assert.equal(created.fileName, 'upload.txt');
    assert.equal(created.size, content.length);
    const download = await fetchBytes(`/system/documents/${created.id}/download`);
    assert.deepEqual(download.bytes, content);
    assert.equal(
      download.response.headers.get('content-disposition'),
      'attachment; filename="upload.txt"',
    );
  });

  it('refuses an upload that is not multipart', async () => {
    const { response } = await fetchBytes('/system/documents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 415);
  });
});
