/**
 * HTTP servers on a free loopback port, for the parts of a test that something else calls over
 * the network (Node-RED's httpNode, a callback's public URL, a key URL).
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { nodeRed } from './node-red-under-test';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Drops open connections and stops listening. */
  stop(): Promise<void>;
}

export async function startLoopbackServer(listener: RequestListener): Promise<LoopbackServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What a node module is handed of Node-RED's HTTP side. */
export interface NodeRedHttpApps {
  httpAdmin?: RequestListener;
  httpNode?: RequestListener;
}

export interface NodeRedHttpOptions {
  /** Default `/`, as in Node-RED's settings. */
  httpAdminRoot?: string;
  /** Default `/`, as in Node-RED's settings. */
  httpNodeRoot?: string;
}

export interface NodeRedHttpServer extends LoopbackServer {
  /** The server itself: what `RED.server` is in a real Node-RED. */
  server: Server;
}

type Next = (err?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
interface ExpressApp extends RequestListener {
  use(path: string, handler: Middleware): void;
}

/**
 * Serves Node-RED's admin app and node app on one server the way red.js does: one Express app,
 * the admin app mounted first at httpAdminRoot, then httpNode at httpNodeRoot. With both at `/`
 * every request passes the admin app's JSON and form parsers before reaching a node's route.
 * `apps()` is asked on each request, so the server can start before a flow is loaded.
 */
export async function startNodeRedHttp(
  apps: () => NodeRedHttpApps,
  options: NodeRedHttpOptions = {},
): Promise<NodeRedHttpServer> {
  const express = nodeRed.load('express') as () => ExpressApp;
  const app = express();
  const mount = (root: string | undefined, pick: (found: NodeRedHttpApps) => unknown): void => {
    app.use(root ?? '/', (req, res, next) => {
      const handler = pick(apps()) as Middleware | undefined;
      if (handler) handler(req, res, next);
      else next();
    });
  };
  mount(options.httpAdminRoot, (found) => found.httpAdmin);
  mount(options.httpNodeRoot, (found) => found.httpNode);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
