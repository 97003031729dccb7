/**
 * How answers become messages and status texts: `msg.cw` describes the request (never with
 * credentials), paging info says where in a list a message sits, and failures returned as
 * messages carry the server's answer.
 */
import type { CwError, CwErrorDetail } from '../../core/errors';
import type { CwResponse } from '../../core/http-types';
import type { PagePosition } from '../../core/paging';
import type { OperationDetail } from '../../shared/catalog-types';

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
  paging?: PagePosition | AllPagesInfo | StreamPageInfo | StreamRecordInfo;
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
