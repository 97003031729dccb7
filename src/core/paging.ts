/**
 * Walking a ConnectWise list page by page: by the `Link` header's `next` (page numbers), or
 * forward-only by `pageId`. The generator holds one page at a time and asks for the next only when
 * the caller wants it.
 */
import { CwError } from './errors';
import type { CwResponse, PreparedRequest, QueryValue } from './http-types';

export interface CwPage {
  records: unknown[];
  response: CwResponse;
  /** 1 for the first page fetched, then 2, 3, ... */
  page: number;
}

export interface PagingOptions {
  /** Most records to deliver in total; the last page is cut to fit. Unset or 0: no limit. */
  limit?: number;
  /** Pages by `pageId` (records ordered by id) instead of page numbers; cheaper for big lists. */
  forwardOnly?: boolean;
}

export const MAX_PAGE_SIZE = 1000;

/** RFC 5988 `Link` header into `{rel: url}`; a value with several rels is stored under each. */
export function parseLinkHeader(value: string | undefined | null): Record<string, string> {
  const links: Record<string, string> = {};
  if (!value) return links;
  // Split on commas that start a new `<...>` entry; URLs may themselves contain commas.
  for (const entry of value.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*(.*)$/s.exec(entry);
    if (!match) continue;
    const [, url, rest] = match;
    const relMatch = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(rest);
    if (!relMatch) continue;
    for (const rel of (relMatch[1] ?? relMatch[2]).split(/\s+/).filter(Boolean)) {
      links[rel.toLowerCase()] = url;
    }
  }
  return links;
}

function findKey(record: Record<string, unknown>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lower);
}

function queryParamOf(url: string, name: string): number | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://link.invalid');
  } catch {
    return undefined;
  }
  for (const [key, value] of parsed.searchParams) {
    if (key.toLowerCase() === name.toLowerCase()) {
      const number = Number(value);
      return Number.isInteger(number) ? number : undefined;
    }
  }
  return undefined;
}

function lastRecordId(records: unknown[]): number | undefined {
  const last = records[records.length - 1];
  if (last && typeof last === 'object' && 'id' in last) {
    const id = (last as { id: unknown }).id;
    if (typeof id === 'number' && Number.isInteger(id)) return id;
  }
  return undefined;
}

/**
 * Sends `request` page after page through `send`. The caller's `page`/`pageId` are where it
 * starts; without a `pageSize` it asks for the largest page (or the limit, when smaller).
 */
export async function* pageThrough(
  send: (request: PreparedRequest) => Promise<CwResponse>,
  request: PreparedRequest,
  options: PagingOptions = {},
): AsyncGenerator<CwPage, void, undefined> {
  const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  const query: Record<string, QueryValue> = { ...(request.query ?? {}) };
  const headers: Record<string, string> = { ...(request.headers ?? {}) };

  const pageSizeKey = findKey(query, 'pageSize') ?? 'pageSize';
  if (query[pageSizeKey] === undefined) query[pageSizeKey] = Math.min(MAX_PAGE_SIZE, limit);
  const pageSize = Number(query[pageSizeKey]);

  const pageKey = findKey(query, 'page') ?? 'page';
  const pageIdKey = findKey(query, 'pageId') ?? 'pageId';
  if (options.forwardOnly) {
    headers['pagination-type'] = 'forward-only';
    delete query[pageKey];
  } else if (query[pageKey] === undefined) {
    query[pageKey] = 1;
  }

  let delivered = 0;
  for (let pageNumber = 1; ; pageNumber += 1) {
    const response = await send({ ...request, query: { ...query }, headers: { ...headers } });
    if (!Array.isArray(response.data)) {
      throw new CwError(
        'INVALID_RESPONSE',
        `${request.method.toUpperCase()} ${request.path}: expected a list of records, got ${
          response.data === null ? 'nothing' : typeof response.data
        }`,
        {
          operationId: request.operationId,
          method: request.method.toUpperCase(),
          url: response.url,
        },
      );
    }
    const fetched = response.data as unknown[];
    const records =
      delivered + fetched.length > limit ? fetched.slice(0, limit - delivered) : fetched;
    delivered += records.length;
    yield { records, response, page: pageNumber };
    if (delivered >= limit || fetched.length === 0) return;

    const linkHeader = response.headers['link'];
    const next = parseLinkHeader(linkHeader).next;
    if (linkHeader !== undefined && next === undefined) return;
    if (linkHeader === undefined && fetched.length < pageSize) return;

    if (options.forwardOnly) {
      const nextPageId =
        (next !== undefined ? queryParamOf(next, 'pageId') : undefined) ?? lastRecordId(fetched);
      if (nextPageId === undefined) return;
      if (query[pageIdKey] === nextPageId) return; // no progress: the server ignored pageId
      query[pageIdKey] = nextPageId;
    } else {
      const current = Number(query[pageKey]);
      const nextPage = (next !== undefined ? queryParamOf(next, 'page') : undefined) ?? current + 1;
      if (nextPage <= current) return;
      query[pageKey] = nextPage;
    }
  }
}
