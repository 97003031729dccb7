/**
 * What the request node does with one message: resolve the operation, evaluate the parameter
 * rows, build and validate the request (nothing is sent when the input is bad), send it, and turn
 * the answer into one message, one per page, or one per record.
 */
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';

import { bodyProblemsError } from '../../core/body-validation';
import type { Catalog } from '../../core/catalog-store';
import type { CwClient } from '../../core/client';
import {
  checkCustomFieldWrite,
  sendWithCustomFields,
  type CustomFieldWrite,
} from '../../core/custom-field-update';
import { customFieldMaps, readCustomFieldChanges } from '../../core/custom-fields';
import { CwError, isCwError } from '../../core/errors';
import type { CwResponse, PreparedRequest } from '../../core/http-types';
import { pagesForwardOnly } from '../../core/forward-only';
import { pagePosition } from '../../core/paging';
import { checkMemberIdentifier } from '../../core/member-tokens';
import { isRawBody } from '../../core/request-body';
import { buildRequest, fitToUrlLimit } from '../../core/request-builder';
import { FILE_FIELD, isFileContent, uploadForm } from '../../core/upload-form';
import type { OperationDetail } from '../../shared/catalog-types';
import { FORWARD_ONLY_MODES } from '../../shared/modes';
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
import { evaluateParameterRows, evaluateTypedInput } from '../typed-inputs';
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
  /** Custom fields to write by caption with the create or update. */
  customFields?: CustomFieldWrite;
  /** Pages by `pageId` (`pagination-type: forward-only`) in the modes that read many pages. */
  forwardOnly: boolean;
}

/** A request about to be sent: built, then fitted to the connection's URL length. */
interface Sendable extends Prepared {
  client: CwClient;
  sent: PreparedRequest;
}

function isAbsentPayload(payload: unknown): boolean {
  return payload === undefined || payload === null || payload === '';
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
    const customFields = await this.customFieldWrite(msg, overrides);
    // Custom fields alone are a whole PATCH: no other operation is needed in the body.
    const payload =
      customFields && op.method === 'patch' && isAbsentPayload(msg.payload) ? [] : msg.payload;
    const input = requestInputFor(this.config, rows, overrides, payload);
    const request = buildRequest(op, input);
    const actAs = overrides.actAs ?? (await this.nodeActAs(msg));
    if (actAs !== undefined) request.actAs = actAs;
    const bodyField = this.config.bodySource === 'fixed' ? 'body' : 'msg.payload';
    if (op.body?.multipart && bodyField === 'body' && isFileContent(msg.payload)) {
      // The node's fixed JSON holds the form fields; the file comes in msg.payload.
      request.body = {
        ...(isPlainObject(request.body) ? request.body : {}),
        [FILE_FIELD]: msg.payload,
      };
    }
    if (customFields)
      checkCustomFieldWrite(request, customFields, input.bodyField ?? 'msg.payload');
    // An empty patch list is whole once the custom fields are added to it.
    const onlyCustomFields =
      customFields !== undefined && Array.isArray(request.body) && request.body.length === 0;
    if (
      this.config.validateBody !== false &&
      request.body !== undefined &&
      op.body &&
      !onlyCustomFields
    ) {
      const formFields = op.body.multipart && !isFileContent(request.body);
      if (formFields || (!op.body.multipart && !isRawBody(request.body))) {
        const problems = catalog.validateBody(op.operationId, request.body);
        if (problems.length > 0) throw bodyProblemsError(problems, op.operationId);
      }
    }
    if (op.body?.multipart && request.body !== undefined) {
      request.body = await uploadForm(op, request.body, bodyField, {
        fileName: msg.filename,
        contentType: msg.contentType,
      });
    }
    // Read the limit now so a malformed one fails before anything is sent.
    const limit = isPagedList(op) ? recordLimitOf(this.config) : 0;
    const manyPages = isPagedList(op) && FORWARD_ONLY_MODES.includes(this.config.paging ?? 'page');
    const forwardOnly = manyPages
      ? pagesForwardOnly(request, this.config.forwardOnly === true, {
          overriddenHeaders: Object.keys(overrides.headers ?? {}),
        })
      : false;
    return { op, request, limit, customFields, forwardOnly };
  }

  /** The node's member to act as, for this message; undefined when it names none. */
  private async nodeActAs(msg: NodeMessageInFlow): Promise<string | undefined> {
    const { actAs, actAsType } = this.config;
    if (!actAs || actAs.trim() === '') return undefined;
    const value = await evaluateTypedInput(
      this.RED,
      this.node,
      { type: actAsType ?? 'str', value: actAs },
      msg,
      'actAs',
    );
    if (value === undefined || value === null || value === '') return undefined;
    return checkMemberIdentifier(value, 'actAs');
  }

  /** The node's custom fields, then `msg.cw.customFields` over them; undefined when neither. */
  private async customFieldWrite(
    msg: NodeMessageInFlow,
    overrides: { customFields?: Record<string, unknown> },
  ): Promise<CustomFieldWrite | undefined> {
    const { customFields, customFieldsType } = this.config;
    let fromNode: Record<string, unknown> | undefined;
    if (customFields && customFields.trim() !== '') {
      const value = await evaluateTypedInput(
        this.RED,
        this.node,
        { type: customFieldsType ?? 'json', value: customFields },
        msg,
        'customFields',
      );
      if (value !== undefined && value !== null) {
        fromNode = readCustomFieldChanges(value, 'customFields');
      }
    }
    if (!fromNode && !overrides.customFields) return undefined;
    const changes = { ...fromNode, ...overrides.customFields };
    if (Object.keys(changes).length === 0) return undefined;
    return { changes, field: overrides.customFields ? 'msg.cw.customFields' : 'customFields' };
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
    const { op, request, client, sent, customFields } = sendable;
    const response = customFields
      ? await sendWithCustomFields((next) => client.request(next), sent, customFields)
      : await client.request(sent);
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
    const { op, client, sent, limit, forwardOnly } = sendable;
    const records: unknown[] = [];
    let lastResponse: CwResponse | undefined;
    let truncated = false;
    let pages = 0;
    for await (const page of client.pages(sent, { limit, forwardOnly })) {
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
    const { op, client, sent, limit, forwardOnly } = sendable;
    const template = { ...exchange.msg };
    delete template.payload;
    let delivered = 0;
    let lastResponse: CwResponse | undefined;
    for await (const page of client.pages(sent, { limit, forwardOnly })) {
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
    if (this.config.customFieldValues === true) {
      const values = customFieldMaps(response.data);
      if (values === undefined) delete msg.customFields;
      else msg.customFields = values;
    }
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
