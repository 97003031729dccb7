/**
 * Walking a ConnectWise list page by page: by the `Link` header's `next` (page numbers), or
 * forward-only by `pageId`. The generator holds one page at a time, asks for the next only when
 * the caller wants it, and says of each page whether it is the last one it will fetch, by one
 * stop rule that a single page read (`pagePosition`) shares.
 */
import { MAX_PAGE_SIZE, SERVER_DEFAULT_PAGE_SIZE } from '../shared/limits';
import { CwError } from './errors';
import type { CwResponse, PreparedRequest, QueryValue } from './http-types';

export interface CwPage {
  records: unknown[];
  response: CwResponse;
  /** 1 for the first page fetched, then 2, 3, ... */
  page: number;
  /** The page size asked for. */
  pageSize: number;
  /**
   * True when no further page will be fetched: the limit is reached, the page is empty, its
   * `Link` header has no `next`, or (without `Link`) it is short.
   */
  last: boolean;
  /** True when the limit stopped the reading before the list's end. */
  truncated: boolean;
}

export interface PagingOptions {
  /** Most records to deliver in total; the last page is cut to fit. Unset or 0: no limit. */
  limit?: number;
  /** Pages by `pageId` (records ordered by id) instead of page numbers; cheaper for big lists. */
  forwardOnly?: boolean;
}

/** Where one page read as asked for sits in its list (`msg.cw.paging` of a single page). */
export interface PagePosition {
  page: number;
  pageSize: number;
  hasNext: boolean;
  /** The next page's number (or `pageId` for forward-only lists), when there is one. */
  next?: number;
}

export { MAX_PAGE_SIZE, SERVER_DEFAULT_PAGE_SIZE };

const FORWARD_ONLY_HEADER = 'pagination-type';
const FORWARD_ONLY = 'forward-only';

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

/** The key of `name` in `record`, in whatever case it was written. */
function findKey(record: Record<string, unknown>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lower);
}

/** A request's numeric query parameter (any case of its name). */
function queryNumber(
  query: Record<string, QueryValue> | undefined,
  name: string,
): number | undefined {
  const key = query ? findKey(query, name) : undefined;
  if (query === undefined || key === undefined) return undefined;
  const number = Number(query[key]);
  return Number.isFinite(number) ? number : undefined;
}

/** A whole number in a link's query (`...?page=3`). */
function linkNumber(url: string, name: string): number | undefined {
  try {
    const parsed = new URL(url, 'http://link.invalid');
    for (const [key, value] of parsed.searchParams) {
      if (key.toLowerCase() === name.toLowerCase() && /^\d+$/.test(value)) return Number(value);
    }
  } catch {
    // not a URL: no number in it
  }
  return undefined;
}

function lastRecordId(records: readonly unknown[]): number | undefined {
  const last = records[records.length - 1];
  if (last && typeof last === 'object' && 'id' in last) {
    const id = (last as { id: unknown }).id;
    if (typeof id === 'number' && Number.isInteger(id)) return id;
  }
  return undefined;
}

function isForwardOnly(request: PreparedRequest): boolean {
  const key = request.headers ? findKey(request.headers, FORWARD_ONLY_HEADER) : undefined;
  return key !== undefined && request.headers?.[key].toLowerCase() === FORWARD_ONLY;
}

/**
 * The stop rule: the page (`page`, or `pageId` when forward-only) that follows one answer, or
 * undefined when the list ends there. `current` is the page number or pageId just asked for.
 */
function followingPage(
  response: CwResponse,
  records: readonly unknown[],
  pageSize: number,
  forwardOnly: boolean,
  current: number | undefined,
): number | undefined {
  if (records.length === 0) return undefined;
  const linkHeader = response.headers['link'];
  const next = parseLinkHeader(linkHeader).next;
  if (linkHeader !== undefined && next === undefined) return undefined;
  if (linkHeader === undefined && records.length < pageSize) return undefined;
  if (forwardOnly) {
    const pageId =
      (next !== undefined ? linkNumber(next, 'pageId') : undefined) ?? lastRecordId(records);
    // The same pageId again means the server ignored it: asking again would loop.
    return pageId === current ? undefined : pageId;
  }
  const page = current ?? 1;
  const nextPage = (next !== undefined ? linkNumber(next, 'page') : undefined) ?? page + 1;
  return nextPage > page ? nextPage : undefined;
}

/** Where a single page, read with `request` as it was asked for, sits in its list. */
export function pagePosition(request: PreparedRequest, response: CwResponse): PagePosition {
  const page = queryNumber(request.query, 'page') ?? 1;
  const pageSize = queryNumber(request.query, 'pageSize') ?? SERVER_DEFAULT_PAGE_SIZE;
  const records = Array.isArray(response.data) ? response.data : [];
  const forwardOnly = isForwardOnly(request);
  const current = forwardOnly ? queryNumber(request.query, 'pageId') : page;
  const next = followingPage(response, records, pageSize, forwardOnly, current);
  return next === undefined
    ? { page, pageSize, hasNext: false }
    : { page, pageSize, hasNext: true, next };
}

function notAList(request: PreparedRequest, response: CwResponse): CwError {
  return new CwError(
    'INVALID_RESPONSE',
    `${request.method.toUpperCase()} ${request.path}: expected a list of records, got ${
      response.data === null ? 'nothing' : typeof response.data
    }`,
    { operationId: request.operationId, method: request.method.toUpperCase(), url: response.url },
  );
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
  const forwardOnly = options.forwardOnly === true;
  const query: Record<string, QueryValue> = { ...(request.query ?? {}) };
  const headers: Record<string, string> = { ...(request.headers ?? {}) };

  const pageSizeKey = findKey(query, 'pageSize') ?? 'pageSize';
  if (query[pageSizeKey] === undefined) query[pageSizeKey] = Math.min(MAX_PAGE_SIZE, limit);
  const pageSize = Number(query[pageSizeKey]);

  const pageKey = findKey(query, 'page') ?? 'page';
  const pageIdKey = findKey(query, 'pageId') ?? 'pageId';
  const positionKey = forwardOnly ? pageIdKey : pageKey;
  if (forwardOnly) {
    headers[FORWARD_ONLY_HEADER] = FORWARD_ONLY;
    delete query[pageKey];
  } else if (query[pageKey] === undefined) {
    query[pageKey] = 1;
  }

  let delivered = 0;
  for (let pageNumber = 1; ; pageNumber += 1) {
    const response = await send({ ...request, query: { ...query }, headers: { ...headers } });
    if (!Array.isArray(response.data)) throw notAList(request, response);
    const fetched = response.data as unknown[];
    const records =
      delivered + fetched.length > limit ? fetched.slice(0, limit - delivered) : fetched;
    delivered += records.length;
    const current = queryNumber(query, positionKey);
    const following = followingPage(response, fetched, pageSize, forwardOnly, current);
    const limitReached = delivered >= limit;
    const truncated = limitReached && (records.length < fetched.length || following !== undefined);
    const last = limitReached || following === undefined;
    yield { records, response, page: pageNumber, pageSize, last, truncated };
    if (last || following === undefined) return;
    query[positionKey] = following;
  }
}
