import { strict as assert } from 'node:assert';

import { CwError } from '../../src/core/errors';
import type { CwResponse, PreparedRequest } from '../../src/core/http-types';
import { pageThrough, parseLinkHeader, type CwPage } from '../../src/core/paging';

describe('parseLinkHeader', () => {
  it('reads ConnectWise Link headers', () => {
    const base = 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0/service/tickets';
    const header =
      `<${base}?pageSize=25&page=1>; rel="first", <${base}?pageSize=25&page=3>; rel="next", ` +
      `<${base}?pageSize=25&page=1>; rel="prev", <${base}?pageSize=25&page=9>; rel="last"`;
    assert.deepEqual(parseLinkHeader(header), {
      first: `${base}?pageSize=25&page=1`,
      next: `${base}?pageSize=25&page=3`,
      prev: `${base}?pageSize=25&page=1`,
      last: `${base}?pageSize=25&page=9`,
    });
  });

  it('copes with commas in URLs, unquoted and multiple rels, and junk', () => {
    assert.deepEqual(parseLinkHeader('<https://x/a?fields=id,name&page=2>; rel=next'), {
      next: 'https://x/a?fields=id,name&page=2',
    });
    assert.deepEqual(parseLinkHeader('<https://x/?page=1>; rel="first prev"'), {
      first: 'https://x/?page=1',
      prev: 'https://x/?page=1',
    });
    assert.deepEqual(parseLinkHeader('garbage, <no-rel>'), {});
    assert.deepEqual(parseLinkHeader(undefined), {});
    assert.deepEqual(parseLinkHeader(''), {});
  });
});

/** A fake list of `total` records answering like ConnectWise, recording what was asked. */
function fakeList(total: number, options: { link?: boolean } = {}) {
  const asked: PreparedRequest[] = [];
  const send = async (request: PreparedRequest): Promise<CwResponse> => {
    asked.push(request);
    const query = request.query ?? {};
    const pageSize = Number(query.pageSize ?? 25);
    const forwardOnly = request.headers?.['pagination-type'] === 'forward-only';
    let first: number;
    let page = 1;
    if (forwardOnly) {
      first = Number(query.pageId ?? 0) + 1;
    } else {
      page = Number(query.page ?? 1);
      first = (page - 1) * pageSize + 1;
    }
    const records: { id: number }[] = [];
    for (let id = first; id < first + pageSize && id <= total; id += 1) records.push({ id });
    const headers: Record<string, string> = {};
    if (options.link !== false) {
      const last = records.length > 0 ? records[records.length - 1].id : 0;
      const hasNext = last < total;
      const nextQuery = forwardOnly ? `pageId=${last}` : `page=${page + 1}`;
      headers.link = `<https://h/x?pageSize=${pageSize}&page=1>; rel="first"${
        hasNext ? `, <https://h/x?pageSize=${pageSize}&${nextQuery}>; rel="next"` : ''
      }`;
    }
    return { status: 200, headers, data: records, url: 'https://h/x' };
  };
  return { send, asked };
}

async function collect(pages: AsyncGenerator<CwPage>): Promise<number[][]> {
  const result: number[][] = [];
  for await (const page of pages)
    result.push(page.records.map((record) => (record as { id: number }).id));
  return result;
}

const listRequest: PreparedRequest = {
  method: 'get',
  path: '/service/tickets',
  operationId: 'getServiceTickets',
};

describe('pageThrough', () => {
  it('follows next links until the last page, asking for full pages by default', async () => {
    const list = fakeList(2500);
    const pages = await collect(pageThrough(list.send, listRequest));
    assert.deepEqual(
      pages.map((page) => page.length),
      [1000, 1000, 500],
    );
    assert.deepEqual(
      list.asked.map((request) => request.query),
      [
        { pageSize: 1000, page: 1 },
        { pageSize: 1000, page: 2 },
        { pageSize: 1000, page: 3 },
      ],
    );
  });

  it('stops at the limit, cutting the last page', async () => {
    const list = fakeList(500);
    const pages = await collect(
      pageThrough(list.send, { ...listRequest, query: { pageSize: 100 } }, { limit: 250 }),
    );
    assert.deepEqual(
      pages.map((page) => page.length),
      [100, 100, 50],
    );
    assert.equal(list.asked.length, 3);
    assert.deepEqual(pages.flat().slice(-1), [250]);
  });

  it('asks for no more than the limit when it is smaller than a page', async () => {
    const list = fakeList(500);
    const pages = await collect(pageThrough(list.send, listRequest, { limit: 7 }));
    assert.deepEqual(pages, [[1, 2, 3, 4, 5, 6, 7]]);
    assert.equal(list.asked[0].query?.pageSize, 7);
  });

  it('asks for the next page only when the caller wants it', async () => {
    const list = fakeList(300);
    const pages = pageThrough(list.send, { ...listRequest, query: { pageSize: 100 } });
    await pages.next();
    assert.equal(list.asked.length, 1);
    await pages.next();
    assert.equal(list.asked.length, 2);
    await pages.return();
    assert.equal(list.asked.length, 2);
  });

  it('pages forward-only by pageId with the pagination header', async () => {
    const list = fakeList(250);
    const pages = await collect(
      pageThrough(
        list.send,
        { ...listRequest, query: { pageSize: 100, page: 4 } },
        { forwardOnly: true },
      ),
    );
    assert.deepEqual(
      pages.map((page) => page.length),
      [100, 100, 50],
    );
    assert.deepEqual(
      list.asked.map((request) => request.query),
      [{ pageSize: 100 }, { pageSize: 100, pageId: 100 }, { pageSize: 100, pageId: 200 }],
    );
    assert.ok(
      list.asked.every((request) => request.headers?.['pagination-type'] === 'forward-only'),
    );
  });

  it('without Link headers, goes on while pages are full', async () => {
    const pageCount = await collect(
      pageThrough(fakeList(250, { link: false }).send, {
        ...listRequest,
        query: { pageSize: 100 },
      }),
    );
    assert.deepEqual(
      pageCount.map((page) => page.length),
      [100, 100, 50],
    );
    const forward = await collect(
      pageThrough(
        fakeList(200, { link: false }).send,
        { ...listRequest, query: { pageSize: 100 } },
        { forwardOnly: true },
      ),
    );
    assert.deepEqual(
      forward.map((page) => page.length),
      [100, 100, 0],
    );
  });

  it('refuses an answer that is not a list', async () => {
    const send = async (): Promise<CwResponse> => ({
      status: 200,
      headers: {},
      data: { id: 1 },
      url: 'u',
    });
    await assert.rejects(collect(pageThrough(send, listRequest)), (err: unknown) => {
      assert.ok(err instanceof CwError);
      assert.equal(err.code, 'INVALID_RESPONSE');
      assert.match(err.message, /expected a list of records/);
      return true;
    });
  });
});
