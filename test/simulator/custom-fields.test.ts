import { strict as assert } from 'node:assert';

import { startSimulator, type CustomFieldEntry, type Simulator } from '../../src/simulator';
import { basicAuth, call, get } from './sim-http';

type WithCustomFields = {
  id: number;
  customFields: CustomFieldEntry[];
  _info: { lastUpdated: string; enteredBy: string; updatedBy: string };
};
type ErrorBody = { code: string; message: string; errors: { field?: string; message: string }[] };

const valueOf = (record: WithCustomFields, caption: string): unknown =>
  record.customFields.find((entry) => entry.caption === caption)?.value;

describe('simulator: custom fields', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator({ clock: () => new Date('2025-06-01T12:00:00Z') });
  });

  afterEach(() => sim.stop());

  it('seeds every company and ticket with one entry per definition, typed', async () => {
    const company = (await get(sim, '/company/companies/1')).body as WithCustomFields;
    assert.deepEqual(
      company.customFields.map((entry) => [entry.id, entry.caption, entry.type, entry.entryMethod]),
      [
        [4, 'Contract level', 'Text', 'List'],
        [5, 'Seats', 'Number', 'EntryField'],
        [6, 'Renewal date', 'Date', 'Date'],
        [7, 'Managed firewall', 'Checkbox', 'EntryField'],
        [8, 'Monthly fee', 'Currency', 'EntryField'],
      ],
    );
    assert.equal(valueOf(company, 'Contract level'), 'Gold');
    assert.equal(typeof valueOf(company, 'Seats'), 'number');
    assert.equal(valueOf(company, 'Managed firewall'), true);
    assert.match(String(valueOf(company, 'Renewal date')), /^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    assert.equal(company.customFields[4].numberOfDecimals, 2);
    const ticket = (await get(sim, '/service/tickets/1')).body as WithCustomFields;
    assert.deepEqual(
      ticket.customFields.map((entry) => entry.caption),
      ['Escalated', 'Root cause', 'Estimated hours'],
    );
    assert.equal(typeof valueOf(ticket, 'Escalated'), 'boolean');
  });

  it('replaces the whole array on PUT: entries left out lose their value', async () => {
    const company = (await get(sim, '/company/companies/1')).body as WithCustomFields;
    const body = { ...company, customFields: [{ id: 5, value: 99 }] };
    const put = await call(sim, 'PUT', '/company/companies/1', { body });
    assert.equal(put.status, 200);
    const after = (await get(sim, '/company/companies/1')).body as WithCustomFields;
    assert.equal(after.customFields.length, 5, 'every definition still has its entry');
    assert.equal(valueOf(after, 'Seats'), 99);
    assert.equal(valueOf(after, 'Contract level'), null);
    assert.equal(valueOf(after, 'Managed firewall'), null);
  });

  it('replaces the whole array on a PATCH of customFields, and keeps it on other PATCHes', async () => {
    const patchName = await call(sim, 'PATCH', '/company/companies/2', {
      body: [{ op: 'replace', path: 'name', value: 'Renamed' }],
    });
    assert.equal(patchName.status, 200);
    assert.equal(valueOf(patchName.body as WithCustomFields, 'Contract level'), 'Silver');
    const patch = await call(sim, 'PATCH', '/company/companies/2', {
      body: [{ op: 'replace', path: 'customFields', value: [{ id: 4, value: 'Gold' }] }],
    });
    assert.equal(patch.status, 200);
    const after = patch.body as WithCustomFields;
    assert.equal(valueOf(after, 'Contract level'), 'Gold');
    assert.equal(valueOf(after, 'Seats'), null);
  });

  it('refuses a value of the wrong type and an unknown id with InvalidObject', async () => {
    const wrongType = await call(sim, 'PATCH', '/company/companies/3', {
      body: [{ op: 'replace', path: 'customFields', value: [{ id: 5, value: 'many' }] }],
    });
    assert.equal(wrongType.status, 400);
    const error = wrongType.body as ErrorBody;
    assert.equal(error.code, 'InvalidObject');
    assert.match(error.errors[0].message, /Seats must be a number/);
    const unknown = await call(sim, 'PATCH', '/company/companies/3', {
      body: [{ op: 'replace', path: 'customFields', value: [{ id: 99, value: 1 }] }],
    });
    assert.equal(unknown.status, 400);
    assert.match((unknown.body as ErrorBody).errors[0].message, /no custom field with id 99/);
    const company = (await get(sim, '/company/companies/3')).body as WithCustomFields;
    assert.equal(valueOf(company, 'Contract level'), 'Bronze', 'nothing changed');
  });

  it('gives a new record every definition, with the values posted', async () => {
    const created = await call(sim, 'POST', '/company/companies', {
      body: {
        identifier: 'NewCo',
        name: 'New Co',
        site: { name: 'Main' },
        customFields: [{ id: 4, value: 'Silver' }],
      },
    });
    assert.equal(created.status, 201, created.text);
    const record = created.body as WithCustomFields;
    assert.equal(record.customFields.length, 5);
    assert.equal(valueOf(record, 'Contract level'), 'Silver');
  });
});

describe('simulator: member tokens', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator({ memberTokenSeconds: 60 });
  });

  afterEach(() => sim.stop());

  const tokenHeaders = (token: { publicKey: string; privateKey: string }) => ({
    authorization: basicAuth(sim.credentials.companyId, token.publicKey, token.privateKey),
  });

  it('issues a token that acts as the member until it expires', async () => {
    const answer = await call(sim, 'POST', '/system/members/jsmith/tokens');
    assert.equal(answer.status, 200);
    const token = answer.body as { publicKey: string; privateKey: string; expiration: string };
    assert.ok(token.publicKey.length >= 16 && token.privateKey.length >= 16);
    const expires = Date.parse(token.expiration) - sim.clock.now().getTime();
    assert.ok(expires > 55_000 && expires <= 60_000, `expires in ${expires} ms`);

    const note = await call(sim, 'POST', '/service/tickets/1/notes', {
      headers: tokenHeaders(token),
      body: { text: 'Replaced the toner.', detailDescriptionFlag: true },
    });
    assert.equal(note.status, 201, note.text);
    const info = (note.body as WithCustomFields)._info;
    assert.equal(info.enteredBy, 'jsmith');
    assert.equal(info.updatedBy, 'jsmith');
    const patched = await call(sim, 'PATCH', '/service/tickets/1', {
      headers: tokenHeaders(token),
      body: [{ op: 'replace', path: 'summary', value: 'Toner replaced' }],
    });
    assert.equal((patched.body as WithCustomFields)._info.updatedBy, 'jsmith');

    sim.clock.advance(61);
    const expired = await get(sim, '/system/info', { headers: tokenHeaders(token) });
    assert.equal(expired.status, 401);
    assert.match((expired.body as ErrorBody).message, /expired/);
  });

  it('enters a time entry as the member', async () => {
    const token = (await call(sim, 'POST', '/system/members/mlee/tokens')).body as {
      publicKey: string;
      privateKey: string;
    };
    const entry = await call(sim, 'POST', '/time/entries', {
      headers: tokenHeaders(token),
      body: { chargeToId: 1, chargeToType: 'ServiceTicket', timeStart: '2025-06-01T09:00:00Z' },
    });
    assert.equal(entry.status, 201, entry.text);
    assert.equal((entry.body as WithCustomFields)._info.enteredBy, 'mlee');
  });

  it('answers 404 for a member that does not exist', async () => {
    const answer = await call(sim, 'POST', '/system/members/nobody/tokens');
    assert.equal(answer.status, 404);
    const error = answer.body as ErrorBody;
    assert.equal(error.code, 'NotFound');
    assert.match(error.message, /nobody/);
  });
});
