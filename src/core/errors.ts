/**
 * One error type for everything the package reports, with a short machine-readable code, so one
 * handler can turn any failure into a red status and `done(err)`.
 */

export type CwErrorCode =
  | 'INPUT' // bad input from the message or the node's settings: nothing was sent
  | 'CONFIG' // the connection's settings are incomplete or malformed
  | 'CATALOG' // the OpenAPI document is missing or not a ConnectWise one
  | 'HTTP' // the server answered with a failure status
  | 'NETWORK' // no answer: refused, reset, DNS
  | 'TIMEOUT' // no answer in time
  | 'NOT_API' // the site answered a web page, not the API
  | 'INVALID_RESPONSE' // the server's answer could not be read
  | 'QUEUE_TIMEOUT' // waited its longest in the connection's queue: not sent
  | 'QUEUE_FULL' // the connection's queue was full: not sent
  | 'CONFLICT'; // the record kept changing while an update was merged: not sent

export interface CwErrorDetail {
  code?: string;
  message?: string;
  resource?: string;
  field?: string;
}

export interface CwErrorOptions {
  /** The input field or body path at fault (`params.id`, `body.summary`). */
  field?: string;
  statusCode?: number;
  /** ConnectWise's own error code and message, and its per-field list. */
  cwCode?: string;
  cwMessage?: string;
  errors?: CwErrorDetail[];
  operationId?: string;
  method?: string;
  /** The request URL; never carries credentials. */
  url?: string;
  /** The failed response body, for "return HTTP failures as messages". */
  responseBody?: unknown;
  responseHeaders?: Record<string, string>;
  cause?: unknown;
}

export class CwError extends Error {
  readonly code: CwErrorCode;
  readonly field?: string;
  readonly statusCode?: number;
  readonly cwCode?: string;
  readonly cwMessage?: string;
  readonly errors?: CwErrorDetail[];
  readonly operationId?: string;
  readonly method?: string;
  readonly url?: string;
  readonly responseBody?: unknown;
  readonly responseHeaders?: Record<string, string>;

  constructor(code: CwErrorCode, message: string, options: CwErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CwError';
    this.code = code;
    this.field = options.field;
    this.statusCode = options.statusCode;
    this.cwCode = options.cwCode;
    this.cwMessage = options.cwMessage;
    this.errors = options.errors;
    this.operationId = options.operationId;
    this.method = options.method;
    this.url = options.url;
    this.responseBody = options.responseBody;
    this.responseHeaders = options.responseHeaders;
  }

  /** Node-RED shows `err.toString()` to Catch nodes and the debug sidebar: keep it the message. */
  override toString(): string {
    return this.message;
  }
}

/** Bad input: names the field and what is wrong with it. Nothing has been sent. */
export function inputError(field: string, problem: string, operationId?: string): CwError {
  return new CwError('INPUT', `${field}: ${problem}`, { field, operationId });
}

export function isCwError(value: unknown): value is CwError {
  return value instanceof CwError;
}
