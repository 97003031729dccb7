/**
 * Turning a successful answer into a CwResponse: bytes for files (by the request or by a content
 * type that is certainly not JSON), parsed JSON otherwise, a web page recognised as "not the
 * API", and `removeNulls` applied.
 */
import type { AxiosResponse } from 'axios';

import { notApiError } from './connection-settings';
import type { CwResponse } from './http-types';
import { requestError, type WireRequest } from './wire-request';

/** Content types that are certainly not JSON: answered as a Buffer even when JSON was expected. */
const BINARY_CONTENT_TYPE =
  /^(application\/(octet-stream|pdf|zip|x-zip-compressed|vnd\.openxmlformats[^;]*|msword)|image\/|audio\/|video\/)/i;

/** Response headers with lower-case names and one text value each. */
export function flattenHeaders(
  headers: AxiosResponse['headers'] | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  const source =
    typeof (headers as { toJSON?: () => unknown }).toJSON === 'function'
      ? ((headers as { toJSON: () => Record<string, unknown> }).toJSON() as Record<string, unknown>)
      : (headers as Record<string, unknown>);
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    result[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}

/** A web page rather than an API answer (a wrong host, a login page, a proxy's error page). */
export function looksLikeHtml(contentType: string, text: string): boolean {
  return /text\/html|application\/xhtml/i.test(contentType) || text.trimStart().startsWith('<');
}

/** The answer's bytes, whatever form the HTTP stack gave them in. */
export function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data);
  return Buffer.alloc(0);
}

/** `attachment; filename="a b.pdf"` or RFC 5987 `filename*=UTF-8''a%20b.pdf`. */
export function fileNameFromDisposition(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(value);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;]+))/i.exec(value);
  if (!plain) return undefined;
  const name = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim();
  return name || undefined;
}

/** Drops null fields at any depth (`removeNulls`); nulls inside lists stay, to keep positions. */
export function removeNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(removeNullFields);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (field !== null) result[key] = removeNullFields(field);
    }
    return result;
  }
  return value;
}

/** The CwResponse of a 2xx answer to `wire`; throws NOT_API or INVALID_RESPONSE. */
export function readResponse<T>(
  response: AxiosResponse,
  wire: WireRequest,
  removeNulls: boolean,
): CwResponse<T> {
  const headers = flattenHeaders(response.headers);
  const contentType = headers['content-type'] ?? '';
  const raw = toBuffer(response.data);
  const base = { status: response.status, headers, url: wire.url };
  if (wire.responseType === 'binary' || BINARY_CONTENT_TYPE.test(contentType)) {
    return {
      ...base,
      data: raw as T,
      contentType: contentType || undefined,
      fileName: fileNameFromDisposition(headers['content-disposition']),
    };
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return { ...base, data: null as T };
  if (looksLikeHtml(contentType, text)) {
    throw notApiError(wire.url, response.status, {
      method: wire.method,
      operationId: wire.operationId,
      responseHeaders: headers,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw requestError(
      'INVALID_RESPONSE',
      wire,
      `the answer is not valid JSON (${(err as Error).message})`,
      { statusCode: response.status, responseBody: text.slice(0, 2000), responseHeaders: headers },
    );
  }
  return { ...base, data: (removeNulls ? removeNullFields(data) : data) as T };
}
