import { strict as assert } from 'node:assert';

import type { Node } from 'node-red';

import { CwError, inputError } from '../../src/core/errors';
import type { CwResponse } from '../../src/core/http-types';
import { buildRequest } from '../../src/core/request-builder';
import {
  DEFAULT_ALL_RECORD_LIMIT,
  readOverrides,
  recordLimitOf,
  requestInputFor,
  resolveOperationId,
} from '../../src/nodes/connectwise-request/request-input';
import { statusTextFor } from '../../src/nodes/connectwise-request/response-messages';
import {
  reportBackgroundFailure,
  reportFailure,
  shortErrorText,
  MAX_STATUS_LENGTH,
} from '../../src/nodes/node-status';
import { isBlankRow } from '../../src/nodes/typed-inputs';
import type { OperationDetail, ParameterSpec } from '../../src/shared/catalog-types';
import type { RequestConfig } from '../../src/shared/node-configs';
import { jsonBody, operation } from '../helpers/operation-fixtures';

function spec(name: string, where: ParameterSpec['in'], type: ParameterSpec['type'] = 'string') {
  return { name, in: where, required: where === 'path', type } satisfies ParameterSpec;
}

const getTicket = operation({
  operationId: 'getServiceTicketsById',
  path: '/service/tickets/{id}',
  tag: 'Tickets',
  summary: 'Get Ticket By Id',
  pathParams: [spec('id', 'path', 'integer')],
  queryParams: [spec('fields', 'query'), spec('pageSize', 'query', 'integer')],
  headerParams: [spec('If-Match', 'header')],
});

const postTicket: OperationDetail = {
  ...getTicket,
  operationId: 'postServiceTickets',
  method: 'post',
  path: '/service/tickets',
  pathParams: [],
  queryParams: [],
  headerParams: [],
  body: jsonBody('Ticket'),
  successStatus: 201,
};

const config = (overrides: Partial<RequestConfig> = {}): RequestConfig => ({
  connection: 'c',
  operationId: 'getServiceTicketsById',
  ...overrides,
});

function response(overrides: Partial<CwResponse> = {}): CwResponse {
  return { status: 200, headers: {}, data: null, url: 'http://x/apis/3.0/a', ...overrides };
}

/** The request the node builds for one message: its rows, `msg.cw` and `msg.payload`. */
function requestFor(
  op: OperationDetail,
  nodeConfig: RequestConfig,
  rows: { name: string; value: unknown }[],
  cw: unknown,
  payload: unknown,
) {
  return buildRequest(op, requestInputFor(nodeConfig, rows, readOverrides(cw), payload));
}

describe('connectwise-request input', () => {
  it('routes rows by name (any case) to path, query and headers', () => {
    const request = requestFor(
      getTicket,
      config(),
      [
        { name: 'id', value: 5 },
        { name: 'FIELDS', value: 'id' },
        { name: 'if-match', value: 7 },
      ],
      undefined,
      undefined,
    );
    assert.equal(request.path, '/service/tickets/5');
    assert.deepEqual(request.query, { fields: 'id' });
    assert.deepEqual(request.headers, { 'If-Match': '7' });
  });

  it('names a row that is no parameter of the operation', () => {
    assert.throws(
      () => requestFor(getTicket, config(), [{ name: 'colour', value: 'blue' }], {}, undefined),
      (err: CwError) =>
        err.code === 'INPUT' &&
        err.field === 'params.colour' &&
        err.message === 'params.colour: not a parameter of getServiceTicketsById',
    );
  });

  it('lets msg.cw override the rows, and refuses overrides of the wrong shape', () => {
    const request = requestFor(
      getTicket,
      config(),
      [
        { name: 'id', value: 5 },
        { name: 'fields', value: 'id' },
      ],
      { params: { id: 6 }, query: { fields: 'id,summary' }, headers: { 'X-A': 1 } },
      undefined,
    );
    assert.equal(request.path, '/service/tickets/6');
    assert.deepEqual(request.query, { fields: 'id,summary' });
    assert.deepEqual(request.headers, { 'X-A': '1' });
    assert.throws(() => readOverrides({ params: 'id=5' }), /^msg\.cw\.params: must be an object/);
    assert.throws(() => readOverrides('getThing'), /msg\.cw: must be an object/);
    assert.throws(() => readOverrides({ operationId: 5 }), /msg\.cw\.operationId: must be text/);
  });

  it('takes msg.cw.operationId unless msg.cw describes an earlier answer', () => {
    assert.equal(resolveOperationId(config(), readOverrides({ operationId: 'getX' })), 'getX');
    assert.equal(
      resolveOperationId(config(), readOverrides({ operationId: 'getX', url: 'http://x' })),
      'getServiceTicketsById',
    );
    assert.throws(
      () => resolveOperationId(config({ operationId: '' }), {}),
      /operationId: not set/,
    );
  });

  it('reads the body from the payload or the fixed JSON, only for methods that take one', () => {
    const body = (op: OperationDetail, nodeConfig: RequestConfig, payload: unknown): unknown =>
      requestFor(op, nodeConfig, op === getTicket ? [{ name: 'id', value: 1 }] : [], {}, payload)
        .body;
    assert.equal(body(getTicket, config(), { a: 1 }), undefined);
    assert.deepEqual(body(postTicket, config(), '{"summary":"s"}'), { summary: 's' });
    assert.deepEqual(body(postTicket, config(), { summary: 's' }), { summary: 's' });
    assert.deepEqual(
      body(postTicket, config({ bodySource: 'fixed', body: '{"summary":"f"}' }), { x: 1 }),
      { summary: 'f' },
    );
    assert.throws(() => body(postTicket, config(), '{'), /^msg\.payload: not valid JSON \(/);
    assert.throws(
      () => body(postTicket, config({ bodySource: 'fixed', body: 'nope' }), undefined),
      /^body: not valid JSON \(/,
    );
  });

  it('defaults the record limit to 10,000 for `all` and none for the streamed modes', () => {
    assert.equal(recordLimitOf(config({ paging: 'all' })), DEFAULT_ALL_RECORD_LIMIT);
    assert.equal(recordLimitOf(config({ paging: 'per-record' })), 0);
    assert.equal(recordLimitOf(config({ paging: 'all', recordLimit: '0' })), 0);
    assert.equal(recordLimitOf(config({ paging: 'all', recordLimit: 50 })), 50);
    assert.throws(() => recordLimitOf(config({ recordLimit: '-1' })), /recordLimit: "-1"/);
  });

  it('treats a row without a value as absent, except a boolean', () => {
    assert.equal(isBlankRow({ type: 'str', value: ' ' }), true);
    assert.equal(isBlankRow({ type: 'num', value: '' }), true);
    assert.equal(isBlankRow({ type: 'bool', value: '' }), false);
    assert.equal(isBlankRow({ type: 'msg', value: 'payload.id' }), false);
  });
});

describe('connectwise-request answers', () => {
  it('writes short status texts', () => {
    const list = { ...getTicket, responseKind: 'list' as const };
    assert.equal(
      statusTextFor(list, response({ data: new Array(1234).fill({}) })),
      '200 · 1,234 records',
    );
    assert.equal(statusTextFor(list, response({ data: [{}] })), '200 · 1 record');
    assert.equal(statusTextFor(postTicket, response({ status: 201, data: {} })), '201 created');
    const remove = { ...getTicket, method: 'delete' as const, responseKind: 'none' as const };
    assert.equal(statusTextFor(remove, response({ status: 204 })), '204 deleted');
    const count = { ...getTicket, responseKind: 'count' as const };
    assert.equal(statusTextFor(count, response({ data: { count: 3 } })), '200 · count 3');
    const file = response({ data: Buffer.alloc(2048), fileName: 'a.pdf' });
    assert.equal(statusTextFor(getTicket, file), '200 · a.pdf');
    assert.equal(statusTextFor(getTicket, response({ data: Buffer.alloc(2048) })), '200 · 2.0 kB');
  });
});

describe('node status and the error path', () => {
  function fakeNode() {
    const calls = { status: [] as unknown[], send: [] as unknown[], error: [] as unknown[] };
    const node = {
      status: (status: unknown) => calls.status.push(status),
      send: (msg: unknown) => calls.send.push(msg),
      error: (err: unknown, msg: unknown) => calls.error.push([err, msg]),
    } as unknown as Node;
    return { node, calls };
  }

  it('reports a failure no message caused on a message of its own, for Catch nodes', () => {
    const { node, calls } = fakeNode();
    const err = inputError('params.id', 'is required');
    reportBackgroundFailure(node, err, { operationId: 'getServiceTickets' });
    assert.deepEqual(calls.send, []);
    assert.deepEqual(calls.error, [
      [err, { payload: undefined, cw: { operationId: 'getServiceTickets' } }],
    ]);
    assert.deepEqual(calls.status, [
      { fill: 'red', shape: 'ring', text: 'params.id: is required' },
    ]);
  });

  it('keeps status texts short and free of the full server text', () => {
    const http = new CwError('HTTP', 'GET /x failed: 404 NotFound: a long story', {
      statusCode: 404,
      cwCode: 'NotFound',
    });
    assert.equal(shortErrorText(http), '404 NotFound');
    assert.equal(shortErrorText(new CwError('TIMEOUT', 'GET /x failed: no answer')), 'timeout');
    const { node, calls } = fakeNode();
    reportFailure(node, inputError('body', 'x'.repeat(200)), () => undefined);
    const text = (calls.status[0] as { text: string }).text;
    assert.equal(text.length, MAX_STATUS_LENGTH);
    assert.ok(text.endsWith('…'));
  });
});
