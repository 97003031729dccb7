/**
 * Build step (`npm run build:catalog`): compiles the OpenAPI document (CW_OPENAPI, else the
 * shared 2025.1 file) into dist/catalog/{index,details,schemas,meta}.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { compileCatalog } from './catalog';
import {
  CATALOG_FILES,
  catalogMeta,
  COMPILED_CATALOG_DIR,
  type CatalogMeta,
} from './catalog-store';
import { isCwError } from './errors';
import { defaultDocumentPath, loadOpenApiDocument } from './openapi-document';

export interface CatalogBuildResult {
  meta: CatalogMeta;
  outDir: string;
  /** Bytes written per file name. */
  sizes: Record<string, number>;
  elapsedMs: number;
}

/** Compiles `documentPath` and writes the catalog files into `outDir`. */
export function buildCatalogFiles(
  documentPath: string = defaultDocumentPath(),
  outDir: string = COMPILED_CATALOG_DIR,
): CatalogBuildResult {
  const started = process.hrtime.bigint();
  const doc = loadOpenApiDocument(documentPath);
  const compiled = compileCatalog(doc);
  const meta = catalogMeta(compiled, documentPath, readFileSync(documentPath));
  mkdirSync(outDir, { recursive: true });
  const contents: Record<string, unknown> = {
    [CATALOG_FILES.index]: compiled.index,
    [CATALOG_FILES.details]: compiled.details,
    [CATALOG_FILES.schemas]: compiled.schemas,
    [CATALOG_FILES.meta]: meta,
  };
  const sizes: Record<string, number> = {};
  for (const [file, value] of Object.entries(contents)) {
    const text = JSON.stringify(value);
    writeFileSync(path.join(outDir, file), text);
    sizes[file] = Buffer.byteLength(text);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { meta, outDir, sizes, elapsedMs };
}

function main(): void {
  try {
    const result = buildCatalogFiles();
    const { meta } = result;
    console.log(
      `catalog: ${meta.operationCount} operations, ${meta.pathCount} paths, ` +
        `${meta.schemaCount} schemas from ${meta.source.file} (${meta.title} ${meta.version}) ` +
        `-> ${path.relative(process.cwd(), result.outDir) || '.'} in ${Math.round(result.elapsedMs)} ms`,
    );
  } catch (err) {
    console.error(isCwError(err) ? err.message : `catalog build failed: ${String(err)}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
