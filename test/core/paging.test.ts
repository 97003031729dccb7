import { strict as assert } from 'node:assert';

import { CwError } from '../../src/core/errors';
import type { CwResponse, PreparedRequest } from '../../src/core/http-types';
import { pagePosition, pageThrough, parseLinkHeader, type CwPage } from '../../src/core/paging';

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

/** The pages `pageThrough` reads from answers of `counts[i]` records each, with `links[i]`. */
async function pagesFrom(
  answers: { count: number; link?: string }[],
  request: PreparedRequest,
  options: { limit?: number } = {},
): Promise<CwPage[]> {
  let next = 0;
  let id = 0;
  const send = async (): Promise<CwResponse> => {
    const answer = answers[next++];
    const data = Array.from({ length: answer.count }, () => ({ id: ++id }));
    const headers: Record<string, string> = answer.link === undefined ? {} : { link: answer.link };
    return { status: 200, headers, data, url: 'https://h/x' };
  };
  const pages: CwPage[] = [];
  for await (const page of pageThrough(send, request, options)) pages.push(page);
  return pages;
}

describe('the pager’s stop rule', () => {
  const tenAPage: PreparedRequest = { ...listRequest, query: { pageSize: 10 } };
  const withNext = '<http://x?page=2>; rel="next"';

  it('knows the last page by its own rules', async () => {
    const flags = (pages: CwPage[]) => pages.map((page) => [page.records.length, page.last]);
    // A full page without Link goes on; a short one ends the list.
    assert.deepEqual(flags(await pagesFrom([{ count: 10 }, { count: 7 }], tenAPage)), [
      [10, false],
      [7, true],
    ]);
    // The limit reached ends it, whatever the list says.
    assert.deepEqual(
      flags(await pagesFrom([{ count: 10, link: withNext }], tenAPage, { limit: 10 })),
      [[10, true]],
    );
    // An empty page ends it.
    assert.deepEqual(flags(await pagesFrom([{ count: 0, link: withNext }], tenAPage)), [[0, true]]);
    // A Link with `next` goes on even after a short page; one without `next` ends it.
    assert.deepEqual(
      flags(
        await pagesFrom(
          [
            { count: 7, link: withNext },
            { count: 3, link: '' },
          ],
          tenAPage,
        ),
      ),
      [
        [7, false],
        [3, true],
      ],
    );
  });

  it('says when the limit cut the list short, and which page size it asked for', async () => {
    const describe = (pages: CwPage[]) =>
      pages.map((page) => ({
        page: page.page,
        pageSize: page.pageSize,
        truncated: page.truncated,
      }));
    // Cut inside a page.
    assert.deepEqual(describe(await pagesFrom([{ count: 10 }], tenAPage, { limit: 4 })), [
      { page: 1, pageSize: 10, truncated: true },
    ]);
    // Reached at a page's end while the list goes on.
    assert.deepEqual(
      describe(await pagesFrom([{ count: 10 }, { count: 10 }], tenAPage, { limit: 20 })),
      [
        { page: 1, pageSize: 10, truncated: false },
        { page: 2, pageSize: 10, truncated: true },
      ],
    );
    // Reached exactly at the list's end.
    assert.deepEqual(
      describe(await pagesFrom([{ count: 10, link: '' }], tenAPage, { limit: 10 })),
      [{ page: 1, pageSize: 10, truncated: false }],
    );
    // Without a pageSize it asks for the largest page, or the limit when smaller.
    assert.equal((await pagesFrom([{ count: 3 }], listRequest))[0].pageSize, 1000);
    assert.equal((await pagesFrom([{ count: 3 }], listRequest, { limit: 40 }))[0].pageSize, 40);
  });
});

describe('pagePosition', () => {
  const listRequest: PreparedRequest = {
    method: 'get',
    path: '/service/tickets',
    query: { page: 2, pageSize: 10 },
  };
  function response(overrides: Partial<CwResponse> = {}): CwResponse {
    return { status: 200, headers: {}, data: null, url: 'http://x/apis/3.0/a', ...overrides };
  }

  it('reads where a page sits from the Link header', () => {
    const link =
      '<http://x/apis/3.0/service/tickets?page=3&pageSize=10>; rel="next", ' +
      '<http://x/apis/3.0/service/tickets?page=9&pageSize=10>; rel="last"';
    const some = new Array(10).fill({});
    assert.deepEqual(pagePosition(listRequest, response({ data: some, headers: { link } })), {
      page: 2,
      pageSize: 10,
      hasNext: true,
      next: 3,
    });
    const lastLink = '<http://x/apis/3.0/service/tickets?page=1&pageSize=10>; rel="first"';
    assert.deepEqual(
      pagePosition(listRequest, response({ data: [], headers: { link: lastLink } })),
      {
        page: 2,
        pageSize: 10,
        hasNext: false,
      },
    );
    const bare: PreparedRequest = { method: 'get', path: '/service/tickets' };
    assert.deepEqual(pagePosition(bare, response({ data: new Array(25).fill({}) })), {
      page: 1,
      pageSize: 25,
      hasNext: true,
      next: 2,
    });
  });

  it('gives the next pageId of a forward-only list', () => {
    const forward: PreparedRequest = {
      method: 'get',
      path: '/service/tickets',
      query: { pageSize: 2, pageId: 10 },
      headers: { 'pagination-type': 'forward-only' },
    };
    const link = '<http://x/apis/3.0/service/tickets?pageSize=2&pageId=12>; rel="next"';
    const data = [{ id: 11 }, { id: 12 }];
    assert.deepEqual(pagePosition(forward, response({ data, headers: { link } })), {
      page: 1,
      pageSize: 2,
      hasNext: true,
      next: 12,
    });
  });
});
