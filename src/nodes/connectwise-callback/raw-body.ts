/**
 * The exact bytes of a callback delivery. The signature covers the body as ConnectWise sent it,
 * but on a default Node-RED (`httpAdminRoot` and `httpNodeRoot` both `/`) the editor's JSON and
 * form parsers read every request before a node's route sees it, and the bytes are gone. So the
 * node taps its HTTP server: a `request` listener placed before Express notes, for the callback
 * paths only, every chunk the body stream hands to whoever reads it (a parser or the route
 * itself). Nothing else is changed: the parsers still get their data.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export const MAX_DELIVERY_BYTES = 5 * 1024 * 1024;

/** The part of Node-RED's `RED.server` (an http or https server) the tap uses. */
export type HttpServer = Pick<EventEmitter, 'prependListener' | 'removeListener'>;

type ParsedRequest = IncomingMessage & { body?: unknown; _body?: boolean };
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`the body is larger than ${MAX_DELIVERY_BYTES} bytes`);
  }
}

/** What the tap saw of one request's body. */
class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private tooLarge = false;
  private ended = false;
  private failure: Error | undefined;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly req: IncomingMessage) {
    const emit = req.emit.bind(req);
    // Every reader, flowing or paused, receives chunks through `emit('data')`.
    req.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'data') this.add(args[0]);
      else if (event === 'end') this.finish();
      else if (event === 'error' || event === 'aborted' || event === 'close') {
        if (!this.ended) this.finish(new Error('the connection closed before the body ended'));
      }
      return emit(event, ...args);
    }) as typeof req.emit;
  }

  /** The body once it has been read to the end, by a parser or (when nobody reads it) by us. */
  async bytes(): Promise<Buffer> {
    if (!this.ended) {
      const done = new Promise<void>((resolve) => this.waiting.push(resolve));
      // Nothing has started reading: read it ourselves (the chunks arrive through emit).
      if (this.req.readableFlowing !== true && !this.req.readableEnded) this.req.resume();
      await done;
    }
    if (this.failure) throw this.failure;
    if (this.tooLarge) throw new BodyTooLargeError();
    return Buffer.concat(this.chunks, this.size);
  }

  private add(chunk: unknown): void {
    if (this.tooLarge) return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    this.size += buffer.length;
    if (this.size > MAX_DELIVERY_BYTES) {
      this.tooLarge = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(buffer);
  }

  private finish(failure?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const captures = new WeakMap<IncomingMessage, BodyCapture>();

/** Lower case, no query, no trailing slash: how Express (case-insensitive, non-strict) matches. */
function routeKey(url: string): string {
  const path = url.split('?', 1)[0].toLowerCase();
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** One listener per server, shared by every callback node, watching the paths in use. */
class ServerTap {
  private readonly paths = new Map<string, number>();
  private readonly listener: RequestListener = (req) => {
    if (req.method === 'POST' && this.paths.has(routeKey(req.url ?? ''))) {
      captures.set(req, new BodyCapture(req));
    }
  };

  constructor(private readonly server: HttpServer) {}

  watch(path: string): () => void {
    const key = routeKey(path);
    if (this.paths.size === 0) this.server.prependListener('request', this.listener);
    this.paths.set(key, (this.paths.get(key) ?? 0) + 1);
    let watching = true;
    return () => {
      if (!watching) return;
      watching = false;
      const left = (this.paths.get(key) ?? 1) - 1;
      if (left > 0) this.paths.set(key, left);
      else this.paths.delete(key);
      if (this.paths.size === 0) this.server.removeListener('request', this.listener);
    };
  }
}

const taps = new WeakMap<HttpServer, ServerTap>();

/**
 * Starts noting the bodies of POST requests to `fullPath` (httpNodeRoot included) on `server`;
 * answers a function that stops it.
 */
export function tapRawBodies(server: HttpServer, fullPath: string): () => void {
  let tap = taps.get(server);
  if (!tap) {
    tap = new ServerTap(server);
    taps.set(server, tap);
  }
  return tap.watch(fullPath);
}

const inflaters: Record<string, (input: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/** The body as it was before any Content-Encoding: what the sender signed. */
async function decoded(req: IncomingMessage, body: Buffer): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  const inflate = inflaters[encoding];
  if (!inflate) throw new Error(`the body's content encoding ${encoding} is not supported`);
  const plain = await inflate(body);
  if (plain.length > MAX_DELIVERY_BYTES) throw new BodyTooLargeError();
  return plain;
}

function readStream(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DELIVERY_BYTES) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The request's body bytes: from the tap when it watched this request, else read from the stream.
 * Undefined means middleware read the body before this node without the tap seeing it, so the
 * exact bytes are lost.
 */
export async function readRawBody(req: ParsedRequest): Promise<Buffer | undefined> {
  const capture = captures.get(req);
  if (capture) return decoded(req, await capture.bytes());
  if (req._body || req.readableEnded) {
    return Buffer.isBuffer(req.body) ? decoded(req, req.body) : undefined;
  }
  return decoded(req, await readStream(req));
}
