import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { compileCatalog, type CompiledCatalog } from '../../src/core/catalog';
import { buildCatalogFiles } from '../../src/core/catalog-build';
import {
  CATALOG_FILES,
  clearCatalogCache,
  getCatalog,
  openCompiledCatalog,
} from '../../src/core/catalog-store';
import { CwError } from '../../src/core/errors';
import {
  defaultDocumentPath,
  HTTP_METHODS,
  loadOpenApiDocument,
  PACKAGE_ROOT,
  type OpenApiDocument,
} from '../../src/core/openapi-document';
import {
  expandPathTemplate,
  parsePathTemplate,
  pathPlaceholderNames,
} from '../../src/core/path-template';
import type { OperationDetail, SchemaObject } from '../../src/shared/catalog-types';

const documentPath = defaultDocumentPath();

function operationCountOf(doc: OpenApiDocument): number {
  let count = 0;
  for (const item of Object.values(doc.paths)) {
    for (const method of HTTP_METHODS) if (item[method]) count += 1;
  }
  return count;
}

function isCatalogError(err: unknown): boolean {
  return err instanceof CwError && err.code === 'CATALOG';
}

/** A small document in the published style, with the quirks the compiler must survive. */
function tinyDocument(): OpenApiDocument {
  const clientId = { name: 'clientId', in: 'header', required: true, schema: { type: 'string' } };
  const json = (schema: unknown) => ({
    'application/vnd.connectwise.com+json; version=2025.1': { schema },
  });
  return {
    openapi: '3.0.1',
    info: { title: 'Tiny', version: '0.1' },
    paths: {
      '/service/widgets': {
        get: {
          responses: { '200': { description: 'ok', content: json({ type: 'array', items: {} }) } },
        },
        post: {
          operationId: 'makeWidget',
          parameters: [clientId],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['label'],
                  properties: { label: { type: 'string', description: ' Max length: 5;' } },
                },
              },
            },
          },
          responses: { '201': { description: 'Widget', content: json({ type: 'object' }) } },
        },
      },
      '/service/widgets/{id}': {
        get: { operationId: 'makeWidget', tags: ['Widgets'], summary: 'Get Widget' },
        delete: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: { '204': { description: 'No Content' } },
        },
      },
    },
  } as unknown as OpenApiDocument;
}

describe('catalog compiler', function () {
  this.timeout(60_000);

  let doc: OpenApiDocument;
  let catalog: CompiledCatalog;
  const detail = (operationId: string): OperationDetail => {
    const found = catalog.details[operationId];
    assert.ok(found, `operation ${operationId} is in the catalog`);
    return found;
  };
  const byPath = (method: string, pathKey: string): OperationDetail => {
    const found = Object.values(catalog.details).find(
      (entry) => entry.method === method && entry.path === pathKey,
    );
    assert.ok(found, `${method} ${pathKey} is in the catalog`);
    return found;
  };

  before(() => {
    doc = loadOpenApiDocument(documentPath);
    catalog = compileCatalog(doc);
  });

  it('lists one operation per path and method, none dropped', () => {
    const expected = operationCountOf(doc);
    assert.equal(expected, 3053);
    assert.equal(catalog.index.operationCount, expected);
    assert.equal(catalog.index.operations.length, expected);
    assert.equal(Object.keys(catalog.details).length, expected);
    assert.equal(catalog.index.title, doc.info.title, 'the title of the document');
    assert.ok(catalog.index.title.length > 0);
    assert.equal(catalog.index.version, '2025.1');
  });

  it('keeps the document operation ids, module, tag and summary', () => {
    const summary = catalog.index.operations.find((op) => op.operationId === 'getServiceTickets');
    assert.deepEqual(summary, {
      operationId: 'getServiceTickets',
      method: 'get',
      path: '/service/tickets',
      tag: 'Tickets',
      module: 'service',
      summary: 'Get List of ConnectWise.Apis.v3_0.v2015_3.Service.Ticket.Ticket',
    });
    const ids = new Set(catalog.index.operations.map((op) => op.operationId));
    assert.equal(ids.size, catalog.index.operations.length);
  });

  it('describes the ticket list with its query parameters', () => {
    const tickets = detail('getServiceTickets');
    assert.deepEqual(
      tickets.queryParams.map((param) => param.name),
      [
        'conditions',
        'childConditions',
        'customFieldConditions',
        'orderBy',
        'fields',
        'page',
        'pageSize',
        'pageId',
      ],
    );
    assert.ok(tickets.queryParams.every((param) => !param.required));
    assert.equal(tickets.queryParams.find((param) => param.name === 'pageSize')?.type, 'integer');
    assert.equal(tickets.responseKind, 'list');
    assert.equal(tickets.responseSchema, 'Ticket');
    assert.deepEqual(tickets.headerParams, [], 'clientId is left to the connection');
  });

  it('types path parameters and marks them required', () => {
    const ticket = detail('getServiceTicketsById');
    assert.deepEqual(
      ticket.pathParams.map(({ name, type, required }) => ({ name, type, required })),
      [{ name: 'id', type: 'integer', required: true }],
    );
    assert.equal(ticket.responseKind, 'object');
    const notes = byPath('get', '/service/tickets/{parentId}/notes');
    const parentId = notes.pathParams.find((param) => param.name === 'parentId');
    assert.equal(parentId?.required, true);
    assert.equal(parentId?.type, 'integer');
  });

  it('describes request bodies: schema, list, patch and multipart', () => {
    const create = detail('postServiceTickets');
    assert.equal(create.body?.schema, 'Ticket');
    assert.equal(create.body?.array, false);
    assert.equal(create.body?.required, true);
    assert.equal(create.successStatus, 201);

    const patch = detail('patchServiceTicketsById');
    assert.equal(patch.body?.patch, true);
    assert.equal(patch.body?.array, true);
    assert.equal(patch.responseSchema, 'Ticket');

    const upload = detail('postSystemDocuments');
    assert.equal(upload.body?.multipart, true);
    assert.equal(upload.body?.schema, 'DocumentFormData');

    const bulk = detail('postCompanyConfigurationsBulk');
    assert.equal(bulk.body?.schema, 'Company.Configuration');
    assert.equal(bulk.body?.array, true);
    assert.equal(bulk.body?.patch, false);
    assert.equal(bulk.successStatus, 207);
  });

  it('classifies responses: binary, count, none, list and object', () => {
    for (const id of [
      'getSystemDocumentsByIdDownload',
      'getFinanceInvoicesByIdPdf',
      'getSystemMembersByIdImage', // no content, only "ContentType = application/octet-stream"
    ]) {
      assert.equal(detail(id).responseKind, 'binary', id);
    }
    const counts = Object.values(catalog.details).filter(
      (op) => op.method === 'get' && op.path.endsWith('/count') && op.responseSchema === 'Count',
    );
    assert.ok(counts.length > 400);
    assert.ok(counts.every((op) => op.responseKind === 'count'));

    const deletes = Object.values(catalog.details).filter(
      (op) => op.method === 'delete' && op.successStatus === 204,
    );
    assert.ok(deletes.length >= 300);
    assert.ok(deletes.every((op) => op.responseKind === 'none'));
    assert.equal(detail('postCompanyContactsRequestPassword').responseKind, 'none');
  });

  it('sends published path parameters missing from the template as query parameters', () => {
    const remove = detail('deleteCompanyContactsById');
    const transfer = remove.pathParams.find((param) => param.name === 'transferContactId');
    assert.equal(transfer?.inTemplate, false);
    assert.equal(transfer?.required, false);
    assert.notEqual(remove.pathParams.find((param) => param.name === 'id')?.inTemplate, false);
  });

  it('compiles the odd path keys of the published document', () => {
    const member = byPath('get', '/system/members/{memberIdentifier:regex(^(types. |(');
    assert.deepEqual(
      member.pathParams.map(({ name, required }) => ({ name, required })),
      [{ name: 'memberIdentifier', required: true }],
    );
    assert.equal(member.module, 'system');
    assert.equal(
      expandPathTemplate(member.path, { memberIdentifier: 'jdoe' }),
      '/system/members/jdoe',
    );

    // Declares no path parameter at all: the placeholder still has to be filled in.
    const memberInfo = byPath('get', '/system/info/members/{memberIdentifier:regex(^(types. |(');
    assert.deepEqual(
      memberInfo.pathParams.map((param) => param.name),
      ['memberIdentifier'],
    );

    const copy = byPath('post', '/finance/agreements/types{id}/copy');
    assert.deepEqual(pathPlaceholderNames(copy.path), ['id']);
    assert.equal(expandPathTemplate(copy.path, { id: '7' }), '/finance/agreements/types7/copy');

    const trailing = byPath('get', '/finance/agreementrecap/');
    assert.equal(trailing.module, 'finance');
  });

  it('normalizes schemas: limits from descriptions, update-only fields, read-only ids', () => {
    const ticket = catalog.schemas.Ticket;
    const properties = ticket.properties as Record<string, SchemaObject>;
    assert.equal(properties.summary.maxLength, 100);
    assert.equal(properties.summary.description, undefined);
    assert.equal(properties.severity['x-requiredOnUpdates'], true);
    assert.equal(properties.severity.nullable, true);
    assert.deepEqual(properties.severity.enum, ['Low', 'Medium', 'High']);
    assert.ok(!(ticket.required as string[]).includes('severity'));
    assert.equal(properties.id.readOnly, true);
    assert.equal(properties._info.readOnly, true);
    assert.equal(properties.board.$ref, '#/components/schemas/BoardReference');
    const board = catalog.schemas.BoardReference.properties as Record<string, SchemaObject>;
    assert.equal(board.id.readOnly, undefined, "a reference's id is what a caller sets");

    const invoice = catalog.schemas.Invoice.properties as Record<string, SchemaObject>;
    assert.equal(invoice.invoiceNumber.maxLength, 15);
    assert.equal(invoice.invoiceNumber['x-requiredOnUpdates'], true);

    const member = catalog.schemas.Member.properties as Record<string, SchemaObject>;
    assert.equal(member.password.maxLength, 60);
    assert.match(String(member.password.description), /random password generated$/);

    assert.ok(catalog.schemas['Company.Configuration']);
    assert.equal(Object.keys(catalog.schemas).length, 830);
  });

  it('keeps the index small and each detail under 10 KB', () => {
    const index = Buffer.from(JSON.stringify(catalog.index));
    assert.ok(gzipSync(index).length <= 150 * 1024, `index gzipped ${gzipSync(index).length}`);
    for (const entry of Object.values(catalog.details)) {
      assert.ok(JSON.stringify(entry).length <= 10 * 1024, entry.operationId);
    }
  });

  it('compiles a tiny document with missing ids, summaries and tags', () => {
    const tiny = compileCatalog(tinyDocument());
    assert.equal(tiny.index.operationCount, 4);
    const [list, create, get, remove] = tiny.index.operations;
    assert.equal(list.operationId, 'getServiceWidgets');
    assert.equal(list.summary, 'GET /service/widgets');
    assert.equal(list.tag, 'service');
    assert.equal(create.operationId, 'makeWidget');
    assert.equal(get.operationId, 'makeWidget_2', 'a repeated id stays unique');
    assert.equal(get.tag, 'Widgets');
    assert.equal(remove.operationId, 'deleteServiceWidgetsById');

    assert.equal(tiny.details.getServiceWidgets.responseKind, 'list');
    assert.equal(tiny.details.makeWidget_2.responseKind, 'none');
    assert.equal(tiny.details.makeWidget_2.successStatus, 200);
    assert.deepEqual(tiny.details.makeWidget_2.pathParams, [
      { name: 'id', in: 'path', required: true, type: 'string' },
    ]);
    assert.equal(tiny.details.deleteServiceWidgetsById.responseKind, 'none');
    assert.equal(tiny.details.deleteServiceWidgetsById.successStatus, 204);

    // An inline body schema is kept under a name of its own, with its rules lifted.
    const bodySchema = tiny.details.makeWidget.body?.schema;
    assert.equal(bodySchema, 'makeWidgetBody');
    const label = (tiny.schemas.makeWidgetBody.properties as Record<string, SchemaObject>).label;
    assert.equal(label.maxLength, 5);
  });

  it('refuses a value that is not a ConnectWise OpenAPI document with a CATALOG error', () => {
    for (const value of [null, 'text', { swagger: '2.0', paths: {} }, { openapi: '3.0.1' }]) {
      assert.throws(
        () => compileCatalog(value as unknown as OpenApiDocument),
        (err: unknown) => isCatalogError(err) && /OpenAPI document/.test((err as Error).message),
      );
    }
    const petStore = { openapi: '3.0.0', info: {}, paths: { '/pets': { get: {} } } };
    assert.throws(() => compileCatalog(petStore as unknown as OpenApiDocument), isCatalogError);
  });
});

describe('path templates', () => {
  it('finds placeholders, closed or not, glued or repeated', () => {
    assert.deepEqual(pathPlaceholderNames('/service/tickets/{parentId}/notes/{id}'), [
      'parentId',
      'id',
    ]);
    assert.deepEqual(parsePathTemplate('/procurement/catalog/{parentId}/vendors/{id}{id}'), [
      { name: 'parentId', start: 21, end: 31 },
      { name: 'id', start: 40, end: 44 },
      { name: 'id', start: 44, end: 48 },
    ]);
    assert.deepEqual(pathPlaceholderNames('/x/{code:regex(^\\d{2}$)}/y'), ['code']);
    assert.equal(expandPathTemplate('/x/{code:regex(^\\d{2}$)}/y', { code: '42' }), '/x/42/y');
    assert.deepEqual(pathPlaceholderNames('/system/info'), []);
  });

  it('names the missing parameter', () => {
    assert.throws(
      () => expandPathTemplate('/service/tickets/{id}', {}),
      (err: unknown) => err instanceof CwError && err.message === 'params.id: is required',
    );
  });
});

describe('catalog build and store', function () {
  this.timeout(60_000);

  let workDir: string;
  before(() => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'cw-catalog-'));
  });
  after(() => {
    rmSync(workDir, { recursive: true, force: true });
    clearCatalogCache();
  });

  it('writes index, details, schemas and meta, and reads them back', () => {
    const outDir = path.join(workDir, 'built');
    const result = buildCatalogFiles(documentPath, outDir);
    assert.equal(result.meta.operationCount, 3053);
    assert.equal(result.meta.pathCount, 1815);
    assert.equal(result.meta.schemaCount, 830);
    assert.deepEqual(result.meta.source, {
      file: 'openapi-2025.1.json',
      size: readFileSync(documentPath).length,
    });
    assert.match(result.meta.fingerprint, /^[0-9a-f]{16}$/);

    const built = openCompiledCatalog(outDir);
    assert.equal(built.index().operationCount, 3053);
    assert.equal(built.operation('postServiceTickets')?.body?.schema, 'Ticket');
    assert.equal(built.meta().version, '2025.1');
    assert.deepEqual(built.sampleBody('postServiceTickets'), {
      summary: 'summary',
      company: { id: 0 },
    });
    assert.equal(built.operation('constructor'), undefined);
    assert.equal(built.schema('toString'), undefined);
  });

  it('loads index, details and schemas separately, on first use', () => {
    const outDir = path.join(workDir, 'partial');
    buildCatalogFiles(documentPath, outDir);
    unlinkSync(path.join(outDir, CATALOG_FILES.schemas));
    const partial = openCompiledCatalog(outDir);
    assert.equal(partial.index().operationCount, 3053);
    assert.equal(partial.operation('getServiceTickets')?.responseKind, 'list');
    assert.throws(() => partial.schema('Ticket'), isCatalogError);
  });

  it('stops the build CLI with the CATALOG message and exit code 1 when the document is missing', () => {
    const missing = path.join(workDir, 'nowhere', 'All.json');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'core', 'catalog-build.ts')],
      { env: { ...process.env, CW_OPENAPI: missing }, encoding: 'utf8', cwd: PACKAGE_ROOT },
    );
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /cannot read .*All\.json \(file not found\)/);
    assert.match(run.stderr, /set CW_OPENAPI/);
  });

  it('serves the bundled catalog', () => {
    const bundled = getCatalog();
    assert.equal(bundled.source, 'bundled');
    assert.strictEqual(getCatalog(''), bundled);
    assert.equal(bundled.index().operationCount, 3053);
    assert.equal(bundled.operation('getServiceTicketsById')?.pathParams[0].name, 'id');
  });

  it('compiles another document at run time, lazily, and again when it changes', () => {
    const file = path.join(workDir, 'tiny.json');
    writeFileSync(file, JSON.stringify(tinyDocument()));
    const first = getCatalog(file);
    assert.strictEqual(getCatalog(file), first, 'cached by path and modification time');
    assert.equal(first.index().title, 'Tiny');
    assert.equal(first.operation('makeWidget')?.body?.schema, 'makeWidgetBody');

    const changed = tinyDocument();
    changed.info.title = 'Tiny v2';
    writeFileSync(file, JSON.stringify(changed));
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    const second = getCatalog(file);
    assert.notStrictEqual(second, first);
    assert.equal(second.index().title, 'Tiny v2');
  });

  it('reports a broken or missing document as a CATALOG error', () => {
    const broken = path.join(workDir, 'broken.json');
    writeFileSync(broken, '{ not json');
    const lazy = getCatalog(broken); // nothing is parsed yet
    assert.throws(() => lazy.index(), isCatalogError);
    assert.throws(() => getCatalog(path.join(workDir, 'absent.json')), isCatalogError);
  });
});
