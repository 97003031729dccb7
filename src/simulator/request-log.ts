/** The simulator's log of the requests it received, secrets masked. */
import type { IncomingMessage } from 'node:http';

import type { FaultKind } from './faults';

export interface RequestLogEntry {
  /** When the request arrived, by the simulator's clock (ISO). */
  time: string;
  /** When it arrived, in epoch milliseconds of the real clock (for measuring request rates). */
  receivedAt: number;
  method: string;
  /** The full request path, without the query. */
  path: string;
  query: Record<string, string | string[]>;
  /** Request headers; Authorization and clientId read `***`. */
  headers: Record<string, string>;
  /** 0 when the connection was dropped before any answer. */
  status: number;
  /** The request body: parsed JSON, or a summary of multipart parts. */
  body?: unknown;
  /** The fault that answered, if one did. */
  fault?: FaultKind;
}

function maskHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] =
      name === 'authorization' || name === 'clientid'
        ? '***'
        : Array.isArray(value)
          ? value.join(', ')
          : value;
  }
  return out;
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** Adds the entry of a request that has just arrived; its status is set once it is answered. */
export function logRequest(
  log: RequestLogEntry[],
  limit: number,
  request: {
    time: string;
    method: string;
    pathname: string;
    params: URLSearchParams;
    headers: IncomingMessage['headers'];
  },
): RequestLogEntry {
  const entry: RequestLogEntry = {
    time: request.time,
    receivedAt: Date.now(),
    method: request.method,
    path: request.pathname,
    query: queryObject(request.params),
    headers: maskHeaders(request.headers),
    status: 0,
  };
  log.push(entry);
  // Trimmed in batches, not on every request.
  if (log.length > limit * 2) log.splice(0, log.length - limit);
  return entry;
}
