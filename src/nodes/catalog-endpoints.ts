/**
 * Admin endpoints the editor asks for the operation catalog: the index once per session (it is
 * large, so it is served with a strong ETag and gzip) and one operation's detail at a time.
 *
 * The catalog is named by a connection, never by a path: `connection=<node id>` of a deployed
 * connection (read permission), or the editor's pending connection settings posted by a user
 * who may write connections. So the runtime reads only OpenAPI documents that a connection
 * names, and a read-only user learns nothing about other files.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';

import type {
  CatalogIndex,
  OperationDetail,
  OperationSummary,
  ResponseKind,
  SchemaObject,
} from '../shared/catalog-types';
import { getCatalog, type Catalog } from '../core/catalog-store';
import { isCwError } from '../core/errors';
import { resourceFields } from '../shared/conditions-builder/schema-fields';
import { CONNECTION_WRITE_PERMISSION } from './connectwise-connection';
import { documentCatalog } from './connectwise-connection/document-catalog';

export const CATALOG_ROUTE = '/connectwise-manage/catalog';
export const OPERATION_ROUTE = '/connectwise-manage/catalog/operations/:operationId';
export const PENDING_CATALOG_ROUTE = '/connectwise-manage/catalog/pending';
export const PENDING_OPERATION_ROUTE =
  '/connectwise-manage/catalog/pending/operations/:operationId';
export const CATALOG_PERMISSION = 'connectwise-request.read';

/** The parts of the compiled catalog these endpoints read. */
interface CatalogView {
  index(): CatalogIndex;
  operation(operationId: string): OperationDetail | undefined;
  sampleBody(operationId: string): unknown;
  schema(name: string): SchemaObject | undefined;
}

interface PreparedIndex {
  json: Buffer;
  gzip: Buffer;
  etag: string;
}

const RESPONSE_KINDS: readonly ResponseKind[] = ['list', 'object', 'count', 'none', 'binary'];

/** Serialised index per catalog and kind filter: built once, answered many times. */
const preparedIndexes = new WeakMap<object, Map<string, PreparedIndex>>();
const registeredApps = new WeakSet<object>();

class BadRequest extends Error {}
class NotFound extends Error {}

export function registerCatalogEndpoints(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (registeredApps.has(app)) return;
  registeredApps.add(app);
  const canRead = RED.auth.needsPermission(CATALOG_PERMISSION);

  const canWrite = RED.auth.needsPermission(CONNECTION_WRITE_PERMISSION);
  const deployed = (req: Request) => deployedCatalog(RED, req);
  const pending = (req: Request) => pendingCatalog(req);
  app.get(CATALOG_ROUTE, canRead, (req: Request, res: Response) =>
    answerIndex(req, res, deployed, req.query.kind),
  );
  app.post(PENDING_CATALOG_ROUTE, canWrite, (req: Request, res: Response) =>
    answerIndex(req, res, pending, bodyOf(req).kind),
  );
  app.get(OPERATION_ROUTE, canRead, (req: Request, res: Response) =>
    answerOperation(req, res, deployed),
  );
  app.post(PENDING_OPERATION_ROUTE, canWrite, (req: Request, res: Response) =>
    answerOperation(req, res, pending),
  );
}

type CatalogSource = (req: Request) => CatalogView;

function answerIndex(req: Request, res: Response, source: CatalogSource, kind: unknown): void {
  try {
    const catalog = source(req);
    const kinds = kindFilter(kind);
    const prepared = preparedIndex(catalog, kinds);
    res.set('ETag', prepared.etag);
    // The editor keeps the index in memory; the browser may revalidate with If-None-Match.
    res.set('Cache-Control', 'private, no-cache');
    res.set('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === prepared.etag) {
      res.status(304).end();
      return;
    }
    res.type('application/json');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      res.set('Content-Encoding', 'gzip');
      res.send(prepared.gzip);
    } else {
      res.send(prepared.json);
    }
  } catch (err) {
    sendError(res, err);
  }
}

function answerOperation(req: Request, res: Response, source: CatalogSource): void {
  try {
    const catalog = source(req);
    const operationId = String(req.params.operationId);
    const operation = catalog.operation(operationId);
    if (!operation) {
      res.status(404).json({ error: `unknown operation ${operationId}` });
      return;
    }
    const answer: { operation: OperationDetail; sampleBody?: unknown; fieldPaths?: string[] } = {
      operation,
    };
    // A list's record fields, for the watched fields of the poll form.
    if (operation.responseKind === 'list' && operation.responseSchema) {
      // The same fields the conditions builder offers: one reading of a list's schema.
      answer.fieldPaths = resourceFields(operation.responseSchema, (name) =>
        catalog.schema(name),
      ).fields.map((field) => field.path);
    }
    if (operation.body) {
      const sample = catalog.sampleBody(operationId);
      if (sample !== undefined) answer.sampleBody = sample;
    }
    res.set('Cache-Control', 'private, no-cache');
    res.json(answer);
  } catch (err) {
    sendError(res, err);
  }
}

function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/** The catalog of a deployed connection (`connection=<node id>`), or the bundled one. */
function deployedCatalog(RED: NodeAPI, req: Request): CatalogView {
  if (req.query.document !== undefined) {
    // The same answer whatever the path: a reader learns nothing about the server's files.
    throw new BadRequest(
      'document: not accepted; name the connection instead (connection=<node id>)',
    );
  }
  const id = req.query.connection;
  if (id === undefined || id === '') return getCatalog();
  if (typeof id !== 'string') throw new BadRequest('connection: must be one node id');
  const node = RED.nodes.getNode(id) as { getCatalog?: () => Catalog } | null;
  if (!node || typeof node.getCatalog !== 'function') {
    throw new NotFound(`connection: no deployed ConnectWise connection ${id}`);
  }
  try {
    return node.getCatalog();
  } catch {
    // The connection's own status and log say what is wrong with its document.
    throw new BadRequest(
      `connection ${id}: its OpenAPI document cannot be used; see the connection's status`,
    );
  }
}

/** The catalog of the editor's pending connection settings (`{openapiSource, openapiPath}`). */
function pendingCatalog(req: Request): CatalogView {
  const body = bodyOf(req);
  if (body.openapiSource !== 'file') return getCatalog();
  if (typeof body.openapiPath !== 'string')
    throw new BadRequest('openapiPath: must be a file path');
  const file = body.openapiPath.trim();
  if (!/\.json$/i.test(file)) throw new BadRequest(`openapiPath: ${file} is not a .json file`);
  try {
    return documentCatalog(file);
  } catch (err) {
    throw new BadRequest(err instanceof Error ? err.message : String(err));
  }
}

function kindFilter(value: unknown): ResponseKind[] | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new BadRequest('kind: must be a comma-separated list');
  const kinds = value.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!RESPONSE_KINDS.includes(kind as ResponseKind)) {
      throw new BadRequest(`kind: ${kind} is not one of ${RESPONSE_KINDS.join(', ')}`);
    }
  }
  return kinds as ResponseKind[];
}

function preparedIndex(catalog: CatalogView, kinds: ResponseKind[] | undefined): PreparedIndex {
  let byKind = preparedIndexes.get(catalog);
  if (!byKind) {
    byKind = new Map();
    preparedIndexes.set(catalog, byKind);
  }
  const key = kinds ? [...kinds].sort().join(',') : '';
  let prepared = byKind.get(key);
  if (!prepared) {
    const index = catalog.index();
    const operations = kinds
      ? index.operations.filter((op) => matchesKinds(catalog, op, kinds))
      : index.operations;
    const body: CatalogIndex = { ...index, operationCount: operations.length, operations };
    const json = Buffer.from(JSON.stringify(body));
    const digest = createHash('sha256').update(json).digest('base64url').slice(0, 32);
    prepared = { json, gzip: gzipSync(json), etag: `"${digest}"` };
    byKind.set(key, prepared);
  }
  return prepared;
}

function matchesKinds(catalog: CatalogView, op: OperationSummary, kinds: ResponseKind[]): boolean {
  const kind = catalog.operation(op.operationId)?.responseKind;
  // A list is something to page through with GET; other methods only answer lists as results.
  if (kind === 'list' && op.method !== 'get') return false;
  return kind !== undefined && kinds.includes(kind);
}

function sendError(res: Response, err: unknown): void {
  if (err instanceof BadRequest || err instanceof NotFound) {
    res.status(err instanceof NotFound ? 404 : 400).json({ error: err.message });
    return;
  }
  // A broken bundled catalog is the package's: the runtime's own fault.
  const message = isCwError(err) ? err.message : 'the catalog could not be read';
  res.status(500).json({ error: message });
}
