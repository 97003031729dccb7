/**
 * The callback endpoint on Node-RED's httpNode: a POST route per node, removed again on close as
 * Node-RED's own http-in node does. Its body is read raw (see raw-body.ts).
 */
import type { Request, Response } from 'express';

export type DeliveryHandler = (req: Request, res: Response) => void;

/** The part of an Express app the node uses. */
export interface HttpNodeApp {
  post(path: string, handler: DeliveryHandler): unknown;
  _router?: { stack: RouteLayer[] };
}

interface RouteLayer {
  route?: { path?: string; stack?: { handle?: unknown }[] };
}

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
