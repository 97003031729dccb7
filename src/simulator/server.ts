/**
 * The simulator's HTTP server: each request is logged, its body read, faults and latency
 * applied, then it is dispatched and its answer written.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { errorAnswer, writeAnswer, type Answer } from './answers';
import { manageTimestamp } from './clock';
import { isControlPath } from './control-handlers';
import { dispatch } from './dispatch';
import { sendFault } from './fault-answers';
import { SLOW_FAULT_DELAY_MS } from './faults';
import { ManageHttpError, badRequest } from './manage-errors';
import { readMultipart, type MultipartPart } from './multipart';
import { logRequest } from './request-log';
import { mediaTypeOf } from './request-validation';
import { queryByName, readRequestBody, type SimRequest } from './sim-request';
import type { SimContext } from './simulator-context';
import { apiPathOf } from './site';

const internalError = (message: string): ManageHttpError =>
  new ManageHttpError(500, 'InternalServerError', message);

export function createRequestHandler(context: SimContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const pathname = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const params = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const entry = logRequest(context.log, context.logLimit, {
      time: manageTimestamp(context.clock.now()),
      method,
      pathname,
      params,
      headers: req.headers,
    });

    let body: Buffer;
    let parts: MultipartPart[] | undefined;
    try {
      body = await readRequestBody(req);
      const type = String(req.headers['content-type'] ?? '');
      if (body.length > 0 && mediaTypeOf(type) === 'multipart/form-data') {
        parts = await readMultipart(body, type);
      }
    } catch (err) {
      const error =
        err instanceof ManageHttpError ? err : badRequest('The request body could not be read');
      entry.status = error.status;
      if (!res.headersSent && !req.socket.destroyed) writeAnswer(res, errorAnswer(error));
      return;
    }

    const apiPath = apiPathOf(pathname);
    const fault = isControlPath(pathname)
      ? undefined
      : context.faults.take({ method, apiPath, fullPath: pathname });
    const delay =
      context.latencyMs + (fault?.delayMs ?? (fault?.kind === 'slow' ? SLOW_FAULT_DELAY_MS : 0));
    if (delay > 0) await context.timers.delay(delay);
    if (req.socket.destroyed) return;
    if (fault && fault.kind !== 'slow' && !fault.after) {
      sendFault(req, res, fault, entry);
      return;
    }

    const request: SimRequest = {
      method,
      pathname,
      apiPath,
      params,
      query: queryByName(params),
      headers: req.headers,
      body,
      parts,
      host: req.headers.host ?? new URL(context.siteUrl()).host,
      entry,
    };
    let answer: Answer;
    try {
      answer = dispatch(context, request);
    } catch (err) {
      answer = errorAnswer(
        err instanceof ManageHttpError ? err : internalError((err as Error).message),
      );
    }
    if (fault && fault.kind !== 'slow') {
      sendFault(req, res, fault, entry);
      return;
    }
    entry.status = answer.status;
    writeAnswer(res, answer);
  };
}

export interface HttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Closes the server and every connection, keep-alive ones too. */
  close(): Promise<void>;
}

/** Listens on host:port (0: a free port) with the handler. */
export async function startHttpServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
  host: string,
): Promise<HttpServer> {
  const listener: RequestListener = (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else writeAnswer(res, errorAnswer(internalError(String(err))));
    });
  };
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
