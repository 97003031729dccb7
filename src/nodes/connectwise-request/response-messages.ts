/**
 * How answers become messages and status texts: `msg.cw` describes the request (never with
 * credentials), paging info says where in a list a message sits, and failures returned as
 * messages carry the server's answer.
 */
import type { CwError, CwErrorDetail } from '../../core/errors';
import type { CwResponse, PreparedRequest } from '../../core/http-types';
import { parseLinkHeader } from '../../core/paging';
import type { OperationDetail } from '../../shared/catalog-types';

/** ConnectWise's page size when a list request names none. */
export const SERVER_DEFAULT_PAGE_SIZE = 25;

export interface PageInfo {
  page: number;
  pageSize: number;
  hasNext: boolean;
  /** The next page's number (or `pageId` for forward-only lists), when there is one. */
  next?: number;
}

export interface AllPagesInfo {
  pages: number;
  count: number;
  /** True when the record limit stopped the reading before the list's end. */
  truncated: boolean;
  limit?: number;
}

export interface StreamPageInfo {
  page: number;
  count: number;
  last: boolean;
}

export interface StreamRecordInfo {
  /** Position of the record in the whole list, from 0. */
  index: number;
  page: number;
  last: boolean;
}

export interface FailureInfo {
  code: string;
  message: string;
  statusCode?: number;
  cwCode?: string;
  cwMessage?: string;
  errors?: CwErrorDetail[];
}

export interface RequestDescription {
  operationId: string;
  method: string;
  /** The full request URL, without credentials. */
  url: string;
  description: string;
  paging?: PageInfo | AllPagesInfo | StreamPageInfo | StreamRecordInfo;
  count?: number;
  fileName?: string;
  contentType?: string;
  error?: FailureInfo;
}

export function describeRequest(op: OperationDetail, response: CwResponse): RequestDescription {
  const description: RequestDescription = {
    operationId: op.operationId,
    method: op.method.toUpperCase(),
    url: response.url,
    description: op.summary,
  };
  if (response.fileName) description.fileName = response.fileName;
  if (response.contentType && Buffer.isBuffer(response.data)) {
    description.contentType = response.contentType;
  }
  return description;
}

function numberParam(url: string, name: string): number | undefined {
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

function queryNumber(request: PreparedRequest, name: string): number | undefined {
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (key.toLowerCase() === name.toLowerCase()) {
      const number = Number(value);
      return Number.isFinite(number) ? number : undefined;
    }
  }
  return undefined;
}

/** Where one page of a list sits, from the request and the `Link` header. */
export function pageInfoOf(request: PreparedRequest, response: CwResponse): PageInfo {
  const page = queryNumber(request, 'page') ?? 1;
  const pageSize = queryNumber(request, 'pageSize') ?? SERVER_DEFAULT_PAGE_SIZE;
  const records = Array.isArray(response.data) ? response.data.length : 0;
  const linkHeader = response.headers['link'];
  const nextLink = parseLinkHeader(linkHeader).next;
  const hasNext = linkHeader !== undefined ? nextLink !== undefined : records >= pageSize;
  const info: PageInfo = { page, pageSize, hasNext };
  if (hasNext) {
    const next =
      nextLink !== undefined
        ? (numberParam(nextLink, 'page') ?? numberParam(nextLink, 'pageId'))
        : page + 1;
    if (next !== undefined) info.next = next;
  }
  return info;
}

/**
 * Whether a page is the list's last, by the same rules the pager stops on: the limit reached, an
 * empty page, a `Link` header without `next`, or (without `Link`) a short page.
 */
export function isLastPage(
  response: CwResponse,
  pageSize: number,
  delivered: number,
  limit: number,
): boolean {
  const fetched = Array.isArray(response.data) ? response.data.length : 0;
  if (limit > 0 && delivered >= limit) return true;
  if (fetched === 0) return true;
  const linkHeader = response.headers['link'];
  if (linkHeader !== undefined) return parseLinkHeader(linkHeader).next === undefined;
  return fetched < pageSize;
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

function byteSize(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** `200 · 25 records`, `201 created`, `204 deleted`, `200 · count 42`, `200 · report.pdf`. */
export function statusTextFor(
  op: OperationDetail,
  response: CwResponse,
  recordCount?: number,
): string {
  const status = response.status;
  if (Buffer.isBuffer(response.data)) {
    return `${status} · ${response.fileName ?? byteSize(response.data.length)}`;
  }
  if (recordCount !== undefined) return `${status} · ${plural(recordCount, 'record')}`;
  if (Array.isArray(response.data)) return `${status} · ${plural(response.data.length, 'record')}`;
  if (op.responseKind === 'count' && countOf(response.data) !== undefined) {
    return `${status} · count ${countOf(response.data)}`;
  }
  if (status === 201) return '201 created';
  if (status === 204) return op.method === 'delete' ? '204 deleted' : '204 no content';
  return `${status} OK`;
}

export function countOf(data: unknown): number | undefined {
  if (data !== null && typeof data === 'object' && 'count' in data) {
    const count = (data as { count: unknown }).count;
    return typeof count === 'number' ? count : undefined;
  }
  return undefined;
}

export function failureInfo(err: CwError): FailureInfo {
  const info: FailureInfo = { code: err.code, message: err.message };
  if (err.statusCode !== undefined) info.statusCode = err.statusCode;
  if (err.cwCode !== undefined) info.cwCode = err.cwCode;
  if (err.cwMessage !== undefined) info.cwMessage = err.cwMessage;
  if (err.errors !== undefined) info.errors = err.errors;
  return info;
}

/** `msg.cw` of an HTTP failure sent on as a message ("return HTTP failures"). */
export function describeFailure(op: OperationDetail, err: CwError): RequestDescription {
  return {
    operationId: op.operationId,
    method: err.method ?? op.method.toUpperCase(),
    url: err.url ?? '',
    description: op.summary,
    error: failureInfo(err),
  };
}
