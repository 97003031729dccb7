/**
 * What the request node does with one message: resolve the operation, evaluate the parameter
 * rows, build and validate the request (nothing is sent when the input is bad), send it, and turn
 * the answer into one message, one per page, or one per record.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';

import { bodyProblemsError } from '../../core/body-validation';
import type { Catalog } from '../../core/catalog-store';
import type { CwClient } from '../../core/client';
import { CwError, isCwError } from '../../core/errors';
import type { CwResponse, PreparedRequest } from '../../core/http-types';
import { pagePosition } from '../../core/paging';
import { isRawBody } from '../../core/request-body';
import { buildRequest, fitToUrlLimit } from '../../core/request-builder';
import type { OperationDetail } from '../../shared/catalog-types';
import type { RequestConfig } from '../../shared/node-configs';
import type { ConnectionNode } from '../connectwise-connection';
import {
  busyStatus,
  reportFailure,
  successStatus,
  failureStatus,
  shortErrorText,
  type DoneFunction,
  type SendFunction,
} from '../node-status';
import {
  coordinationDown,
  REQUEST_WITHOUT_REDIS,
  type CoordinatedConnection,
} from '../coordination-status';
import { evaluateParameterRows } from '../typed-inputs';
import {
  readOverrides,
  recordLimitOf,
  requestInputFor,
  resolveOperationId,
  unknownOperation,
} from './request-input';
import {
  countOf,
  describeFailure,
  describeRequest,
  statusTextFor,
  type RequestDescription,
} from './response-messages';

/** The parts of the connection node the request node uses. */
export type RequestConnection = Pick<
  ConnectionNode,
  'getClient' | 'getCatalog' | 'returnFailures'
> &
  CoordinatedConnection;

interface Exchange {
  msg: NodeMessageInFlow;
  send: SendFunction;
  done: DoneFunction;
}

interface Prepared {
  op: OperationDetail;
  request: PreparedRequest;
  /** Most records to read in the paging modes (0: no limit). */
  limit: number;
}

/** A request about to be sent: built, then fitted to the connection's URL length. */
interface Sendable extends Prepared {
  client: CwClient;
  sent: PreparedRequest;
}

/** A paging mode applies to lists read with GET; other operations answer once. */
function isPagedList(op: OperationDetail): boolean {
  return op.responseKind === 'list' && op.method === 'get';
}

export class RequestRuntime {
  private closed = false;

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    private readonly config: RequestConfig,
    private readonly connection: RequestConnection,
  ) {}

  close(): void {
    this.closed = true;
  }

  async handle(exchange: Exchange): Promise<void> {
    const { msg, done } = exchange;
    let prepared: Prepared | undefined;
    try {
      const { connection } = this;
      prepared = await this.prepare(connection, msg);
      const client = await connection.getClient();
      // A backlog on the connection shows while it lasts: each message says what is ahead of it.
      const { queued } = client.limiterStats;
      this.node.status(busyStatus(queued > 0 ? `requesting · ${queued} waiting` : 'requesting'));
      await this.run(client, prepared, exchange);
      // Answered, but on this instance's own limit: say so while Redis is away.
      if (await coordinationDown(connection)) {
        this.node.status({ fill: 'yellow', shape: 'ring', text: REQUEST_WITHOUT_REDIS });
      }
    } catch (err) {
      if (prepared && this.shouldReturnFailure(err)) {
        this.sendFailure(prepared.op, err, exchange);
        return;
      }
      reportFailure(this.node, err, done);
    }
  }

  /** Everything before the wire; any problem here means nothing is sent. */
  private async prepare(connection: RequestConnection, msg: NodeMessageInFlow): Promise<Prepared> {
    const overrides = readOverrides(msg.cw);
    const operationId = resolveOperationId(this.config, overrides);
    const catalog: Catalog = connection.getCatalog();
    const op = catalog.operation(operationId);
    if (!op) throw unknownOperation(operationId);
    const rows = await evaluateParameterRows(
      this.RED,
      this.node,
      this.config.params,
      msg,
      (row) => `params.${row.name}`,
    );
    const request = buildRequest(op, requestInputFor(this.config, rows, overrides, msg.payload));
    if (this.config.validateBody !== false && request.body !== undefined && op.body) {
      if (!op.body.multipart && !isRawBody(request.body)) {
        const problems = catalog.validateBody(op.operationId, request.body);
        if (problems.length > 0) throw bodyProblemsError(problems, op.operationId);
      }
    }
    // Read the limit now so a malformed one fails before anything is sent.
    const limit = isPagedList(op) ? recordLimitOf(this.config) : 0;
    return { op, request, limit };
  }

  private async run(client: CwClient, prepared: Prepared, exchange: Exchange): Promise<void> {
    const sendable = {
      ...prepared,
      client,
      sent: fitToUrlLimit(prepared.request, client.settings.baseUrl),
    };
    const mode = isPagedList(prepared.op) ? (this.config.paging ?? 'page') : 'page';
    switch (mode) {
      case 'all':
        return this.readAll(sendable, exchange);
      case 'per-page':
        return this.stream(sendable, exchange, 'page');
      case 'per-record':
        return this.stream(sendable, exchange, 'record');
      default:
        return this.readOnce(sendable, exchange);
    }
  }

  private async readOnce(sendable: Sendable, exchange: Exchange): Promise<void> {
    const { op, request, client, sent } = sendable;
    const response = await client.request(sent);
    const cw = describeRequest(op, response);
    if (isPagedList(op)) cw.paging = pagePosition(request, response);
    const count = op.responseKind === 'count' ? countOf(response.data) : undefined;
    if (count !== undefined) cw.count = count;
    this.answer(exchange.msg, response, cw);
    this.node.status(successStatus(statusTextFor(op, response)));
    exchange.send(exchange.msg);
    exchange.done();
  }

  private async readAll(sendable: Sendable, exchange: Exchange): Promise<void> {
    const { op, client, sent, limit } = sendable;
    const records: unknown[] = [];
    let lastResponse: CwResponse | undefined;
    let truncated = false;
    let pages = 0;
    for await (const page of client.pages(sent, { limit })) {
      if (this.closed) return;
      pages = page.page;
      lastResponse = page.response;
      records.push(...page.records);
      truncated = page.truncated;
      this.node.status(busyStatus(`page ${pages} · ${records.length} records`));
    }
    if (!lastResponse) return exchange.done();
    const cw = describeRequest(op, lastResponse);
    cw.paging = { pages, count: records.length, truncated, ...(limit > 0 ? { limit } : {}) };
    this.answer(exchange.msg, { ...lastResponse, data: records }, cw);
    const text = statusTextFor(op, lastResponse, records.length);
    this.node.status(successStatus(truncated ? `${text} (limit reached)` : text));
    exchange.send(exchange.msg);
    exchange.done();
  }

  /**
   * One message per page or per record. The next page is fetched only after the current page's
   * messages are sent, so memory holds one page whatever the list's length.
   */
  private async stream(
    sendable: Sendable,
    exchange: Exchange,
    unit: 'page' | 'record',
  ): Promise<void> {
    const { op, client, sent, limit } = sendable;
    const template = { ...exchange.msg };
    delete template.payload;
    let delivered = 0;
    let lastResponse: CwResponse | undefined;
    for await (const page of client.pages(sent, { limit })) {
      if (this.closed) return;
      lastResponse = page.response;
      const first = delivered;
      delivered += page.records.length;
      const { last } = page;
      const base = describeRequest(op, page.response);
      if (unit === 'page') {
        const cw = { ...base, paging: { page: page.page, count: page.records.length, last } };
        exchange.send(this.streamed(template, page.response, page.records, cw));
      } else {
        page.records.forEach((record, offset) => {
          const paging = {
            index: first + offset,
            page: page.page,
            last: last && offset === page.records.length - 1,
          };
          exchange.send(this.streamed(template, page.response, record, { ...base, paging }));
        });
      }
      this.node.status(busyStatus(`page ${page.page} · ${delivered} records`));
      // Let the messages just sent reach the next nodes before the next page is asked for.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (lastResponse) this.node.status(successStatus(statusTextFor(op, lastResponse, delivered)));
    exchange.done();
  }

  private streamed(
    template: NodeMessage,
    response: CwResponse,
    payload: unknown,
    cw: RequestDescription,
  ): NodeMessage {
    const msg = this.RED.util.cloneMessage(template);
    msg._msgid = this.RED.util.generateId();
    this.answer(msg, { ...response, data: payload }, cw);
    return msg;
  }

  private answer(msg: NodeMessage, response: CwResponse, cw: RequestDescription): void {
    msg.payload = response.data;
    msg.statusCode = response.status;
    msg.headers = { ...response.headers };
    msg.cw = cw;
  }

  private shouldReturnFailure(err: unknown): err is CwError {
    return (
      this.connection.returnFailures === true &&
      isCwError(err) &&
      err.code === 'HTTP' &&
      err.statusCode !== undefined
    );
  }

  /** "Return HTTP failures": the failed answer goes on as a message, and the node is done. */
  private sendFailure(op: OperationDetail, err: CwError, exchange: Exchange): void {
    const { msg } = exchange;
    msg.payload = err.responseBody;
    msg.statusCode = err.statusCode;
    msg.headers = { ...(err.responseHeaders ?? {}) };
    msg.cw = describeFailure(op, err);
    this.node.status(failureStatus(shortErrorText(err)));
    exchange.send(msg);
    exchange.done();
  }
}
