import { strict as assert } from 'node:assert';

import { BodyValidator } from '../../src/core/body-validation';
import { compileCatalog, type CompiledCatalog } from '../../src/core/catalog';
import { defaultDocumentPath, loadOpenApiDocument } from '../../src/core/openapi-document';
import {
  SAMPLE_DATE_TIME,
  sampleBody,
  sampleForSchema,
  samplePatch,
  type SchemaLookup,
} from '../../src/core/sample-body';
import type { OperationDetail, SchemaObject } from '../../src/shared/catalog-types';

function lookupIn(schemas: Record<string, SchemaObject>): SchemaLookup {
  return (name) => (Object.hasOwn(schemas, name) ? schemas[name] : undefined);
}

describe('sample bodies', function () {
  this.timeout(60_000);

  let catalog: CompiledCatalog;
  let lookup: SchemaLookup;
  let validator: BodyValidator;
  const detail = (operationId: string): OperationDetail => {
    const found = catalog.details[operationId];
    assert.ok(found, `operation ${operationId} is in the catalog`);
    return found;
  };
  const sampleOf = (operationId: string) => sampleBody(detail(operationId), lookup);

  before(() => {
    catalog = compileCatalog(loadOpenApiDocument(defaultDocumentPath()));
    lookup = lookupIn(catalog.schemas);
    validator = new BodyValidator(catalog.schemas);
  });

  it('fills only the required fields of a new ticket', () => {
    assert.deepEqual(sampleOf('postServiceTickets'), { summary: 'summary', company: { id: 0 } });
  });

  it('gives POST operations with a JSON object body a sample that passes its own validation', () => {
    // Every third one keeps the run short (each schema compiles once); the catalog benchmark
    // checks them all.
    const posts = Object.values(catalog.details)
      .filter(
        (op) =>
          op.method === 'post' &&
          op.body?.schema &&
          !op.body.array &&
          !op.body.multipart &&
          catalog.schemas[op.body.schema]?.type === 'object',
      )
      .filter((_op, position) => position % 3 === 0);
    assert.ok(posts.length >= 50, `${posts.length} POST operations with an object body`);
    const failures: string[] = [];
    for (const op of posts) {
      const sample = sampleBody(op, lookup);
      assert.equal(typeof sample, 'object', op.operationId);
      const problems = validator.validate(op, sample);
      if (problems.length > 0) {
        failures.push(`${op.operationId}: ${problems.map((p) => p.message).join('; ')}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('adds the fields required on updates to a PUT sample', () => {
    const put = sampleOf('putServiceTicketsById') as Record<string, unknown>;
    assert.equal(put.severity, 'Low');
    assert.equal(put.impact, 'Low');
    assert.deepEqual(validator.validate(detail('putServiceTicketsById'), put), []);
    assert.equal((sampleOf('postServiceTickets') as Record<string, unknown>).severity, undefined);
  });

  it('offers a JSON Patch replacing a field the caller may set', () => {
    const patch = sampleOf('patchServiceTicketsById');
    assert.deepEqual(patch, [{ op: 'replace', path: 'summary', value: 'summary' }]);
    assert.deepEqual(validator.validate(detail('patchServiceTicketsById'), patch), []);
  });

  it('falls back to a reference field when a record has no plain field', () => {
    const schemas: Record<string, SchemaObject> = {
      Link: {
        type: 'object',
        properties: {
          id: { type: 'integer', readOnly: true },
          board: { $ref: '#/components/schemas/BoardReference' },
        },
      },
      BoardReference: { type: 'object', properties: { id: { type: 'integer' } } },
    };
    assert.deepEqual(samplePatch('Link', lookupIn(schemas)), [
      { op: 'replace', path: 'board/id', value: 0 },
    ]);
  });

  it('lists the form fields of the multipart upload', () => {
    const form = sampleOf('postSystemDocuments') as Record<string, unknown>;
    assert.ok('file' in form);
    assert.equal(form.recordId, 0);
    assert.equal(typeof form.recordType, 'string');
    assert.equal(typeof form.title, 'string');
  });

  it('wraps the sample of a list body in a list', () => {
    assert.deepEqual(sampleOf('postCompanyConfigurationsBulk'), [
      { name: 'name', type: { id: 0 }, company: { id: 0 } },
    ]);
  });

  it('has no sample for operations without a body', () => {
    assert.equal(sampleOf('getServiceTickets'), undefined);
    assert.equal(sampleOf('deleteServiceTicketsById'), undefined);
  });

  it('respects limits, enums, formats, references and read-only fields', () => {
    const schemas: Record<string, SchemaObject> = {
      Thing: {
        type: 'object',
        required: ['identifier', 'kind', 'when', 'guid', 'count', 'ratio', 'flag', 'owner', 'tags'],
        properties: {
          id: { type: 'integer', readOnly: true },
          _info: { type: 'object', additionalProperties: { type: 'string' }, readOnly: true },
          identifier: { type: 'string', maxLength: 3 },
          kind: { type: 'string', enum: ['Alpha', 'Beta'], nullable: true },
          when: { type: 'string', format: 'date-time' },
          guid: { type: 'string', format: 'uuid' },
          count: { type: 'integer', format: 'int32' },
          ratio: { type: 'number' },
          flag: { type: 'boolean' },
          owner: { $ref: '#/components/schemas/MemberReference' },
          tags: { type: 'array', items: { type: 'integer' } },
          notes: { type: 'array', items: { type: 'string' } },
          optionalText: { type: 'string' },
        },
      },
      MemberReference: {
        type: 'object',
        properties: { id: { type: 'integer' }, identifier: { type: 'string' } },
      },
    };
    assert.deepEqual(sampleForSchema('Thing', lookupIn(schemas)), {
      identifier: 'ide',
      kind: 'Alpha',
      when: SAMPLE_DATE_TIME,
      guid: '00000000-0000-0000-0000-000000000000',
      count: 0,
      ratio: 0,
      flag: false,
      owner: { id: 0 },
      tags: [0],
    });
  });

  it('stops at a schema that contains itself', () => {
    const schemas: Record<string, SchemaObject> = {
      Node: {
        type: 'object',
        required: ['name', 'parent'],
        properties: {
          name: { type: 'string' },
          parent: { $ref: '#/components/schemas/Node' },
        },
      },
    };
    assert.deepEqual(sampleForSchema('Node', lookupIn(schemas)), { name: 'name', parent: {} });
  });
});
