/**
 * The callback endpoint on Node-RED's httpNode: a POST route whose body is read raw, because the
 * signature covers the exact bytes ConnectWise sent (a JSON parser in front would lose them).
 * Routes are removed again on close, as Node-RED's own http-in node does.
 */
import type { IncomingMessage } from 'node:http';

import type { Request, Response } from 'express';

export const MAX_DELIVERY_BYTES = 5 * 1024 * 1024;

export type DeliveryHandler = (req: Request, res: Response) => void;

/** The part of an Express app the node uses. */
export interface HttpNodeApp {
  post(path: string, handler: DeliveryHandler): unknown;
  _router?: { stack: RouteLayer[] };
}

interface RouteLayer {
  route?: { path?: string; stack?: { handle?: unknown }[] };
}

type MaybeParsedRequest = IncomingMessage & { body?: unknown; _body?: boolean };

/** Paths in use per app, so two callback nodes never answer on the same path. */
const pathsInUse = new WeakMap<object, Map<string, string>>();

export class RouteConflictError extends Error {}

/** Registers `handler` for POST `path`; answers a function that removes it again. */
export function addDeliveryRoute(
  app: HttpNodeApp,
  path: string,
  owner: string,
  handler: DeliveryHandler,
): () => void {
  let used = pathsInUse.get(app);
  if (!used) {
    used = new Map();
    pathsInUse.set(app, used);
  }
  const holder = used.get(path.toLowerCase());
  if (holder !== undefined && holder !== owner) {
    throw new RouteConflictError(
      `path: ${path} is already the endpoint of callback node ${holder}`,
    );
  }
  used.set(path.toLowerCase(), owner);
  app.post(path, handler);
  return () => {
    if (used.get(path.toLowerCase()) === owner) used.delete(path.toLowerCase());
    const stack = app._router?.stack;
    if (!stack) return;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i].route?.stack?.some((layer) => layer.handle === handler)) stack.splice(i, 1);
    }
  };
}

/**
 * The request's body bytes. A body some middleware already read is usable only if it was kept
 * as bytes; undefined then means the raw body is lost and the delivery cannot be verified.
 */
export function readRawBody(req: MaybeParsedRequest): Promise<Buffer | undefined> {
  if (req._body || req.readableEnded) {
    return Promise.resolve(Buffer.isBuffer(req.body) ? req.body : undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DELIVERY_BYTES) {
        reject(new Error(`the body is larger than ${MAX_DELIVERY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
