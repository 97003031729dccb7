/**
 * Runtime access to the catalog. Nothing is read when the module is imported: the index, the
 * details and the schemas each load on first use, so requiring the package stays cheap and the
 * picker's index never waits for the 3,000 details.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

import type { CatalogIndex, OperationDetail, SchemaObject } from '../shared/catalog-types';
import { MAX_DOCUMENT_CATALOGS } from '../shared/limits';
import { BodyValidator, type BodyProblem } from './body-validation';
import { compileCatalog, type CompiledCatalog } from './catalog';
import { CwError, inputError } from './errors';
import { defaultDocumentPath, loadOpenApiDocument, PACKAGE_ROOT } from './openapi-document';
import { sampleBody } from './sample-body';

/** Where `npm run build` writes the compiled catalog. */
export const COMPILED_CATALOG_DIR = path.join(PACKAGE_ROOT, 'dist', 'catalog');

export const CATALOG_FILES = {
  index: 'index.json',
  details: 'details.json',
  schemas: 'schemas.json',
  meta: 'meta.json',
} as const;

export interface CatalogMeta {
  title: string;
  version: string;
  operationCount: number;
  pathCount: number;
  schemaCount: number;
  source: { file: string; size: number };
  /** First 16 hex digits of the document's SHA-256: changes whenever the document does. */
  fingerprint: string;
}

export interface Catalog {
  /** `bundled`, or the path of the document compiled at run time. */
  readonly source: string;
  meta(): CatalogMeta;
  index(): CatalogIndex;
  operation(operationId: string): OperationDetail | undefined;
  schema(name: string): SchemaObject | undefined;
  /** Every component schema the catalog keeps, by name. */
  schemas(): Record<string, SchemaObject>;
  /** A minimal valid body for the operation; undefined when it takes no body. */
  sampleBody(operationId: string): unknown;
  /** Problems with a body for the operation (empty = valid); unknown ids are an INPUT error. */
  validateBody(operationId: string, body: unknown): BodyProblem[];
}

interface CatalogParts {
  meta(): CatalogMeta;
  index(): CatalogIndex;
  details(): Record<string, OperationDetail>;
  schemas(): Record<string, SchemaObject>;
}

function once<T>(load: () => T): () => T {
  let loaded = false;
  let value: T;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value;
  };
}

class LazyCatalog implements Catalog {
  private readonly validator = once(() => new BodyValidator(this.parts.schemas()));

  constructor(
    readonly source: string,
    private readonly parts: CatalogParts,
  ) {}

  meta(): CatalogMeta {
    return this.parts.meta();
  }

  index(): CatalogIndex {
    return this.parts.index();
  }

  operation(operationId: string): OperationDetail | undefined {
    const details = this.parts.details();
    return Object.hasOwn(details, operationId) ? details[operationId] : undefined;
  }

  schema(name: string): SchemaObject | undefined {
    const schemas = this.parts.schemas();
    return Object.hasOwn(schemas, name) ? schemas[name] : undefined;
  }

  schemas(): Record<string, SchemaObject> {
    return this.parts.schemas();
  }

  sampleBody(operationId: string): unknown {
    const detail = this.operation(operationId);
    return detail ? sampleBody(detail, (name) => this.schema(name)) : undefined;
  }

  validateBody(operationId: string, body: unknown): BodyProblem[] {
    const detail = this.operation(operationId);
    if (!detail) {
      throw inputError('operationId', `"${operationId}" is not an operation of this catalog`);
    }
    return this.validator().validate(detail, body);
  }
}

function fingerprintOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** The meta record of a compiled document. */
export function catalogMeta(compiled: CompiledCatalog, file: string, bytes: Buffer): CatalogMeta {
  return {
    title: compiled.index.title,
    version: compiled.index.version,
    operationCount: compiled.index.operationCount,
    pathCount: new Set(compiled.index.operations.map((operation) => operation.path)).size,
    schemaCount: Object.keys(compiled.schemas).length,
    source: { file: path.basename(file), size: bytes.length },
    fingerprint: fingerprintOf(bytes),
  };
}

/** Compiles a document file on first use. */
function compileDocumentLazily(file: string, source: string): Catalog {
  const compiled = once(() => {
    const doc = loadOpenApiDocument(file);
    const result = compileCatalog(doc);
    return { result, meta: catalogMeta(result, file, readFileSync(file)) };
  });
  return new LazyCatalog(source, {
    meta: () => compiled().meta,
    index: () => compiled().result.index,
    details: () => compiled().result.details,
    schemas: () => compiled().result.schemas,
  });
}

function readCompiledFile<T>(dir: string, file: string): T {
  const full = path.join(dir, file);
  try {
    return JSON.parse(readFileSync(full, 'utf8')) as T;
  } catch (err) {
    throw new CwError(
      'CATALOG',
      `compiled catalog: cannot read ${full} (${(err as Error).message}); run "npm run build"`,
      { field: 'catalog', cause: err },
    );
  }
}

/** A catalog over the files `catalog-build` wrote, each read on first use. */
export function openCompiledCatalog(dir: string, source = 'bundled'): Catalog {
  return new LazyCatalog(source, {
    meta: once(() => readCompiledFile<CatalogMeta>(dir, CATALOG_FILES.meta)),
    index: once(() => readCompiledFile<CatalogIndex>(dir, CATALOG_FILES.index)),
    details: once(() =>
      readCompiledFile<Record<string, OperationDetail>>(dir, CATALOG_FILES.details),
    ),
    schemas: once(() => readCompiledFile<Record<string, SchemaObject>>(dir, CATALOG_FILES.schemas)),
  });
}

/** A catalog over an already compiled document (tests, tools). */
export function catalogFromCompiled(
  compiled: CompiledCatalog,
  meta: CatalogMeta,
  source = 'memory',
): Catalog {
  return new LazyCatalog(source, {
    meta: () => meta,
    index: () => compiled.index,
    details: () => compiled.details,
    schemas: () => compiled.schemas,
  });
}

let bundledCatalog: Catalog | undefined;
const documentCatalogs = new Map<string, { stamp: string; catalog: Catalog }>();

function bundled(): Catalog {
  if (!bundledCatalog) {
    bundledCatalog = existsSync(path.join(COMPILED_CATALOG_DIR, CATALOG_FILES.index))
      ? openCompiledCatalog(COMPILED_CATALOG_DIR)
      : compileDocumentLazily(defaultDocumentPath(), 'bundled');
  }
  return bundledCatalog;
}

/**
 * The catalog of the package (no path: the compiled files in dist/catalog, or the default
 * document compiled in memory when they are missing) or of another OpenAPI document, compiled
 * on first use and recompiled when the file changes.
 */
export function getCatalog(documentPath?: string): Catalog {
  if (!documentPath || !documentPath.trim()) return bundled();
  const file = path.resolve(documentPath.trim());
  let stamp: string;
  try {
    const stats = statSync(file);
    stamp = `${stats.mtimeMs}:${stats.size}`;
  } catch {
    loadOpenApiDocument(file); // throws the CATALOG error that says where to put the document
    throw new CwError('CATALOG', `OpenAPI document: cannot read ${file}`, { field: 'openapi' });
  }
  const cached = documentCatalogs.get(file);
  // Deleted and set again, so the Map's order is the order of last use.
  documentCatalogs.delete(file);
  const catalog =
    cached && cached.stamp === stamp ? cached.catalog : compileDocumentLazily(file, file);
  documentCatalogs.set(file, { stamp, catalog });
  while (documentCatalogs.size > MAX_DOCUMENT_CATALOGS) {
    const oldest = documentCatalogs.keys().next().value;
    if (oldest === undefined) break;
    documentCatalogs.delete(oldest);
  }
  return catalog;
}

/** How many documents other than the bundled one are kept compiled now. */
export function cachedDocumentCount(): number {
  return documentCatalogs.size;
}

/** Forgets every cached catalog (the next use reads or compiles again). */
export function clearCatalogCache(): void {
  bundledCatalog = undefined;
  documentCatalogs.clear();
}
