/**
 * Admin endpoints the editor asks for the operation catalog: the index once per session (it is
 * large, so it is served with a strong ETag and gzip) and one operation's detail at a time.
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
import { getCatalog } from '../core/catalog-store';
import { recordFieldPaths } from '../core/record-field-paths';
import { isCwError } from '../core/errors';

export const CATALOG_ROUTE = '/connectwise-manage/catalog';
export const OPERATION_ROUTE = '/connectwise-manage/catalog/operations/:operationId';
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

export function registerCatalogEndpoints(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (registeredApps.has(app)) return;
  registeredApps.add(app);
  const canRead = RED.auth.needsPermission(CATALOG_PERMISSION);

  app.get(CATALOG_ROUTE, canRead, (req: Request, res: Response) => {
    try {
      const catalog = catalogFor(req);
      const kinds = kindFilter(req.query.kind);
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
      sendError(res, err, req);
    }
  });

  app.get(OPERATION_ROUTE, canRead, (req: Request, res: Response) => {
    try {
      const catalog = catalogFor(req);
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
        answer.fieldPaths = recordFieldPaths(operation.responseSchema, (name) =>
          catalog.schema(name),
        );
      }
      if (operation.body) {
        const sample = catalog.sampleBody(operationId);
        if (sample !== undefined) answer.sampleBody = sample;
      }
      res.set('Cache-Control', 'private, no-cache');
      res.json(answer);
    } catch (err) {
      sendError(res, err, req);
    }
  });
}

function catalogFor(req: Request): CatalogView {
  const document = documentParam(req.query.document);
  return getCatalog(document);
}

/** `document` is the path of another OpenAPI document (a connection's openapiPath); empty = bundled. */
function documentParam(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new BadRequest('document: must be a single file path');
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  // Only JSON documents are read, so the endpoint cannot be used to probe other files.
  if (!/\.json$/i.test(trimmed)) {
    throw new BadRequest(`document: ${trimmed} is not a .json file`);
  }
  return trimmed;
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

function sendError(res: Response, err: unknown, req: Request): void {
  if (err instanceof BadRequest) {
    res.status(400).json({ error: err.message });
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  // A broken user document is the caller's to fix; a broken bundled catalog is ours.
  const userDocument = typeof req.query.document === 'string' && req.query.document.trim() !== '';
  const status = isCwError(err) && err.code === 'CATALOG' && userDocument ? 400 : 500;
  res.status(status).json({ error: message });
}
