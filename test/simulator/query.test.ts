import { strict as assert } from 'node:assert';

import { startSimulator, type Simulator } from '../../src/simulator';
import { call, get, links } from './sim-http';

type Row = { id: number; [key: string]: unknown };
type ErrorBody = { code: string; message: string };

const q = (text: string): string => encodeURIComponent(text);

describe('simulator: list queries', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({ clock: () => new Date('2025-06-01T12:00:00Z') });
    // 3,000 plain records in a collection of their own, for paging.
    sim.store.bulkInsert('/company/contacts/types', 3000, (i) => ({
      description: `Type ${i + 1}`,
      defaultFlag: i % 10 === 0,
    }));
  });

  after(() => sim.stop());

  it('answers 25 records by default, in id order, with next and last links', async () => {
    const answer = await get(sim, '/service/tickets');
    const rows = answer.body as Row[];
    assert.equal(rows.length, 25);
    assert.deepEqual(
      rows.map((r) => r.id),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    const rel = links(answer.headers.get('link'));
    assert.deepEqual(Object.keys(rel).sort(), ['last', 'next']);
    assert.match(
      rel.next,
      /^http:\/\/127\.0\.0\.1:\d+\/v4_6_release\/apis\/3\.0\/service\/tickets\?page=2$/,
    );
    assert.match(rel.last, /page=4$/);
  });

  it('pages through 3,000 records by following Link next, keeping the other parameters', async () => {
    let url: string | undefined =
      `${sim.baseUrl()}/company/contacts/types?pageSize=250&conditions=${q('id > 0')}`;
    const seen: number[] = [];
    let pages = 0;
    while (url) {
      const answer = await get(sim, url);
      assert.equal(answer.status, 200);
      seen.push(...(answer.body as Row[]).map((r) => r.id));
      const rel = links(answer.headers.get('link'));
      if (rel.next) {
        const next = new URL(rel.next);
        assert.equal(next.searchParams.get('pageSize'), '250');
        assert.equal(next.searchParams.get('conditions'), 'id > 0');
      }
      if (pages > 0) assert.ok(rel.first && rel.prev, 'first and prev after page 1');
      url = rel.next;
      pages++;
    }
    assert.equal(pages, 12);
    assert.equal(seen.length, 3000);
    assert.deepEqual(
      seen,
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
  });

  it('omits next on the last page', async () => {
    const answer = await get(sim, '/company/contacts/types?pageSize=1000&page=3');
    assert.equal((answer.body as Row[]).length, 1000);
    const rel = links(answer.headers.get('link'));
    assert.equal(rel.next, undefined);
    assert.equal(rel.last, undefined);
    assert.match(rel.prev, /page=2/);
    assert.match(rel.first, /page=1/);
  });

  it('caps pageSize at 1,000 and refuses bad page numbers', async () => {
    const capped = await get(sim, '/company/contacts/types?pageSize=5000');
    assert.equal((capped.body as Row[]).length, 1000);
    for (const bad of ['page=0', 'page=x', 'pageSize=-1', 'pageSize=2.5']) {
      const answer = await get(sim, `/service/tickets?${bad}`);
      assert.equal(answer.status, 400, bad);
      assert.match((answer.body as ErrorBody).message, /must be a whole number/);
    }
    const beyond = await get(sim, '/service/tickets?page=99');
    assert.deepEqual(beyond.body, []);
  });

  it('pages forward-only: pageId means id > pageId, Link next carries the last id', async () => {
    const headers = { 'pagination-type': 'forward-only' };
    let url: string | undefined =
      `${sim.baseUrl()}/company/contacts/types?pageSize=1000&conditions=${q('defaultFlag = true')}`;
    const seen: number[] = [];
    let pages = 0;
    while (url) {
      const answer = await get(sim, url, { headers });
      const rows = answer.body as Row[];
      seen.push(...rows.map((r) => r.id));
      const rel = links(answer.headers.get('link'));
      assert.deepEqual(
        Object.keys(rel).filter((k) => k !== 'next'),
        [],
      );
      if (rel.next)
        assert.equal(
          new URL(rel.next).searchParams.get('pageId'),
          String(rows[rows.length - 1].id),
        );
      url = rel.next;
      pages++;
    }
    assert.equal(seen.length, 300);
    assert.equal(pages, 1);
    const after = await get(sim, '/company/contacts/types?pageSize=5&pageId=2990', { headers });
    assert.deepEqual(
      (after.body as Row[]).map((r) => r.id),
      [2991, 2992, 2993, 2994, 2995],
    );
    assert.match(links(after.headers.get('link')).next, /pageId=2995/);
    const last = await get(sim, '/company/contacts/types?pageSize=10&pageId=2990', { headers });
    assert.equal(links(last.headers.get('link')).next, undefined);
  });

  it('refuses orderBy with forward-only paging', async () => {
    const answer = await get(sim, '/service/tickets?orderBy=id desc', {
      headers: { 'pagination-type': 'forward-only' },
    });
    assert.equal(answer.status, 400);
    assert.match((answer.body as ErrorBody).message, /orderBy.*forward-only/);
  });

  it('filters with conditions over nested paths', async () => {
    const answer = await get(
      sim,
      `/service/tickets?pageSize=1000&conditions=${q('board/name = "Help Desk" and status/name in ("New", "Waiting")')}`,
    );
    const rows = answer.body as { board: { name: string }; status: { name: string } }[];
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.equal(row.board.name, 'Help Desk');
      assert.ok(['New', 'Waiting'].includes(row.status.name));
    }
    const all = (await get(sim, '/service/tickets?pageSize=1000')).body as {
      board: { name: string };
      status: { name: string };
    }[];
    assert.equal(
      rows.length,
      all.filter((t) => t.board.name === 'Help Desk' && ['New', 'Waiting'].includes(t.status.name))
        .length,
    );
  });

  it('refuses malformed conditions with the parser message', async () => {
    const answer = await get(sim, `/service/tickets?conditions=${q('summary = "abc')}`);
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      code: 'BadRequest',
      message: 'conditions: unbalanced quote at position 11',
      errors: [],
    });
  });

  it('orders by several fields, ascending and descending', async () => {
    const answer = await get(
      sim,
      `/service/tickets?pageSize=1000&orderBy=${q('board/name desc, id asc')}&fields=id,board/name`,
    );
    const rows = answer.body as { id: number; board: { name: string } }[];
    const expected = [...rows].sort((a, b) =>
      a.board.name === b.board.name ? a.id - b.id : a.board.name < b.board.name ? 1 : -1,
    );
    assert.deepEqual(rows, expected);
    assert.equal(rows[0].board.name, 'Projects');
    assert.equal((await get(sim, '/service/tickets?orderBy=id sideways')).status, 400);
  });

  it('answers partial records with fields, nested ones included', async () => {
    const answer = await get(
      sim,
      '/service/tickets?pageSize=3&fields=id,summary,company/identifier,_info/lastUpdated',
    );
    for (const row of answer.body as Record<string, Record<string, unknown>>[]) {
      assert.deepEqual(Object.keys(row), ['id', 'summary', 'company', '_info']);
      assert.deepEqual(Object.keys(row.company), ['identifier']);
      assert.deepEqual(Object.keys(row._info), ['lastUpdated']);
    }
  });

  it('counts, with and without conditions', async () => {
    assert.deepEqual((await get(sim, '/service/tickets/count')).body, { count: 100 });
    assert.deepEqual(
      (await get(sim, `/company/contacts/types/count?conditions=${q('id <= 10')}`)).body,
      { count: 10 },
    );
    const closed = (await get(sim, `/service/tickets/count?conditions=${q('closedFlag = true')}`))
      .body as { count: number };
    const rows = (
      await get(sim, `/service/tickets?pageSize=1000&conditions=${q('closedFlag = True')}`)
    ).body as Row[];
    assert.equal(closed.count, rows.length);
  });

  it('treats POST <collection>/search like a GET list', async () => {
    const conditions = 'company/id = 3 or summary contains "printer"';
    const viaGet = await get(
      sim,
      `/service/tickets?pageSize=1000&orderBy=id desc&conditions=${q(conditions)}`,
    );
    const viaSearch = await call(sim, 'POST', '/service/tickets/search?pageSize=1000', {
      body: { conditions, orderBy: 'id desc' },
    });
    assert.equal(viaSearch.status, 200);
    assert.ok((viaSearch.body as Row[]).length > 0);
    assert.deepEqual(viaSearch.body, viaGet.body);
  });

  it('evaluates childConditions and customFieldConditions', async () => {
    const contacts = (await get(sim, '/company/contacts?pageSize=1000')).body as {
      id: number;
      communicationItems: { value: string }[];
    }[];
    const email = contacts[4].communicationItems[0].value;
    const byEmail = await get(
      sim,
      `/company/contacts?childConditions=${q(`communicationItems/value like "${email}"`)}`,
    );
    assert.deepEqual(
      (byEmail.body as Row[]).map((r) => r.id),
      [contacts[4].id],
    );
    const escalated = await get(
      sim,
      `/service/tickets?pageSize=1000&customFieldConditions=${q('caption = "Escalated" and value = true')}`,
    );
    const rows = escalated.body as { customFields: { value: boolean }[] }[];
    assert.ok(rows.length > 0 && rows.length < 100);
    assert.ok(rows.every((row) => row.customFields[0].value === true));
  });
});
