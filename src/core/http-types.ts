/** What the request builder hands the client, and what the client answers. */
import type { HttpMethod } from '../shared/catalog-types';

export type QueryValue = string | number | boolean;

export interface PreparedRequest {
  method: HttpMethod;
  /** Path relative to the API base (`/service/tickets/12`), path parameters already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: unknown;
  /** `binary` answers a Buffer; `json` parses JSON (an empty body is `null`). */
  responseType?: 'json' | 'binary';
  operationId?: string;
  /** The member (identifier) to act as: sent with that member's token (impersonation). */
  actAs?: string;
}

export interface CwResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  data: T;
  /** The full request URL, without credentials. */
  url: string;
  /** For binary answers: content type and the file name from Content-Disposition. */
  contentType?: string;
  fileName?: string;
}

/** Resolved settings of one connection, as the client needs them. */
export interface ClientSettings {
  /** `https://api-na.myconnectwise.net/v4_6_release/apis/3.0` */
  baseUrl: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  apiVersion?: string;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  ratePerMinute: number;
  /** Longest a request waits in the connection's queue before it is sent; unset: no bound. */
  maxWaitMs?: number;
  /** Most requests waiting in the connection's queue; unset: no bound. */
  maxQueue?: number;
  removeNulls: boolean;
  /** Requests may act as a member (`actAs`), sent with that member's token. */
  allowImpersonation?: boolean;
}

export type LogLevel = 'debug' | 'warn';

/** Where a client's log lines go; every line is redacted first. */
export type ClientLog = (level: LogLevel, message: string) => void;
