/** What each switchable fault sends instead of the real answer (or on top of it). */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { jsonAnswer, writeAnswer, type Answer } from './answers';
import type { FaultKind, PendingFault } from './faults';
import type { RequestLogEntry } from './request-log';
import { API_VERSION } from './site';

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>ConnectWise Manage - Login</title></head><body>' +
  '<form id="login" method="post"><h1>Login</h1><label>Company <input name="company"></label>' +
  '<label>Username <input name="user"></label><label>Password <input type="password" name="password"></label>' +
  '<button type="submit">Login</button></form></body></html>';

const BAD_GATEWAY_PAGE =
  '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';

/** The faults that answer in full; the others break the connection. */
const FAULT_ANSWERS: Partial<Record<FaultKind, (fault: PendingFault) => Answer>> = {
  '429': (fault) =>
    jsonAnswer(
      429,
      { error: 'ConnectWiseAPI', message: 'Too many requests. Please try again in 30 seconds.' },
      { 'retry-after': String(fault.retryAfter ?? 1) },
    ),
  '500': () =>
    jsonAnswer(500, {
      code: 'InternalServerError',
      message: 'A timeout has occured. Please try again.',
    }),
  '502': () => ({ status: 502, bytes: Buffer.from(BAD_GATEWAY_PAGE), contentType: 'text/html' }),
  '503': (fault) =>
    jsonAnswer(
      503,
      {
        code: 'ServiceUnavailable',
        message: 'The service is temporarily unavailable. Please try again.',
        errors: [],
      },
      fault.retryAfter === undefined ? undefined : { 'retry-after': String(fault.retryAfter) },
    ),
  'invalid-json': () => ({
    status: 200,
    bytes: Buffer.from('[{"id":1,"summary":"Printer offline in recep', 'utf8'),
    contentType: 'application/json; charset=utf-8',
  }),
  html: () => ({
    status: 200,
    bytes: Buffer.from(LOGIN_PAGE, 'utf8'),
    contentType: 'text/html; charset=utf-8',
  }),
};

/** Answers with the fault (a `slow` fault only delays, so it sends nothing here). */
export function sendFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: PendingFault,
  entry: RequestLogEntry,
): void {
  entry.fault = fault.kind;
  const answer = FAULT_ANSWERS[fault.kind]?.(fault);
  if (answer) {
    entry.status = answer.status;
    writeAnswer(res, answer);
    return;
  }
  switch (fault.kind) {
    case 'drop':
      entry.status = 0;
      req.socket.destroy();
      return;
    case 'drop-mid-body': {
      entry.status = 200;
      const partial =
        '[{"id":1,"summary":"Printer offline in reception","board":{"id":1,"name":"Help';
      res.writeHead(200, {
        'api-current-version': API_VERSION,
        'content-type': 'application/json; charset=utf-8',
        'content-length': 4096,
      });
      res.write(partial, () => req.socket.destroy());
      return;
    }
    default:
      return;
  }
}
