/**
 * HTTP servers on a free loopback port, for the parts of a test that something else calls over
 * the network (Node-RED's httpNode, a callback's public URL, a key URL).
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/**
 * Serves whatever `httpNode()` returns when a request arrives, so the server can start before
 * Node-RED has loaded a flow; until then every request gets 503.
 */
export function startHttpNodeServer(
  httpNode: () => RequestListener | undefined,
): Promise<LoopbackServer> {
  return startLoopbackServer((req, res) => {
    const app = httpNode();
    if (app) app(req, res);
    else {
      res.statusCode = 503;
      res.end();
    }
  });
}
