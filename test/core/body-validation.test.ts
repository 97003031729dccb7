import { strict as assert } from 'node:assert';

import {
  bodyProblemsError,
  BodyValidator,
  formatInstancePath,
  type BodyProblem,
} from '../../src/core/body-validation';
import { compileCatalog, type CompiledCatalog } from '../../src/core/catalog';
import { catalogFromCompiled, catalogMeta, type Catalog } from '../../src/core/catalog-store';
import { CwError } from '../../src/core/errors';
import { defaultDocumentPath, loadOpenApiDocument } from '../../src/core/openapi-document';
import type { SchemaObject } from '../../src/shared/catalog-types';

const messages = (problems: BodyProblem[]) => problems.map((problem) => problem.message);

describe('body validation', function () {
  this.timeout(60_000);

  let compiled: CompiledCatalog;
  let catalog: Catalog;
  const check = (operationId: string, body: unknown) =>
    messages(catalog.validateBody(operationId, body));

  before(() => {
    const file = defaultDocumentPath();
    compiled = compileCatalog(loadOpenApiDocument(file));
    catalog = catalogFromCompiled(compiled, catalogMeta(compiled, file, Buffer.alloc(0)));
  });

  it('accepts a valid ticket', () => {
    assert.deepEqual(
      check('postServiceTickets', {
        summary: 'Printer on fire',
        company: { id: 2 },
        board: { id: 1, name: 'Help Desk' },
        severity: 'High',
        requiredDate: '2025-03-01T12:00:00Z',
        budgetHours: 1.5,
      }),
      [],
    );
  });

  it('names the field and the rule for each problem', () => {
    assert.deepEqual(
      check('postServiceTickets', {
        summary: 'x'.repeat(101),
        board: { id: 'a' },
        siteName: 5,
        severity: 'Huge',
        requiredDate: 'yesterday',
      }),
      [
        'company: is required',
        'summary: must be at most 100 characters',
        'board/id: must be integer',
        'siteName: must be string',
        'requiredDate: must be a date-time such as 2025-01-01T00:00:00Z',
        'severity: must be one of: Low, Medium, High',
      ],
    );
  });

  it('requires a required body and refuses the wrong shape', () => {
    assert.deepEqual(check('postServiceTickets', undefined), ['body: is required']);
    assert.deepEqual(check('postServiceTickets', 'hello'), ['body: must be object']);
    assert.deepEqual(check('postServiceTickets', [{ summary: 'a' }]), ['body: must be object']);
  });

  it('treats null as the API does', () => {
    // Declared nullable (an enum) and optional references or text clear the value.
    assert.deepEqual(
      check('postServiceTickets', {
        summary: 'a',
        company: { id: 1 },
        severity: null,
        contact: null,
        siteName: null,
        budgetHours: null,
      }),
      [],
    );
    // A required field cannot be null, nor can an optional number that is not nullable.
    assert.deepEqual(check('postServiceTickets', { summary: null, company: null }), [
      'summary: must be string',
      'company: must be object',
    ]);
    const config = compiled.schemas['Company.Configuration'].properties as Record<
      string,
      SchemaObject
    >;
    const notNullable = Object.entries(config).find(
      ([, schema]) => schema.type === 'integer' && schema.nullable !== true && !schema.readOnly,
    );
    if (notNullable) {
      const problems = check('postCompanyConfigurations', {
        name: 'pc',
        type: { id: 1 },
        company: { id: 1 },
        [notNullable[0]]: null,
      });
      assert.deepEqual(problems, [`${notNullable[0]}: must be integer`]);
    }
  });

  it('asks a PUT for the fields required on updates, and a POST not', () => {
    const body = { summary: 'a', company: { id: 1 } };
    assert.deepEqual(check('postServiceTickets', body), []);
    assert.deepEqual(check('putServiceTicketsById', body), [
      'severity: is required',
      'impact: is required',
    ]);
  });

  it('validates list bodies item by item', () => {
    assert.deepEqual(
      check('postCompanyConfigurationsBulk', [
        { name: 'pc-1', type: { id: 1 }, company: { id: 1 } },
        { name: 'x'.repeat(101), type: { id: 1 } },
      ]),
      ['[1]/company: is required', '[1]/name: must be at most 100 characters'],
    );
    assert.deepEqual(check('postCompanyConfigurationsBulk', {}), ['body: must be array']);
  });

  it('checks JSON Patch bodies: shape, operation, field and value', () => {
    assert.deepEqual(
      check('patchServiceTicketsById', [
        { op: 'replace', path: 'summary', value: 'New summary' },
        { op: 'replace', path: 'status/id', value: 5 },
        { op: 'remove', path: 'contact' },
      ]),
      [],
    );
    assert.deepEqual(
      check('patchServiceTicketsById', [
        { op: 'replace', path: 'Summary', value: 'x' },
        { op: 'replace', path: 'summary', value: 'x'.repeat(101) },
        { op: 'bogus', path: 'status/id', value: 'five' },
        { op: 'replace', path: 'id', value: 1 },
        { path: 'board/id' },
        5,
      ]),
      [
        '[0]/path: "Summary" is not a field of Ticket (did you mean "summary"?) (paths are case-sensitive)',
        '[1]/value: must be at most 100 characters',
        '[2]/op: must be one of: add, replace, remove',
        '[2]/value: must be integer',
        '[3]/path: id is read-only',
        '[4]/op: is required',
        '[4]/value: is required',
        '[5]: must be an object with op, path and value',
      ],
    );
    assert.deepEqual(check('patchServiceTicketsById', { op: 'replace' }), [
      'body: must be an array of {op, path, value}',
    ]);
    assert.deepEqual(check('patchServiceTicketsById', []), [
      'body: must contain at least one operation',
    ]);
  });

  it('accepts any value where the document says only "object"', () => {
    // CustomFieldValue.value is .NET's `object`: text, numbers and flags are all fine.
    assert.deepEqual(
      check('patchServiceTicketsById', [
        { op: 'replace', path: 'customFields', value: [{ id: 4, value: 12 }] },
      ]),
      [],
    );
  });

  it('validates the form fields of a multipart upload, not the file bytes', () => {
    assert.deepEqual(
      check('postSystemDocuments', { file: Buffer.from('hello'), recordId: 5, title: 'Scan' }),
      [],
    );
    assert.deepEqual(check('postSystemDocuments', { file: Buffer.from('x'), title: 5 }), [
      'title: must be string',
    ]);
    assert.deepEqual(check('postSystemDocuments', Buffer.from('x')), [
      'body: must be an object of form fields',
    ]);
  });

  it('has nothing to say about operations without a body', () => {
    assert.deepEqual(check('getServiceTickets', { anything: true }), []);
  });

  it('refuses an unknown operation with an INPUT error naming it', () => {
    assert.throws(
      () => catalog.validateBody('postNothing', {}),
      (err: unknown) =>
        err instanceof CwError && err.code === 'INPUT' && /"postNothing"/.test(err.message),
    );
  });

  it('turns problems into one INPUT error naming the first field', () => {
    const problems = catalog.validateBody('postServiceTickets', { summary: 'x'.repeat(101) });
    const error = bodyProblemsError(problems, 'postServiceTickets');
    assert.equal(error.code, 'INPUT');
    assert.equal(error.field, 'body.company');
    assert.equal(error.operationId, 'postServiceTickets');
    assert.equal(
      error.message,
      'body: company: is required; summary: must be at most 100 characters',
    );
  });

  it('tolerates formats it does not know and validates the ones it does', () => {
    const validator = new BodyValidator({
      Gadget: {
        type: 'object',
        required: ['serial'],
        properties: {
          serial: { type: 'string', format: 'x-serial-number' },
          guid: { type: 'string', format: 'uuid' },
          count: { type: 'integer', format: 'int32' },
          seen: { type: 'string', format: 'date-time' },
        },
      },
    });
    assert.deepEqual(validator.validateSchema('Gadget', { serial: 'anything at all' }), []);
    assert.deepEqual(
      messages(
        validator.validateSchema('Gadget', {
          serial: 'A1',
          guid: 'nope',
          count: 2 ** 31,
          seen: '2025-01-01T08:00:00',
        }),
      ),
      [
        'guid: must be a UUID such as 00000000-0000-0000-0000-000000000000',
        'count: must be a 32-bit integer',
      ],
    );
  });

  it('writes field paths the way a user reads them', () => {
    assert.equal(formatInstancePath(''), 'body');
    assert.equal(formatInstancePath('/board/id'), 'board/id');
    assert.equal(formatInstancePath('/0/summary'), '[0]/summary');
    assert.equal(formatInstancePath('/customFields/2/value'), 'customFields[2]/value');
    assert.equal(formatInstancePath('/a~1b'), 'a/b');
  });
});
