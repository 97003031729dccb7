import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { call } from './sim-http';

type ErrorBody = {
  code: string;
  message: string;
  errors: { code: string; message: string; resource?: string; field?: string }[];
};

describe('simulator: requests checked against the document', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator();
  });

  after(() => sim.stop());

  it('refuses a JSON-encoded upload with 415: the operation takes multipart/form-data', async () => {
    const answer = await call(sim, 'POST', '/system/documents', {
      body: { recordType: 'Ticket', recordId: 1, file: { type: 'Buffer', data: [104, 105] } },
    });
    assert.equal(answer.status, 415);
    assert.equal((answer.body as ErrorBody).code, 'UnsupportedMediaType');
    assert.match((answer.body as ErrorBody).message, /multipart\/form-data/);
  });

  it('refuses a form-encoded body where the operation takes JSON, with 415', async () => {
    const answer = await call(sim, 'POST', '/service/tickets', {
      body: 'summary=Printer&company%2Fid=2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(answer.status, 415);
    assert.match((answer.body as ErrorBody).message, /application\/json/);
  });

  it('refuses a missing required body with 400, the bulk DELETEs too', async () => {
    const create = await call(sim, 'POST', '/service/tickets');
    assert.equal(create.status, 400);
    assert.match((create.body as ErrorBody).message, /request body is required/);
    const bulk = await call(sim, 'DELETE', '/procurement/purchaseorders/1/lineitems/bulk');
    assert.equal(bulk.status, 400);
    assert.match((bulk.body as ErrorBody).message, /request body is required/);
    const withBody = await call(sim, 'DELETE', '/procurement/purchaseorders/1/lineitems/bulk', {
      body: { ids: [1, 2] },
    });
    assert.notEqual(withBody.status, 400);
    assert.notEqual(withBody.status, 415);
  });

  it('answers wrong body types with 400 and one error per field, as Manage does', async () => {
    const answer = await call(sim, 'POST', '/service/tickets', {
      body: { summary: 42, company: { id: 'two' }, board: 'Help Desk' },
    });
    assert.equal(answer.status, 400);
    const error = answer.body as ErrorBody;
    assert.equal(error.code, 'InvalidObject');
    assert.equal(error.message, 'ticket object is invalid');
    const byField = new Map(error.errors.map((entry) => [entry.field, entry]));
    assert.deepEqual([...byField.keys()].sort(), ['board', 'company.id', 'summary']);
    assert.deepEqual(byField.get('summary'), {
      code: 'InvalidField',
      message: 'summary must be string',
      resource: 'ticket',
      field: 'summary',
    });
    assert.equal(byField.get('company.id')?.message, 'company.id must be integer');
    assert.equal(byField.get('board')?.message, 'board must be object');
  });

  it('refuses a body of the wrong shape: an object where a list is due', async () => {
    const answer = await call(sim, 'PATCH', '/service/tickets/1', {
      body: { op: 'replace', path: 'summary', value: 'x' },
    });
    assert.equal(answer.status, 400);
    assert.match((answer.body as ErrorBody).message, /must be array/);
  });

  it('refuses a query parameter of the wrong type, naming it', async () => {
    const answer = await call(sim, 'GET', '/service/tickets?pageSize=ten');
    assert.equal(answer.status, 400);
    assert.match((answer.body as ErrorBody).message, /pageSize/);
  });

  describe("tolerates the document's own defects as the real API does", () => {
    it('takes any JSON value in a PATCH operation, though the document types it object', async () => {
      for (const [path, value] of [
        ['summary', 'Renamed'],
        ['budgetHours', 2.5],
        ['contact', { id: 1 }],
        ['customerUpdatedFlag', true],
      ] as const) {
        const answer = await call(sim, 'PATCH', '/service/tickets/1', {
          body: [{ op: 'replace', path, value }],
        });
        assert.equal(answer.status, 200, `${path}: ${answer.text}`);
      }
    });

    it('reads a path parameter missing from the path template as a query parameter', async () => {
      const created = await call(sim, 'POST', '/company/contacts', {
        body: { firstName: 'Temp', company: { id: 2 } },
      });
      assert.equal(created.status, 201, created.text);
      const { id } = created.body as { id: number };
      // The document declares transferContactId as a path parameter of DELETE /company/contacts/{id}.
      const wrong = await call(sim, 'DELETE', `/company/contacts/${id}?transferContactId=abc`);
      assert.equal(wrong.status, 400);
      assert.match((wrong.body as ErrorBody).message, /transferContactId must be a whole number/);
      const answer = await call(sim, 'DELETE', `/company/contacts/${id}?transferContactId=1`);
      assert.equal(answer.status, 204, answer.text);
    });

    it('accepts null for a field, which clears it', async () => {
      const answer = await call(sim, 'POST', '/service/tickets', {
        body: {
          summary: 'With nulls',
          company: { id: 2 },
          contact: null,
          initialDescription: null,
        },
      });
      assert.equal(answer.status, 201, answer.text);
    });
  });
});
