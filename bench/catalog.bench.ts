/**
 * Catalog benchmark: compile time, wire sizes, start-up cost of the compiled files, the editor's
 * index request through a running Node-RED, and the cost of samples and validation. Prints
 * figures against their targets; never fails.
 *
 *   npx tsx bench/catalog.bench.ts [--quick] [--json]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { BodyValidator } from '../src/core/body-validation';
import { compileCatalog, type CompiledCatalog } from '../src/core/catalog';
import { buildCatalogFiles } from '../src/core/catalog-build';
import { CATALOG_FILES, openCompiledCatalog } from '../src/core/catalog-store';
import { defaultDocumentPath, loadOpenApiDocument } from '../src/core/openapi-document';
import { sampleBody } from '../src/core/sample-body';
import { benchArgs, figureOf, report, runBench, type Figure } from './lib/figures';
import { startNodeRedProcess } from './lib/node-red-process';

const args = benchArgs();
const RUNS = args.quick ? 3 : 5;
/** Node-RED starts for the editor's index request: the first request after a start is cold. */
const NODE_RED_STARTS = args.quick ? 1 : 3;
const WARM_REQUESTS = 20;
const KB = 1024;

function timeRuns(runs: number, run: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return times;
}

const figures: Figure[] = [];
const timed = (figure: string, times: number[], target?: string, limitMs?: number): void => {
  figures.push(
    figureOf(figure, 'ms', times, {
      ...(target && limitMs !== undefined
        ? { target, meets: (median: number) => median < limitMs }
        : {}),
    }),
  );
};
const size = (figure: string, bytes: number, limitKb?: number): void => {
  figures.push(
    figureOf(figure, 'KB', [bytes / KB], {
      digits: 1,
      ...(limitKb !== undefined
        ? { target: `<= ${limitKb} KB`, meets: (median: number) => median <= limitKb }
        : {}),
    }),
  );
};

interface IndexAnswer {
  ms: number;
  status: number;
  bytes: number;
  etag: string;
}

function getIndex(url: string, agent: Agent, etag?: string): Promise<IndexAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = get(
      `${url}/connectwise-manage/catalog`,
      {
        agent,
        headers: {
          'accept-encoding': 'gzip, deflate, br',
          ...(etag ? { 'if-none-match': etag } : {}),
        },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () =>
          resolve({
            ms: performance.now() - started,
            status: res.statusCode ?? 0,
            bytes,
            etag: String(res.headers.etag ?? ''),
          }),
        );
      },
    );
    req.on('error', reject);
  });
}

/** GET /connectwise-manage/catalog as the editor sends it, through Node-RED started by red.js. */
async function editorIndexRequests(): Promise<void> {
  const cold: number[] = [];
  const warm: number[] = [];
  const revalidated: number[] = [];
  let wireBytes = 0;
  for (let start = 0; start < NODE_RED_STARTS; start += 1) {
    const red = await startNodeRedProcess({ withPackage: true });
    const agent = new Agent({ keepAlive: true });
    try {
      const first = await getIndex(red.url, agent);
      if (first.status !== 200) throw new Error(`the catalog index answered ${first.status}`);
      cold.push(first.ms);
      wireBytes = first.bytes;
      for (let i = 0; i < WARM_REQUESTS; i += 1) warm.push((await getIndex(red.url, agent)).ms);
      for (let i = 0; i < WARM_REQUESTS; i += 1) {
        const answer = await getIndex(red.url, agent, first.etag);
        if (answer.status !== 304) throw new Error(`revalidation answered ${answer.status}`);
        revalidated.push(answer.ms);
      }
    } finally {
      agent.destroy();
      await red.stop();
    }
  }
  figures.push(
    figureOf('editor index GET, first after start (reads index.json, gzips)', 'ms', cold),
    figureOf(`editor index GET, warm (${WARM_REQUESTS} per start)`, 'ms', warm, {
      quartiles: true,
    }),
    figureOf('editor index GET, If-None-Match revalidation (304)', 'ms', revalidated, {
      quartiles: true,
    }),
  );
  size('editor index on the wire (gzip)', wireBytes, 150);
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const documentPath = defaultDocumentPath();
  const parse = timeRuns(RUNS, () => loadOpenApiDocument(documentPath));
  const doc = loadOpenApiDocument(documentPath);
  let compiled: CompiledCatalog = compileCatalog(doc); // warm-up
  const compile = timeRuns(RUNS, () => {
    compiled = compileCatalog(doc);
  });
  timed('document parse', parse);
  timed('compile', compile, '< 2000 ms', 2000);

  const indexText = JSON.stringify(compiled.index);
  const indexGzip = gzipSync(indexText).length;
  figures.push(figureOf('operations', 'count', [compiled.index.operationCount], { digits: 0 }));
  size('index raw', Buffer.byteLength(indexText));
  size('index gzipped', indexGzip, 150);
  const detailsText = JSON.stringify(compiled.details);
  size('details raw', Buffer.byteLength(detailsText));
  size('details gzipped', gzipSync(detailsText).length);
  const schemasText = JSON.stringify(compiled.schemas);
  size('schemas raw', Buffer.byteLength(schemasText));
  size('schemas gzipped', gzipSync(schemasText).length);
  let largest = { bytes: 0, operationId: '' };
  for (const detail of Object.values(compiled.details)) {
    const bytes = Buffer.byteLength(JSON.stringify(detail));
    if (bytes > largest.bytes) largest = { bytes, operationId: detail.operationId };
  }
  size(`largest detail (${largest.operationId})`, largest.bytes, 10);
  const heap = process.memoryUsage().heapUsed;
  figures.push(
    figureOf('heap used (document + catalog held)', 'MB', [heap / KB / KB], { digits: 1 }),
  );

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
    timed('load compiled index', readIndex);
    timed('load compiled details', readDetails);
    timed('load compiled schemas', readSchemas);
    const firstDetail = timeRuns(RUNS, () =>
      openCompiledCatalog(outDir).operation('postServiceTickets'),
    );
    timed('first operation() from files', firstDetail);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }

  // Samples and validation: every operation with a JSON body, against its own schema.
  const lookup = (name: string) => compiled.schemas[name];
  const withBody = Object.values(compiled.details).filter((detail) => detail.body);
  const sampleTime = timeRuns(RUNS, () => {
    for (const detail of withBody) sampleBody(detail, lookup);
  });
  timed(`samples for ${withBody.length} bodies`, sampleTime);
  const firstValidation = timeRuns(RUNS, () => {
    new BodyValidator(compiled.schemas).validate(compiled.details.postServiceTickets, {});
  });
  timed('first ticket validation (fresh validator)', firstValidation);
  const validator = new BodyValidator(compiled.schemas);
  let valid = 0;
  const started = performance.now();
  for (const detail of withBody) {
    if (validator.validate(detail, sampleBody(detail, lookup)).length === 0) valid += 1;
  }
  const allTime = performance.now() - started;
  figures.push(
    figureOf(`samples valid against their schema (of ${withBody.length})`, 'count', [valid], {
      digits: 0,
      target: `all ${withBody.length}`,
      meets: (median) => median === withBody.length,
    }),
  );
  timed('compile + validate every body once', [allTime]);
  figures.push(
    figureOf('compile + validate one body', 'ms', [allTime / withBody.length], { digits: 2 }),
  );
  const ticket = { summary: 'Printer on fire', company: { id: 2 }, board: { id: 1 } };
  const cached = timeRuns(RUNS, () => {
    for (let i = 0; i < 10_000; i += 1)
      validator.validate(compiled.details.postServiceTickets, ticket);
  });
  figures.push(
    figureOf(
      'cached ticket validation',
      'µs',
      cached.map((time) => (time / 10_000) * 1000),
      { digits: 2 },
    ),
  );

  await editorIndexRequests();

  report(
    'catalog',
    args,
    startedAt,
    [
      `${documentPath.replace(/^.*\//, '')}: ${RUNS} runs per timing (median, min–max) after a warm-up compile`,
      `editor index: GET /connectwise-manage/catalog with Accept-Encoding gzip through node-red/red.js with the package, ${NODE_RED_STARTS} start(s), first request then ${WARM_REQUESTS} warm and ${WARM_REQUESTS} revalidations each (p25–p75)`,
    ],
    figures,
  );
}

runBench(main);
