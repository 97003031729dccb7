import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { call, get } from './sim-http';

type Ticket = {
  id: number;
  summary: string;
  status: { id: number; name: string };
  company: { id: number; identifier: string; name: string };
  board: { id: number; name: string };
  closedFlag?: boolean;
  _info: { lastUpdated: string; dateEntered: string; enteredBy: string; updatedBy: string };
};
type ErrorBody = {
  code: string;
  message: string;
  errors: { code: string; message: string; resource?: string; field?: string }[];
};

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('simulator: records', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator({ clock: () => new Date('2025-06-01T12:00:00.750Z') });
  });

  afterEach(() => sim.stop());

  const createTicket = (body: unknown) => call(sim, 'POST', '/service/tickets', { body });

  it('creates with 201, the next id, resolved references and _info from the clock', async () => {
    const first = await createTicket({ summary: 'Server down', company: { id: 2 } });
    assert.equal(first.status, 201);
    const ticket = first.body as Ticket;
    assert.equal(ticket.id, 101);
    assert.equal(ticket.summary, 'Server down');
    assert.equal(ticket.company.identifier, 'NorthwindLog');
    assert.equal(ticket.board.name, 'Help Desk');
    assert.equal(ticket.status.name, 'New');
    assert.deepEqual(ticket._info, {
      lastUpdated: '2025-06-01T12:00:00Z',
      dateEntered: '2025-06-01T12:00:00Z',
      enteredBy: 'simapi',
      updatedBy: 'simapi',
    });
    const second = await createTicket({
      summary: 'Another',
      company: { identifier: 'contosodental' },
      id: 5,
    });
    assert.equal((second.body as Ticket).id, 102, 'a given id is ignored');
    assert.equal((second.body as Ticket).company.name, 'Contoso Dental Group');
  });

  it('refuses a create missing a required field, naming it', async () => {
    const answer = await createTicket({ company: { id: 1 } });
    assert.equal(answer.status, 400);
    const body = answer.body as ErrorBody;
    assert.equal(body.code, 'InvalidObject');
    assert.equal(body.message, 'ticket object is invalid');
    assert.deepEqual(
      body.errors.map((e) => e.field),
      ['summary'],
    );
    assert.equal((await get(sim, '/service/tickets/count')).text, '{"count":100}');
  });

  it('refuses unknown references, invalid JSON and other media types', async () => {
    const unknownCompany = await createTicket({ summary: 'x', company: { id: 9999 } });
    assert.equal(unknownCompany.status, 400);
    assert.equal((unknownCompany.body as ErrorBody).errors[0].field, 'company');
    const badJson = await call(sim, 'POST', '/service/tickets', { body: '{"summary": ' });
    assert.equal(badJson.status, 400);
    assert.match((badJson.body as ErrorBody).message, /not valid JSON/);
    const text = await call(sim, 'POST', '/service/tickets', {
      body: 'summary=x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 415);
    const list = await createTicket([{ summary: 'x' }]);
    assert.equal(list.status, 400);
  });

  it('reads a record by id, with fields', async () => {
    const answer = await get(sim, '/service/tickets/7?fields=id,summary,status/name');
    assert.equal(answer.status, 200);
    const body = answer.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['id', 'summary', 'status']);
    assert.deepEqual(Object.keys(body.status as object), ['name']);
  });

  it('replaces with PUT, keeping id and dateEntered, stamping lastUpdated', async () => {
    const created = (await createTicket({ summary: 'Before', company: { id: 1 } })).body as Ticket;
    sim.clock.advance(90);
    const answer = await call(sim, 'PUT', `/service/tickets/${created.id}`, {
      body: { id: 999, summary: 'After', company: { id: 3 }, board: { id: 1 }, status: { id: 2 } },
    });
    assert.equal(answer.status, 200);
    const ticket = answer.body as Ticket;
    assert.equal(ticket.id, created.id);
    assert.equal(ticket.summary, 'After');
    assert.equal(ticket.company.id, 3);
    assert.equal(ticket.status.name, 'In Progress');
    assert.equal(ticket._info.dateEntered, created._info.dateEntered);
    assert.equal(ticket._info.lastUpdated, '2025-06-01T12:01:30Z');
    assert.match(ticket._info.lastUpdated, TIMESTAMP);
    const missing = await call(sim, 'PUT', '/service/tickets/424242', {
      body: { summary: 'x', company: { id: 1 } },
    });
    assert.equal(missing.status, 404);
  });

  it('patches with JSON Patch paths with or without a leading slash', async () => {
    const before = (await get(sim, '/service/tickets/1')).body as Ticket;
    const closed = (
      await get(
        sim,
        `/service/boards/${before.board.id}/statuses?conditions=${encodeURIComponent('name = "Closed"')}`,
      )
    ).body as { id: number }[];
    assert.equal(closed.length, 1);
    sim.clock.advance(5);
    const answer = await call(sim, 'PATCH', '/service/tickets/1', {
      body: [
        { op: 'replace', path: 'status/id', value: closed[0].id },
        { op: 'replace', path: '/summary', value: 'Patched summary' },
      ],
    });
    assert.equal(answer.status, 200);
    const ticket = answer.body as Ticket;
    assert.equal(ticket.status.id, closed[0].id);
    assert.equal(ticket.status.name, 'Closed');
    assert.equal(ticket.closedFlag, true);
    assert.equal(ticket.summary, 'Patched summary');
    assert.equal(ticket._info.lastUpdated, '2025-06-01T12:00:05Z');
    assert.equal(
      ((await get(sim, '/service/tickets/1')).body as Ticket).summary,
      'Patched summary',
    );
    const removed = await call(sim, 'PATCH', '/service/tickets/1', {
      body: [{ op: 'remove', path: 'contact' }],
    });
    assert.equal(removed.status, 200);
    assert.equal('contact' in (removed.body as object), false);
  });

  it('refuses PATCH paths in the wrong case, unknown ops and bodies that are not lists', async () => {
    const wrongCase = await call(sim, 'PATCH', '/service/tickets/1', {
      body: [{ op: 'replace', path: 'Status/id', value: 4 }],
    });
    assert.equal(wrongCase.status, 400);
    const body = wrongCase.body as ErrorBody;
    assert.equal(body.errors[0].field, 'Status/id');
    assert.match(body.errors[0].message, /case-sensitive: did you mean "status"/);
    const move = await call(sim, 'PATCH', '/service/tickets/1', {
      body: [{ op: 'move', path: 'summary', from: 'x' }],
    });
    assert.equal(move.status, 400);
    assert.match((move.body as ErrorBody).errors[0].message, /op "move" is not supported/);
    const notList = await call(sim, 'PATCH', '/service/tickets/1', {
      body: { op: 'replace', path: 'summary', value: 'x' },
    });
    assert.equal(notList.status, 400);
    const noValue = await call(sim, 'PATCH', '/service/tickets/1', {
      body: [{ op: 'replace', path: 'summary' }],
    });
    assert.equal(noValue.status, 400);
    const seeded = (await get(sim, '/service/tickets/1')).body as Ticket;
    assert.notEqual(seeded.summary, undefined, 'a refused patch changes nothing');
  });

  it('deletes with 204, then answers 404', async () => {
    const answer = await call(sim, 'DELETE', '/service/tickets/3');
    assert.equal(answer.status, 204);
    assert.equal(answer.text, '');
    assert.equal((await get(sim, '/service/tickets/3')).status, 404);
    assert.equal((await call(sim, 'DELETE', '/service/tickets/3')).status, 404);
    assert.equal((await get(sim, '/service/tickets/count')).text, '{"count":99}');
  });

  it('stamps same-second updates alike under a frozen clock, and a >= poll finds them all', async () => {
    sim.clock.set('2025-06-02T08:00:00Z');
    sim.clock.freeze();
    await call(sim, 'PATCH', '/service/tickets/10', {
      body: [{ op: 'replace', path: 'summary', value: 'a' }],
    });
    await call(sim, 'PATCH', '/service/tickets/20', {
      body: [{ op: 'replace', path: 'summary', value: 'b' }],
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const third = await createTicket({ summary: 'c', company: { id: 1 } });
    assert.equal((third.body as Ticket)._info.lastUpdated, '2025-06-02T08:00:00Z');
    const changed = await get(
      sim,
      `/service/tickets?conditions=${encodeURIComponent('lastUpdated >= [2025-06-02T08:00:00Z]')}&orderBy=id`,
    );
    assert.deepEqual(
      (changed.body as Ticket[]).map((t) => t.id),
      [10, 20, 101],
    );
  });

  it('keeps child collections per parent, with ids unique across parents', async () => {
    const note = await call(sim, 'POST', '/service/tickets/2/notes', {
      body: { text: 'Called the client', detailDescriptionFlag: true },
    });
    assert.equal(note.status, 201);
    const created = note.body as { id: number; text: string };
    const notes = (await get(sim, '/service/tickets/2/notes?pageSize=1000')).body as {
      id: number;
    }[];
    assert.ok(notes.some((n) => n.id === created.id));
    const others = (await get(sim, '/service/tickets/1/notes?pageSize=1000')).body as {
      id: number;
    }[];
    assert.ok(!others.some((n) => n.id === created.id));
    assert.ok(Math.max(...others.map((n) => n.id)) < created.id);
    assert.equal((await get(sim, '/service/tickets/99999/notes')).status, 404);
  });

  it('exposes the store: records inserted there are served over HTTP', async () => {
    const company = sim.store.insert('/company/companies', { identifier: 'NewCo', name: 'New Co' });
    assert.equal(company.id, 21);
    assert.match(company._info.dateEntered, TIMESTAMP);
    const answer = await get(sim, `/company/companies/${company.id}`);
    assert.equal((answer.body as { name: string }).name, 'New Co');
    sim.store.update('company/companies', company.id, { name: 'Renamed Co' });
    assert.equal(
      ((await get(sim, `/company/companies/${company.id}`)).body as { name: string }).name,
      'Renamed Co',
    );
    const bulk = sim.store.bulkInsert('/company/companies', 3, (i) => ({
      identifier: `Bulk${i}`,
      name: `Bulk ${i}`,
    }));
    assert.deepEqual(
      bulk.map((r) => r.id),
      [22, 23, 24],
    );
    assert.equal(sim.store.count('company/companies'), 24);
    assert.equal(sim.store.remove('company/companies', 22), true);
    assert.equal(sim.store.list('company/companies').length, 23);
  });
});
