import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import { CwError } from '../../src/core/errors';
import { buildRequest } from '../../src/core/request-builder';
import type { ParameterSpec } from '../../src/shared/catalog-types';
import { jsonBody, operation } from '../helpers/operation-fixtures';

const LIST_QUERY: ParameterSpec[] = [
  { name: 'conditions', in: 'query', required: false, type: 'string' },
  { name: 'childConditions', in: 'query', required: false, type: 'string' },
  { name: 'customFieldConditions', in: 'query', required: false, type: 'string' },
  { name: 'orderBy', in: 'query', required: false, type: 'string' },
  { name: 'fields', in: 'query', required: false, type: 'string' },
  { name: 'page', in: 'query', required: false, type: 'integer' },
  { name: 'pageSize', in: 'query', required: false, type: 'integer' },
  { name: 'pageId', in: 'query', required: false, type: 'integer' },
];

const getTickets = operation({
  operationId: 'getServiceTickets',
  path: '/service/tickets',
  queryParams: LIST_QUERY,
  responseKind: 'list',
});

const getTicket = operation({
  operationId: 'getServiceTicketsById',
  path: '/service/tickets/{id}',
  pathParams: [{ name: 'id', in: 'path', required: true, type: 'integer', inTemplate: true }],
});

const getMember = operation({
  operationId: 'getSystemMembersByMemberIdentifier',
  path: '/system/members/{memberIdentifier:regex(^(types. |(',
  pathParams: [{ name: 'memberIdentifier', in: 'path', required: true, type: 'string' }],
});

const deleteContact = operation({
  operationId: 'deleteCompanyContactsById',
  method: 'delete',
  path: '/company/contacts/{id}',
  pathParams: [
    { name: 'id', in: 'path', required: true, type: 'integer', inTemplate: true },
    { name: 'transferContactId', in: 'path', required: false, type: 'integer', inTemplate: false },
  ],
  responseKind: 'none',
  successStatus: 204,
});

const patchTicket = operation({
  operationId: 'patchServiceTicketsById',
  method: 'patch',
  path: '/service/tickets/{id}',
  pathParams: [{ name: 'id', in: 'path', required: true, type: 'integer', inTemplate: true }],
  body: jsonBody('PatchOperation', { array: true, patch: true }),
});

const postTicket = operation({
  operationId: 'postServiceTickets',
  method: 'post',
  path: '/service/tickets',
  body: jsonBody('Ticket'),
  successStatus: 201,
});

const download = operation({
  operationId: 'getSystemDocumentsByIdDownload',
  path: '/system/documents/{id}/download',
  pathParams: [{ name: 'id', in: 'path', required: true, type: 'integer', inTemplate: true }],
  responseKind: 'binary',
});

function inputFailure(run: () => unknown, message: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof CwError, `expected a CwError, got ${String(err)}`);
    assert.equal(err.code, 'INPUT');
    assert.equal(err.message, message);
    return true;
  });
}

describe('buildRequest', () => {
  describe('path parameters', () => {
    it('fills integer parameters from numbers and numeric text', () => {
      assert.equal(buildRequest(getTicket, { params: { id: 12 } }).path, '/service/tickets/12');
      assert.equal(buildRequest(getTicket, { params: { id: ' 12 ' } }).path, '/service/tickets/12');
    });

    it('refuses missing, empty and non-integer values, naming the parameter', () => {
      inputFailure(() => buildRequest(getTicket), 'params.id: is required');
      inputFailure(() => buildRequest(getTicket, { params: { id: '' } }), 'params.id: is required');
      inputFailure(
        () => buildRequest(getTicket, { params: { id: null } }),
        'params.id: is required',
      );
      inputFailure(
        () => buildRequest(getTicket, { params: { id: 'abc' } }),
        'params.id: must be an integer, got "abc"',
      );
      inputFailure(
        () => buildRequest(getTicket, { params: { id: 1.5 } }),
        'params.id: must be an integer, got 1.5',
      );
      inputFailure(
        () => buildRequest(getTicket, { params: { id: '12/../13' } }),
        'params.id: must be an integer, got "12/../13"',
      );
    });

    const hostile: [string, string][] = [
      ['a?b=c', 'a%3Fb%3Dc'],
      ['a#b', 'a%23b'],
      ['a b', 'a%20b'],
      ['100%', '100%25'],
      ['jdoe', 'jdoe'],
      ['Zoë', 'Zo%C3%AB'],
    ];
    for (const [value, expected] of hostile) {
      it(`keeps ${JSON.stringify(value)} inside its path segment`, () => {
        const request = buildRequest(getMember, { params: { memberIdentifier: value } });
        assert.equal(request.path, `/system/members/${expected}`);
      });
    }

    for (const separated of [
      '../x',
      '1/2',
      '%2F',
      '..%2F..%2Fsystem',
      '%252F',
      '\\..\\x',
      'a%5Cb',
      'a\nb',
    ]) {
      it(`refuses the separator in ${JSON.stringify(separated)}`, () => {
        inputFailure(
          () => buildRequest(getMember, { params: { memberIdentifier: separated } }),
          'params.memberIdentifier: must not contain "/", "\\" or control characters (a path value is one segment)',
        );
      });
    }

    for (const dots of ['.', '..', '...', ' .. ']) {
      it(`refuses the dot segment ${JSON.stringify(dots)}`, () => {
        inputFailure(
          () => buildRequest(getMember, { params: { memberIdentifier: dots } }),
          `params.memberIdentifier: must not be ${JSON.stringify(dots.trim())}`,
        );
      });
    }

    it('never lets any value change the path outside its segment', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 1, unit: 'binary' }), (value) => {
          const trimmed = value.trim();
          if (trimmed === '' || /^\.+$/.test(trimmed)) return;
          let path: string;
          try {
            path = buildRequest(getMember, { params: { memberIdentifier: value } }).path;
          } catch (err) {
            // Only separators (in any spelling) and text that cannot be UTF-8 encoded are refused.
            assert.ok(err instanceof CwError && err.field === 'params.memberIdentifier');
            return;
          }
          const segment = path.slice('/system/members/'.length);
          assert.ok(path.startsWith('/system/members/'));
          assert.ok(!segment.includes('/') && !segment.includes('?') && !segment.includes('#'));
          assert.equal(decodeURIComponent(segment), trimmed);
        }),
      );
    });

    it('sends path parameters that are missing from the template as query parameters', () => {
      const request = buildRequest(deleteContact, { params: { id: 5, transferContactId: '7' } });
      assert.equal(request.path, '/company/contacts/5');
      assert.deepEqual(request.query, { transferContactId: 7 });
      assert.equal(buildRequest(deleteContact, { params: { id: 5 } }).query, undefined);
    });

    it('takes values by name wherever the document puts them, placed inputs replacing them', () => {
      const request = buildRequest(deleteContact, {
        values: [
          { name: 'ID', value: 5 },
          { name: 'transferContactId', value: 7 },
        ],
        params: { transferContactId: 8 },
      });
      assert.equal(request.path, '/company/contacts/5');
      assert.deepEqual(request.query, { transferContactId: 8 });
      inputFailure(
        () => buildRequest(deleteContact, { values: [{ name: 'colour', value: 'blue' }] }),
        'params.colour: not a parameter of deleteCompanyContactsById',
      );
    });

    it('refuses parameters the operation does not have', () => {
      inputFailure(
        () => buildRequest(getTicket, { params: { id: 1, ticketId: 2 } }),
        'params.ticketId: not a parameter of getServiceTicketsById',
      );
    });
  });

  describe('query parameters', () => {
    it('types values, drops empty ones and keeps the published names', () => {
      const request = buildRequest(getTickets, {
        query: {
          PAGE: '2',
          pagesize: 50,
          orderBy: 'id desc',
          fields: ['id', 'summary'],
          conditions: '',
        },
      });
      assert.deepEqual(request.query, {
        page: 2,
        pageSize: 50,
        orderBy: 'id desc',
        fields: 'id,summary',
      });
    });

    it('checks page and pageSize ranges', () => {
      inputFailure(
        () => buildRequest(getTickets, { query: { pageSize: 1001 } }),
        'query.pageSize: must be between 1 and 1000',
      );
      inputFailure(
        () => buildRequest(getTickets, { query: { pageSize: 0 } }),
        'query.pageSize: must be between 1 and 1000',
      );
      inputFailure(
        () => buildRequest(getTickets, { query: { page: 0 } }),
        'query.page: must be 1 or more',
      );
      inputFailure(
        () => buildRequest(getTickets, { query: { page: 'two' } }),
        'query.page: must be an integer, got "two"',
      );
    });

    it('refuses unknown query names', () => {
      inputFailure(
        () => buildRequest(getTickets, { query: { foo: 1 } }),
        'query.foo: not a parameter of getServiceTickets',
      );
    });

    it('accepts well-formed conditions and refuses malformed ones before sending', () => {
      const conditions =
        'board/name = "Help Desk" and (priority/id in (1,2) or closedFlag = False)';
      assert.equal(
        buildRequest(getTickets, { query: { conditions } }).query?.conditions,
        conditions,
      );
      assert.throws(
        () => buildRequest(getTickets, { query: { conditions: 'summary = "unterminated' } }),
        (err: unknown) =>
          err instanceof CwError &&
          err.code === 'INPUT' &&
          err.field === 'query.conditions' &&
          err.message.startsWith('query.conditions: '),
      );
      assert.throws(
        () => buildRequest(getTickets, { query: { childConditions: 'a = = 1' } }),
        (err: unknown) =>
          err instanceof CwError && err.message.startsWith('query.childConditions: '),
      );
    });
  });

  describe('headers', () => {
    it('refuses headers the connection owns and header injection', () => {
      inputFailure(
        () => buildRequest(getTickets, { headers: { Authorization: 'Basic x' } }),
        'headers.Authorization: is set by the connection',
      );
      inputFailure(
        () => buildRequest(getTickets, { headers: { clientId: 'x' } }),
        'headers.clientId: is set by the connection',
      );
      for (const name of ['Host', 'content-length', 'Cookie']) {
        inputFailure(
          () => buildRequest(getTickets, { headers: { [name]: 'x' } }),
          `headers.${name}: is set by the connection`,
        );
      }
      inputFailure(
        () => buildRequest(getTickets, { headers: { 'X-Test': 'a\r\nInjected: 1' } }),
        'headers.X-Test: must not contain line breaks',
      );
      inputFailure(
        () => buildRequest(getTickets, { headers: { 'X-Test': { a: 1 } } }),
        'headers.X-Test: must be text, a number or true/false',
      );
      assert.deepEqual(
        buildRequest(getTickets, { headers: { 'pagination-type': 'forward-only' } }).headers,
        {
          'pagination-type': 'forward-only',
        },
      );
    });
  });

  describe('body', () => {
    it('requires a body where the operation does', () => {
      inputFailure(() => buildRequest(postTicket), 'body: is required');
      inputFailure(() => buildRequest(postTicket, { body: null }), 'body: is required');
    });

    it('ignores a body on GET and DELETE', () => {
      assert.equal(buildRequest(getTicket, { params: { id: 1 }, body: { a: 1 } }).body, undefined);
    });

    it('parses JSON text and refuses text that is not JSON', () => {
      assert.deepEqual(buildRequest(postTicket, { body: '{"summary":"x"}' }).body, {
        summary: 'x',
      });
      assert.throws(
        () => buildRequest(postTicket, { body: 'summary=x' }),
        (err: unknown) =>
          err instanceof CwError &&
          err.code === 'INPUT' &&
          err.field === 'body' &&
          err.message.startsWith('body: not valid JSON ('),
      );
      assert.throws(
        () => buildRequest(postTicket, { body: '{', bodyField: 'msg.payload' }),
        (err: unknown) =>
          err instanceof CwError && err.message.startsWith('msg.payload: not valid JSON ('),
      );
    });

    it('passes bytes through as they are, and reads the form fields of an upload from JSON text', () => {
      const upload = operation({
        operationId: 'postSystemDocuments',
        method: 'post',
        path: '/system/documents',
        body: jsonBody('DocumentFormData', { multipart: true, contentType: 'multipart/form-data' }),
      });
      const bytes = Buffer.from('%PDF-1.4');
      assert.equal(buildRequest(upload, { body: bytes }).body, bytes);
      assert.deepEqual(buildRequest(upload, { body: '{"recordId": 5}' }).body, { recordId: 5 });
      assert.equal(buildRequest(postTicket, { body: bytes }).body, bytes);
    });

    it('sends the body of a DELETE that declares one (the bulk DELETEs)', () => {
      const bulk = operation({
        operationId: 'deleteProcurementPurchaseordersByParentIdLineitemsBulk',
        method: 'delete',
        path: '/procurement/purchaseorders/{parentId}/lineitems/bulk',
        body: jsonBody('IdCollection'),
      });
      assert.deepEqual(
        buildRequest(bulk, { params: { parentId: 1 }, body: '{"ids": [1, 2]}' }).body,
        {
          ids: [1, 2],
        },
      );
    });

    it('sends a single JSON Patch operation as a list', () => {
      const op = { op: 'replace', path: 'status/id', value: 5 };
      assert.deepEqual(buildRequest(patchTicket, { params: { id: 1 }, body: op }).body, [op]);
      assert.deepEqual(buildRequest(patchTicket, { params: { id: 1 }, body: [op] }).body, [op]);
    });
  });

  it('asks for a binary answer where the operation answers bytes, unless told otherwise', () => {
    const request = buildRequest(download, { params: { id: 3 } });
    assert.equal(request.responseType, 'binary');
    assert.equal(request.operationId, 'getSystemDocumentsByIdDownload');
    assert.equal(
      buildRequest(download, { params: { id: 3 }, responseType: 'json' }).responseType,
      'json',
    );
    assert.equal(buildRequest(getTicket, { params: { id: 3 } }).responseType, 'json');
  });
});
