/**
 * Catalog benchmark: compile time, wire sizes, start-up cost of the compiled files, and the cost
 * of samples and validation. Prints figures against their targets; never fails.
 *
 *   npx tsx bench/catalog.bench.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { BodyValidator } from '../src/core/body-validation';
import { compileCatalog, type CompiledCatalog } from '../src/core/catalog';
import { buildCatalogFiles } from '../src/core/catalog-build';
import { CATALOG_FILES, openCompiledCatalog } from '../src/core/catalog-store';
import { defaultDocumentPath, loadOpenApiDocument } from '../src/core/openapi-document';
import { sampleBody } from '../src/core/sample-body';

const RUNS = 5;
const KB = 1024;

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

function timeRuns(runs: number, run: () => void): Spread {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return spread(times);
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
const showSpread = (s: Spread) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;

const rows: [string, string, string][] = [];
function row(figure: string, measured: string, target = ''): void {
  rows.push([figure, measured, target]);
}

function printTable(): void {
  const widths = [0, 1, 2].map((column) =>
    Math.max(...[['figure', 'measured', 'target'], ...rows].map((r) => r[column].length)),
  );
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  console.log(line(['figure', 'measured', 'target']));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const r of rows) console.log(line(r));
}

function main(): void {
  const documentPath = defaultDocumentPath();
  const parse = timeRuns(RUNS, () => loadOpenApiDocument(documentPath));
  const doc = loadOpenApiDocument(documentPath);
  let compiled: CompiledCatalog = compileCatalog(doc); // warm-up
  const compile = timeRuns(RUNS, () => {
    compiled = compileCatalog(doc);
  });
  row('document parse (median, min–max of 5)', showSpread(parse));
  row(
    'compile (median, min–max of 5)',
    showSpread(compile),
    `< 2000 ms: ${compile.median < 2000 ? 'met' : 'MISSED'}`,
  );

  const indexText = JSON.stringify(compiled.index);
  const indexGzip = gzipSync(indexText).length;
  row('operations', String(compiled.index.operationCount));
  row('index raw', kb(Buffer.byteLength(indexText)));
  row('index gzipped', kb(indexGzip), `<= 150 KB: ${indexGzip <= 150 * KB ? 'met' : 'MISSED'}`);
  const detailsText = JSON.stringify(compiled.details);
  row(
    'details raw / gzipped',
    `${kb(Buffer.byteLength(detailsText))} / ${kb(gzipSync(detailsText).length)}`,
  );
  const schemasText = JSON.stringify(compiled.schemas);
  row(
    'schemas raw / gzipped',
    `${kb(Buffer.byteLength(schemasText))} / ${kb(gzipSync(schemasText).length)}`,
  );
  let largest = { bytes: 0, operationId: '' };
  for (const detail of Object.values(compiled.details)) {
    const bytes = Buffer.byteLength(JSON.stringify(detail));
    if (bytes > largest.bytes) largest = { bytes, operationId: detail.operationId };
  }
  row(
    'largest detail',
    `${kb(largest.bytes)} (${largest.operationId})`,
    `<= 10 KB: ${largest.bytes <= 10 * KB ? 'met' : 'MISSED'}`,
  );
  const heap = process.memoryUsage().heapUsed;
  row('heap used (document + catalog held)', `${(heap / KB / KB).toFixed(1)} MB`);

  // Start-up: what the runtime pays to read the compiled files, each on first use.
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'cw-catalog-bench-'));
  try {
    buildCatalogFiles(documentPath, outDir);
    const readIndex = timeRuns(RUNS, () =>
      JSON.parse(readFileSync(path.join(outDir, CATALOG_FILES.index), 'utf8')),
    );
    const readDetails = timeRuns(RUNS, () =>
      JSON.parse(readFileSync(path.join(outDir, CATALOG_FILES.details), 'utf8')),
    );
    const readSchemas = timeRuns(RUNS, () =>
      JSON.parse(readFileSync(path.join(outDir, CATALOG_FILES.schemas), 'utf8')),
    );
    row('load compiled index', showSpread(readIndex));
    row('load compiled details', showSpread(readDetails));
    row('load compiled schemas', showSpread(readSchemas));
    const firstDetail = timeRuns(RUNS, () =>
      openCompiledCatalog(outDir).operation('postServiceTickets'),
    );
    row('first operation() from files', showSpread(firstDetail));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }

  // Samples and validation: every operation with a JSON body, against its own schema.
  const lookup = (name: string) => compiled.schemas[name];
  const withBody = Object.values(compiled.details).filter((detail) => detail.body);
  const sampleTime = timeRuns(RUNS, () => {
    for (const detail of withBody) sampleBody(detail, lookup);
  });
  row(`samples for ${withBody.length} bodies`, showSpread(sampleTime));
  const firstValidation = timeRuns(RUNS, () => {
    new BodyValidator(compiled.schemas).validate(compiled.details.postServiceTickets, {});
  });
  row('first ticket validation (fresh validator)', showSpread(firstValidation));
  const validator = new BodyValidator(compiled.schemas);
  let valid = 0;
  const started = performance.now();
  for (const detail of withBody) {
    if (validator.validate(detail, sampleBody(detail, lookup)).length === 0) valid += 1;
  }
  const allTime = performance.now() - started;
  row(
    'samples valid against their schema',
    `${valid} / ${withBody.length}`,
    `all: ${valid === withBody.length ? 'met' : 'MISSED'}`,
  );
  row(
    'compile + validate every body once',
    `${ms(allTime)} (${ms(allTime / withBody.length)} each)`,
  );
  const ticket = { summary: 'Printer on fire', company: { id: 2 }, board: { id: 1 } };
  const cached = timeRuns(RUNS, () => {
    for (let i = 0; i < 10_000; i += 1)
      validator.validate(compiled.details.postServiceTickets, ticket);
  });
  row('cached ticket validation', `${((cached.median / 10_000) * 1000).toFixed(2)} µs each`);

  printTable();
}

main();
