/**
 * One PreparedRequest as it goes on the wire: the full URL, the connection's own headers (Basic
 * auth, clientId, Accept with the pinned API version) over the caller's, and the body's bytes.
 * Also names a wire request in error messages (`GET /service/tickets/7 failed: ...`).
 */
import { CwError, type CwErrorCode, type CwErrorOptions } from './errors';
import type { ClientSettings, PreparedRequest } from './http-types';
import { isRawBody } from './request-body';
import { requestUrl } from './request-url';

export interface WireRequest {
  method: string;
  /** Path relative to the base, as shown in messages. */
  path: string;
  url: string;
  headers: Record<string, string>;
  data?: unknown;
  responseType: 'json' | 'binary';
  operationId?: string;
}

/** The headers a connection sends with every request; they replace a caller's of any case. */
export interface ConnectionHeaders {
  authorization: string;
  clientId: string;
  /** The JSON media type to accept: the pinned API version's, or plain JSON. */
  accept: string;
}

export function connectionHeaders(settings: ClientSettings): ConnectionHeaders {
  const basic = `${settings.companyId}+${settings.publicKey}:${settings.privateKey}`;
  return {
    authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
    clientId: settings.clientId,
    accept: settings.apiVersion
      ? `application/vnd.connectwise.com+json; version=${settings.apiVersion}`
      : 'application/json',
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === lower);
}

function removeHeader(headers: Record<string, string>, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) delete headers[key];
  }
}

/** Sets `name`, dropping any header of the same name in another case. */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  removeHeader(headers, name);
  headers[name] = value;
}

export function toWireRequest(
  req: PreparedRequest,
  baseUrl: string,
  own: ConnectionHeaders,
): WireRequest {
  const method = req.method.toUpperCase();
  const responseType = req.responseType ?? 'json';
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (!hasHeader(headers, 'accept')) {
    headers.Accept = responseType === 'binary' ? `${own.accept}, */*;q=0.8` : own.accept;
  }
  setHeader(headers, 'Authorization', own.authorization);
  setHeader(headers, 'clientId', own.clientId);
  let data: unknown;
  if (req.body === undefined || req.body instanceof FormData) {
    // No body, no content type; a form's type carries the boundary the transport writes.
    removeHeader(headers, 'Content-Type');
  }
  if (req.body !== undefined) {
    if (isRawBody(req.body)) {
      data = req.body;
    } else {
      data = JSON.stringify(req.body);
      setHeader(headers, 'Content-Type', 'application/json');
    }
  }
  return {
    method,
    path: req.path.startsWith('/') ? req.path : `/${req.path}`,
    url: requestUrl(baseUrl, req.path, req.query),
    headers,
    data,
    responseType,
    operationId: req.operationId,
  };
}

/** An error about `wire`, its message led by the method and path. */
export function requestError(
  code: CwErrorCode,
  wire: WireRequest,
  problem: string,
  details: CwErrorOptions = {},
): CwError {
  return new CwError(code, `${wire.method} ${wire.path} failed: ${problem}`, {
    ...details,
    method: wire.method,
    url: wire.url,
    operationId: wire.operationId,
  });
}
