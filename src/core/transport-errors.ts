/**
 * Every way a request can fail on the wire, as a CwError with ConnectWise's own words: HTTP
 * failures with `{code, message, errors}`, redirects and web pages (not the API), timeouts,
 * refused or dropped connections. Secrets are masked afterwards, by the client.
 */
import * as http from 'node:http';

import axios, { type AxiosError, type AxiosResponse } from 'axios';

import { notApiAdvice, notApiError } from './connection-settings';
import { CwError, type CwErrorDetail, type CwErrorOptions } from './errors';
import { QueueFullError, QueueTimeoutError } from './rate-limit';
import { flattenHeaders, looksLikeHtml, toBuffer } from './response-reading';
import { requestError, type WireRequest } from './wire-request';

interface ConnectWiseErrorBody {
  code?: unknown;
  error?: unknown;
  message?: unknown;
  errors?: unknown;
}

/**
 * True when the headers said success but the body never fully arrived: the only way a request
 * fails with a 2xx status, since every 2xx passes `validateStatus`.
 */
export function isCutOff(error: AxiosError): boolean {
  const status = error.response?.status;
  return status !== undefined && status >= 200 && status < 300;
}

export function closedError(wire: WireRequest): CwError {
  return requestError('NETWORK', wire, 'the connection was closed');
}

/** ConnectWise's `{code, message, errors}` into the error's details and a reason text. */
function connectWiseReason(
  body: ConnectWiseErrorBody,
  statusText: string,
  details: CwErrorOptions,
): string {
  const cwCode =
    typeof body.code === 'string'
      ? body.code
      : typeof body.error === 'string'
        ? body.error
        : undefined;
  const cwMessage = typeof body.message === 'string' ? body.message : undefined;
  details.cwCode = cwCode;
  details.cwMessage = cwMessage;
  details.errors = Array.isArray(body.errors) ? (body.errors as CwErrorDetail[]) : undefined;
  let reason = [cwCode ?? statusText, cwMessage].filter(Boolean).join(': ');
  const fieldErrors = (details.errors ?? [])
    .map((detail) => [detail.field, detail.message].filter(Boolean).join(': '))
    .filter(Boolean);
  if (fieldErrors.length > 0) reason += ` (${fieldErrors.join('; ')})`;
  return reason;
}

function httpFailure(response: AxiosResponse, wire: WireRequest, tries: string): CwError {
  const headers = flattenHeaders(response.headers);
  const contentType = headers['content-type'] ?? '';
  const text = toBuffer(response.data).toString('utf8');
  const status = response.status;
  const statusText = response.statusText || http.STATUS_CODES[status] || '';
  if (status >= 300 && status < 400) {
    return new CwError(
      'NOT_API',
      `the site answered a redirect to ${headers['location'] ?? 'another address'}, not the API: ` +
        notApiAdvice(wire.url),
      {
        statusCode: status,
        url: wire.url,
        method: wire.method,
        operationId: wire.operationId,
        responseHeaders: headers,
      },
    );
  }
  if (looksLikeHtml(contentType, text) && status < 500) {
    return notApiError(wire.url, status, {
      method: wire.method,
      operationId: wire.operationId,
      responseHeaders: headers,
    });
  }
  let body: unknown = text;
  try {
    body = text.trim() === '' ? null : JSON.parse(text);
  } catch {
    // a failure answer that is not JSON keeps its text
  }
  const details: CwErrorOptions = {
    statusCode: status,
    responseBody: body,
    responseHeaders: headers,
  };
  let reason = statusText;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    reason = connectWiseReason(body as ConnectWiseErrorBody, statusText, details);
  } else if (looksLikeHtml(contentType, text)) {
    reason += ' (the server answered a web page)';
  }
  return requestError('HTTP', wire, `${status} ${reason}`.trim() + tries, details);
}

/** The CwError for a failed attempt at `wire` (after any retries). */
export function transportError(err: unknown, wire: WireRequest, timeoutMs: number): CwError {
  // Nothing was sent for this attempt: the connection's queue gave up on it.
  if (err instanceof QueueTimeoutError) {
    return requestError('QUEUE_TIMEOUT', wire, `not sent: it ${err.message}`);
  }
  if (err instanceof QueueFullError) {
    return requestError('QUEUE_FULL', wire, `not sent: ${err.message} on this connection`);
  }
  if (!axios.isAxiosError(err)) {
    return requestError('NETWORK', wire, (err as Error)?.message ?? String(err));
  }
  const attempts = 1 + Number(err.config?.['axios-retry']?.retryCount ?? 0);
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (err.response && isCutOff(err)) {
    return requestError(
      'NETWORK',
      wire,
      `the connection closed before the whole answer arrived${tries}`,
    );
  }
  if (!err.response) {
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') {
      return requestError('TIMEOUT', wire, `no answer within ${timeoutMs / 1000} s${tries}`);
    }
    return requestError('NETWORK', wire, `${err.code ?? 'network error'}: ${err.message}${tries}`);
  }
  return httpFailure(err.response, wire, tries);
}
