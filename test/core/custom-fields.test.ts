/**
 * Custom fields by caption: typed reading, the merge into a record's whole array, and the update
 * and create procedures against the simulator, a record changed by someone else meanwhile included.
 */
import { strict as assert } from 'node:assert';

import type { CwClient } from '../../src/core/client';
import { sendWithCustomFields } from '../../src/core/custom-field-update';
import {
  customFieldMap,
  customFieldMaps,
  mergeCustomFields,
  type CustomFieldValue,
} from '../../src/core/custom-fields';
import { CwError } from '../../src/core/errors';
import type { PreparedRequest } from '../../src/core/http-types';
import { startSimulator, type Simulator } from '../../src/simulator';
import { cwFailure, testClients } from '../helpers/test-clients';

const FIELDS: CustomFieldValue[] = [
  { id: 4, caption: 'Contract level', type: 'Text', entryMethod: 'List', value: 'Gold' },
  { id: 5, caption: 'Seats', type: 'Number', numberOfDecimals: 0, value: 12 },
  { id: 6, caption: 'Renewal date', type: 'Date', value: '2025-09-01T00:00:00Z' },
  { id: 7, caption: 'Managed firewall', type: 'Checkbox', value: true },
  { id: 8, caption: 'Monthly fee', type: 'Currency', numberOfDecimals: 2 },
];

function inputFailure(run: () => unknown): CwError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof CwError);
    assert.equal(err.code, 'INPUT');
    return err;
  }
  assert.fail('expected an INPUT error');
}

describe('custom fields: reading and merging', () => {
  it('reads {caption: value} typed by the field type, empty fields as null', () => {
    const record = {
      customFields: [...FIELDS, { id: 9, caption: 'Seats text', type: 'Number', value: '7' }],
    };
    assert.deepEqual(customFieldMap(record), {
      'Contract level': 'Gold',
      Seats: 12,
      'Renewal date': '2025-09-01T00:00:00Z',
      'Managed firewall': true,
      'Monthly fee': null,
      'Seats text': 7,
    });
    assert.equal(customFieldMap({ id: 1 }), undefined);
    assert.deepEqual((customFieldMaps([record, { id: 2 }]) as unknown[])[1], {});
  });

  it('changes only the named entries, by caption, by caption in another case, or by id', () => {
    const merged = mergeCustomFields(
      FIELDS,
      { 'Contract level': 'Platinum', seats: '40', '8': 99.5 },
      'msg.cw.customFields',
    );
    assert.equal(merged.length, FIELDS.length);
    assert.deepEqual(
      merged.map((entry) => entry.value),
      ['Platinum', 40, '2025-09-01T00:00:00Z', true, 99.5],
    );
    assert.equal(FIELDS[0].value, 'Gold', 'the record read is left as it was');
  });

  it('refuses an unknown caption, naming it and listing the captions', () => {
    const err = inputFailure(() =>
      mergeCustomFields(FIELDS, { 'Contract levl': 'Gold' }, 'msg.cw.customFields'),
    );
    assert.match(err.message, /^msg\.cw\.customFields: no custom field "Contract levl"/);
    assert.match(err.message, /"Contract level", "Seats", "Renewal date"/);
  });

  it('refuses values of the wrong type for the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['Seats', 'many', /Seats: is a Number field and needs a number/],
      ['Seats', 1.5, /Seats: allows 0 decimals/],
      ['Monthly fee', 12.345, /allows 2 decimals/],
      ['Managed firewall', 'yes', /Checkbox field and needs true or false/],
      ['Renewal date', 'soon', /Date field and needs a date/],
      ['Contract level', 3, /Text field and needs text/],
    ];
    for (const [caption, value, expected] of cases) {
      const err = inputFailure(() => mergeCustomFields(FIELDS, { [caption]: value }, 'cf'));
      assert.match(err.message, expected, `${caption} = ${JSON.stringify(value)}`);
    }
    const cleared = mergeCustomFields(FIELDS, { Seats: null, 'Renewal date': '2026-01-31' }, 'cf');
    assert.equal(cleared[1].value, null);
    assert.equal(cleared[2].value, '2026-01-31T00:00:00Z');
  });
});

describe('custom fields: update and create against the simulator', function () {
  this.timeout(20_000);
  let sim: Simulator;
  const texts: string[] = [];
  const { client: newClient, closeAll } = testClients(
    () => ({ baseUrl: sim.baseUrl(), ...sim.credentials, timeoutMs: 5000 }),
    texts,
  );
  let client: CwClient;

  beforeEach(async () => {
    sim = await startSimulator();
    client = newClient({ removeNulls: true });
  });

  afterEach(async () => {
    closeAll();
    await sim.stop();
  });

  const companyValues = (id: number): Record<string, unknown> =>
    customFieldMap(sim.store.get('company/companies', id)) ?? {};
  const patch = (id: number): PreparedRequest => ({
    method: 'patch',
    path: `/company/companies/${id}`,
    body: [{ op: 'replace', path: 'name', value: 'Contoso Dental' }],
  });
  const write = { changes: { 'Contract level': 'Platinum' }, field: 'msg.cw.customFields' };

  it('keeps every other custom field when one is set by caption', async () => {
    const before = companyValues(1);
    const answer = await sendWithCustomFields((r) => client.request(r), patch(1), write);
    assert.equal(answer.status, 200);
    const after = companyValues(1);
    assert.deepEqual(after, { ...before, 'Contract level': 'Platinum' });
    assert.equal(sim.store.get('company/companies', 1)?.name, 'Contoso Dental');
    const written = sim.log.filter((entry) => entry.method === 'PATCH');
    assert.equal(written.length, 1, 'one update carries the rest and the custom fields');
  });

  it('reads again when the record changed meanwhile, and keeps the other change', async () => {
    let reads = 0;
    const send = async (request: PreparedRequest) => {
      const answer = await client.request(request);
      if (request.method === 'get' && request.query === undefined && ++reads === 1) {
        // Someone else sets another custom field between the read and the write.
        sim.clock.advance(1);
        const record = sim.store.get('company/companies', 2);
        const customFields = (record?.customFields as CustomFieldValue[]).map((entry) =>
          entry.caption === 'Seats' ? { ...entry, value: 77 } : entry,
        );
        sim.store.update('company/companies', 2, { customFields });
      }
      return answer;
    };
    await sendWithCustomFields(send, patch(2), write);
    assert.equal(reads, 2, 'the record was read again');
    const after = companyValues(2);
    assert.equal(after.Seats, 77, 'the change made meanwhile is kept');
    assert.equal(after['Contract level'], 'Platinum');
  });

  it('fails with CONFLICT and writes nothing when the record changes on every read', async () => {
    const send = async (request: PreparedRequest) => {
      const answer = await client.request(request);
      if (request.method === 'get' && request.query === undefined) {
        sim.clock.advance(1);
        sim.store.update('company/companies', 3, { phoneNumber: `555${sim.log.length}` });
      }
      return answer;
    };
    const before = companyValues(3);
    const err = await cwFailure(sendWithCustomFields(send, patch(3), write));
    assert.equal(err.code, 'CONFLICT');
    assert.match(err.message, /PATCH \/company\/companies\/3 not sent: the record changed/);
    assert.deepEqual(companyValues(3), before);
    assert.equal(sim.log.filter((entry) => entry.method === 'PATCH').length, 0);
  });

  it('creates a record with custom fields by caption from the entity definitions', async () => {
    const answer = await sendWithCustomFields(
      (r) => client.request(r),
      {
        method: 'post',
        path: '/company/companies',
        body: { identifier: 'Acme', name: 'Acme', site: { name: 'Main' } },
      },
      { changes: { 'Contract level': 'Silver', Seats: 3 }, field: 'msg.cw.customFields' },
    );
    assert.equal(answer.status, 201);
    const id = (answer.data as { id: number }).id;
    assert.deepEqual(companyValues(id), {
      'Contract level': 'Silver',
      Seats: 3,
      'Renewal date': null,
      'Managed firewall': null,
      'Monthly fee': null,
    });
  });
});
