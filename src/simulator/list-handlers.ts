/** List, search and count of a collection: the query read from the request, pages with Links. */
import { jsonAnswer, type Answer } from './answers';
import { fieldValue } from './field-paths';
import {
  countRecords,
  listRecords,
  parseFields,
  projectFields,
  type ListPage,
  type ListQuery,
} from './query';
import { checkParent } from './record-lookup';
import { readJsonObject, type ApiRequest, type SimRequest } from './sim-request';
import type { SimContext } from './simulator-context';

/** The list query of a request; conditions in a search body win over the query string's. */
function listQuery(request: SimRequest, overrides: Record<string, unknown> = {}): ListQuery {
  const pick = (name: string): string | undefined => {
    const fromBody = fieldValue(overrides, name);
    if (typeof fromBody === 'string') return fromBody;
    return request.query.get(name);
  };
  return {
    conditions: pick('conditions'),
    childConditions: pick('childconditions'),
    customFieldConditions: pick('customfieldconditions'),
    orderBy: pick('orderby'),
    page: request.query.get('page'),
    pageSize: request.query.get('pagesize'),
    pageId: request.query.get('pageid'),
    forwardOnly: String(request.headers['pagination-type'] ?? '').toLowerCase() === 'forward-only',
  };
}

/** RFC 5988 links to the other pages, keeping the request's other parameters. */
function linkHeader(request: SimRequest, page: ListPage): string | undefined {
  const link = (rel: string, name: string, value: number): string => {
    const params = new URLSearchParams(request.params);
    for (const key of [...params.keys()]) {
      if (key.toLowerCase() === name.toLowerCase()) params.delete(key);
    }
    params.set(name, String(value));
    return `<http://${request.host}${request.pathname}?${params.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page.page !== undefined && page.lastPage !== undefined) {
    if (page.page > 1) {
      links.push(
        link('first', 'page', 1),
        link('prev', 'page', Math.min(page.page - 1, page.lastPage)),
      );
    }
    if (page.page < page.lastPage) {
      links.push(link('next', 'page', page.page + 1), link('last', 'page', page.lastPage));
    }
  } else if (page.nextPageId !== undefined) {
    links.push(link('next', 'pageId', page.nextPageId));
  }
  return links.length > 0 ? links.join(', ') : undefined;
}

function listAnswer(
  context: SimContext,
  request: SimRequest,
  collection: string,
  query: ListQuery,
): Answer {
  const page = listRecords(context.store, collection, query);
  const fields = request.query.get('fields');
  const tree = fields ? parseFields(fields) : undefined;
  const link = linkHeader(request, page);
  const headers = link ? { link } : undefined;
  if (tree)
    return jsonAnswer(
      200,
      page.records.map((record) => projectFields(record, tree)),
      headers,
    );
  return { status: 200, json: page.records, records: true, headers };
}

/** `GET <collection>` */
export function answerList(context: SimContext, request: ApiRequest): Answer {
  const { segments } = request.match;
  checkParent(context.store, segments);
  return listAnswer(context, request, segments.join('/'), listQuery(request));
}

/** `POST <collection>/search` with `{conditions, ...}`: a list with long conditions. */
export function answerSearch(context: SimContext, request: ApiRequest): Answer {
  const collection = request.match.segments.slice(0, -1);
  checkParent(context.store, collection);
  const filter = request.body.length === 0 ? {} : readJsonObject(request);
  return listAnswer(context, request, collection.join('/'), listQuery(request, filter));
}

/** `GET <collection>/count` */
export function answerCount(context: SimContext, request: ApiRequest): Answer {
  const collection = request.match.segments.slice(0, -1);
  checkParent(context.store, collection);
  return jsonAnswer(200, {
    count: countRecords(context.store, collection.join('/'), listQuery(request)),
  });
}
