/**
 * The simulator's HTTP handler: base path and auth checks, faults, then one generic handler per
 * route action (list, create, count, search, get, replace, patch, delete, singleton, binary).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { SAMPLE_PNG, contentDisposition, contentTypeForFileName, samplePdf } from './binary-assets';
import {
  CALLBACK_KEY_PATTERN,
  CALLBACKS_COLLECTION,
  assertNewCallback,
  type CallbackDispatcher,
} from './callbacks';
import { manageTimestamp, type SimClock } from './clock';
import type { FaultKind, FaultList, FaultSpec, PendingFault } from './faults';
import { applyJsonPatch } from './json-patch';
import {
  ManageHttpError,
  badRequest,
  invalidObject,
  notFound,
  resourceName,
  type ManageErrorDetail,
} from './manage-errors';
import { parseMultipart } from './multipart';
import {
  countRecords,
  listRecords,
  parseFields,
  projectFields,
  type ListPage,
  type ListQuery,
} from './query';
import {
  applyCreateDefaults,
  applyDerivedFields,
  resolveReferences,
  type ReferenceContext,
} from './references';
import type { RouteMatch, RouteTable } from './routes';
import {
  DEFAULT_ACTOR,
  collectionKey,
  userFields,
  type MemoryStore,
  type RecordInput,
  type SimRecord,
} from './store';

export const API_VERSION = '2025.1';
export const DEFAULT_CLIENT_ID = '00000000-0000-4000-8000-000000000000';
const MAX_BODY_BYTES = 50 * 1024 * 1024;
const API_BASE_PATTERN = /^\/(v4_6_release|v20\d\d_\d+)\/apis\/3\.0(\/.*)?$/i;
const COMPANY_INFO_PATTERN = /^\/login\/companyinfo\/([^/]+)\/?$/i;
const CONTROL_PREFIX = '/_simulator/';

export interface SimMember {
  companyId: string;
  publicKey: string;
  privateKey: string;
  /** Written to `_info.enteredBy` / `updatedBy` of the records this member changes. */
  memberIdentifier?: string;
}

export interface RequestLogEntry {
  /** When the request arrived, by the simulator's clock (ISO). */
  time: string;
  method: string;
  /** The full request path, without the query. */
  path: string;
  query: Record<string, string | string[]>;
  /** Request headers; Authorization and clientId read `***`. */
  headers: Record<string, string>;
  /** 0 when the connection was dropped before any answer. */
  status: number;
  /** The request body: parsed JSON, or a summary of multipart parts. */
  body?: unknown;
  /** The fault that answered, if one did. */
  fault?: FaultKind;
}

export interface HandlerContext {
  routes: RouteTable;
  store: MemoryStore;
  clock: SimClock;
  faults: FaultList;
  log: RequestLogEntry[];
  logLimit: number;
  members: SimMember[];
  latencyMs: number;
  siteUrl(): string;
  /** Timers of delayed answers, cleared when the simulator stops. */
  timers: Set<NodeJS.Timeout>;
  /** Sends callback deliveries and serves their signing keys. */
  callbacks?: CallbackDispatcher;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** `json` holds store records (or a list of them) whose text may be reused. */
  records?: boolean;
  bytes?: Buffer;
  contentType?: string;
}

interface RequestInfo {
  method: string;
  pathname: string;
  apiPath?: string;
  params: URLSearchParams;
  /** Query parameters by lower-cased name (Manage reads them ignoring case). */
  query: Map<string, string>;
  headers: IncomingMessage['headers'];
  body: Buffer;
  host: string;
  member?: SimMember;
}

const jsonAnswer = (status: number, json: unknown, headers?: Record<string, string>): Answer => ({
  status,
  json,
  headers,
});

function errorAnswer(error: ManageHttpError): Answer {
  return jsonAnswer(error.status, error.body);
}

function maskHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] =
      name === 'authorization' || name === 'clientid'
        ? '***'
        : Array.isArray(value)
          ? value.join(', ')
          : value;
  }
  return out;
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  if (
    req.headers['content-length'] === undefined &&
    req.headers['transfer-encoding'] === undefined
  ) {
    return Promise.resolve(Buffer.alloc(0));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new ManageHttpError(
            413,
            'RequestEntityTooLarge',
            'The request body is larger than 50 MB',
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function wait(context: HandlerContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      context.timers.delete(timer);
      resolve();
    }, ms);
    context.timers.add(timer);
  });
}

/**
 * Serialised records, reused until the record is replaced: the store never mutates a record, so
 * its text stays valid for as long as the object lives.
 */
const recordText = new WeakMap<object, string>();

function cachedJson(record: object): string {
  let text = recordText.get(record);
  if (text === undefined) {
    text = JSON.stringify(record);
    recordText.set(record, text);
  }
  return text;
}

function jsonText(answer: Answer): string {
  const { json } = answer;
  if (!answer.records || json === null || typeof json !== 'object') return JSON.stringify(json);
  if (Array.isArray(json)) return `[${json.map((record: object) => cachedJson(record)).join(',')}]`;
  return cachedJson(json);
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = {
    'api-current-version': API_VERSION,
    ...answer.headers,
  };
  let payload: Buffer | undefined;
  if (answer.bytes) {
    payload = answer.bytes;
    headers['content-type'] = answer.contentType ?? 'application/octet-stream';
  } else if (answer.json !== undefined) {
    payload = Buffer.from(jsonText(answer), 'utf8');
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  if (payload) headers['content-length'] = payload.length;
  res.writeHead(answer.status, headers);
  res.end(payload);
}

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>ConnectWise Manage - Login</title></head><body>' +
  '<form id="login" method="post"><h1>Login</h1><label>Company <input name="company"></label>' +
  '<label>Username <input name="user"></label><label>Password <input type="password" name="password"></label>' +
  '<button type="submit">Login</button></form></body></html>';

/** Answers with the fault (a `slow` fault only delays, so it sends nothing here). */
function sendFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: PendingFault,
  entry: RequestLogEntry,
): void {
  entry.fault = fault.kind;
  const json = (status: number, body: unknown, headers?: Record<string, string>): void => {
    entry.status = status;
    send(res, jsonAnswer(status, body, headers));
  };
  switch (fault.kind) {
    case '429':
      json(
        429,
        { error: 'ConnectWiseAPI', message: 'Too many requests. Please try again in 30 seconds.' },
        { 'retry-after': String(fault.retryAfter ?? 1) },
      );
      return;
    case '500':
      json(500, {
        code: 'InternalServerError',
        message: 'A timeout has occured. Please try again.',
      });
      return;
    case '502':
      entry.status = 502;
      send(res, {
        status: 502,
        bytes: Buffer.from(
          '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
        ),
        contentType: 'text/html',
      });
      return;
    case '503':
      json(
        503,
        {
          code: 'ServiceUnavailable',
          message: 'The service is temporarily unavailable. Please try again.',
          errors: [],
        },
        fault.retryAfter === undefined ? undefined : { 'retry-after': String(fault.retryAfter) },
      );
      return;
    case 'drop':
      entry.status = 0;
      req.socket.destroy();
      return;
    case 'drop-mid-body': {
      entry.status = 200;
      const partial =
        '[{"id":1,"summary":"Printer offline in reception","board":{"id":1,"name":"Help';
      res.writeHead(200, {
        'api-current-version': API_VERSION,
        'content-type': 'application/json; charset=utf-8',
        'content-length': 4096,
      });
      res.write(partial, () => req.socket.destroy());
      return;
    }
    case 'invalid-json':
      entry.status = 200;
      send(res, {
        status: 200,
        bytes: Buffer.from('[{"id":1,"summary":"Printer offline in recep', 'utf8'),
        contentType: 'application/json; charset=utf-8',
      });
      return;
    case 'html':
      entry.status = 200;
      send(res, {
        status: 200,
        bytes: Buffer.from(LOGIN_PAGE, 'utf8'),
        contentType: 'text/html; charset=utf-8',
      });
      return;
    case 'slow':
      return;
  }
}

export function createRequestHandler(context: HandlerContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const pathname = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const params = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = {
      time: manageTimestamp(context.clock.now()),
      method,
      path: pathname,
      query: queryObject(params),
      headers: maskHeaders(req.headers),
      status: 0,
    };
    context.log.push(entry);
    if (context.log.length > context.logLimit * 2)
      context.log.splice(0, context.log.length - context.logLimit);

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      const error =
        err instanceof ManageHttpError ? err : badRequest('The request body could not be read');
      entry.status = error.status;
      if (!res.headersSent && !req.socket.destroyed) send(res, errorAnswer(error));
      return;
    }

    const baseMatch = API_BASE_PATTERN.exec(pathname);
    const apiPath = baseMatch ? (baseMatch[2] ?? '/') : undefined;
    const control = pathname.startsWith(CONTROL_PREFIX);
    const fault = control
      ? undefined
      : context.faults.take({ method, apiPath, fullPath: pathname });
    const delay = context.latencyMs + (fault?.delayMs ?? (fault?.kind === 'slow' ? 2000 : 0));
    if (delay > 0) await wait(context, delay);
    if (req.socket.destroyed) return;
    if (fault && fault.kind !== 'slow' && !fault.after) {
      sendFault(req, res, fault, entry);
      return;
    }

    const query = new Map<string, string>();
    for (const [key, value] of params) {
      const lower = key.toLowerCase();
      if (!query.has(lower)) query.set(lower, value);
    }
    const info: RequestInfo = {
      method,
      pathname,
      apiPath,
      params,
      query,
      headers: req.headers,
      body,
      host: req.headers.host ?? new URL(context.siteUrl()).host,
    };
    let answer: Answer;
    try {
      answer = control ? handleControl(context, info) : dispatch(context, info, entry);
    } catch (err) {
      answer =
        err instanceof ManageHttpError
          ? errorAnswer(err)
          : jsonAnswer(500, {
              code: 'InternalServerError',
              message: (err as Error).message,
              errors: [],
            });
    }
    if (fault && fault.kind !== 'slow') {
      sendFault(req, res, fault, entry);
      return;
    }
    entry.status = answer.status;
    send(res, answer);
  };
}

function readJsonBody(info: RequestInfo, entry?: RequestLogEntry): unknown {
  if (info.body.length === 0) {
    throw badRequest(`The request body is empty: ${info.method} ${info.apiPath} expects JSON`);
  }
  const type = String(info.headers['content-type'] ?? '');
  if (type !== '' && !/json/i.test(type)) {
    throw new ManageHttpError(
      415,
      'UnsupportedMediaType',
      `The request entity's media type '${type.split(';')[0]}' is not supported for this resource. Send application/json.`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(info.body.toString('utf8'));
    if (entry) entry.body = parsed;
    return parsed;
  } catch (err) {
    throw badRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}

function readJsonObject(info: RequestInfo, entry: RequestLogEntry, schema?: string): RecordInput {
  const value = readJsonBody(info, entry);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(
      `The request body must be a JSON object${schema ? ` (a ${resourceName(schema)})` : ''}`,
    );
  }
  return value as RecordInput;
}

function authenticate(context: HandlerContext, info: RequestInfo): SimMember {
  const unauthorized = (message: string): ManageHttpError =>
    new ManageHttpError(401, 'Unauthorized', message);
  const header = info.headers.authorization;
  if (!header || !/^basic\s+/i.test(header)) {
    throw unauthorized(
      'Authorization header is required: Basic base64("companyId+publicKey:privateKey")',
    );
  }
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const plus = user.indexOf('+');
  if (plus < 0) {
    throw unauthorized('Invalid credentials: the user name must be "companyId+publicKey"');
  }
  const companyId = user.slice(0, plus).toLowerCase();
  const publicKey = user.slice(plus + 1);
  const member = context.members.find(
    (candidate) =>
      candidate.companyId.toLowerCase() === companyId &&
      candidate.publicKey === publicKey &&
      candidate.privateKey === password,
  );
  if (!member) {
    throw unauthorized('Invalid credentials: check the company id, public key and private key');
  }
  const clientId = info.headers.clientid;
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    throw unauthorized(
      "clientId header is required: every request must carry the integration's client id (developer.connectwise.com)",
    );
  }
  return member;
}

function companyInfo(context: HandlerContext, info: RequestInfo, companyId: string): Answer {
  const member = context.members.find(
    (candidate) => candidate.companyId.toLowerCase() === companyId.toLowerCase(),
  );
  if (!member) return jsonAnswer(200, null);
  return jsonAnswer(200, {
    CompanyName: 'Simulated MSP',
    Codebase: 'v2025_1/',
    VersionCode: 'v2025.1',
    VersionNumber: 'v2025.1.10431',
    CompanyID: member.companyId,
    IsCloud: false,
    SiteUrl: info.host,
  });
}

function dispatch(context: HandlerContext, info: RequestInfo, entry: RequestLogEntry): Answer {
  const company = COMPANY_INFO_PATTERN.exec(info.pathname);
  if (company && info.method === 'GET')
    return companyInfo(context, info, decodeURIComponent(company[1]));
  const notFoundUri = (): Answer =>
    jsonAnswer(404, {
      code: 'NotFound',
      message: `No HTTP resource was found that matches the request URI '${context.siteUrl()}${info.pathname}' (${info.method}).`,
      errors: [],
    });
  if (info.apiPath === undefined) return notFoundUri();
  info.member = authenticate(context, info);
  const callbackKey = CALLBACK_KEY_PATTERN.exec(info.apiPath);
  if (callbackKey && info.method === 'GET' && context.callbacks) {
    const answer = context.callbacks.signingKeyAnswer(Number(callbackKey[1]));
    if (!answer) throw notFound(`No callback key with id ${callbackKey[1]}`);
    return jsonAnswer(200, answer);
  }
  const match = context.routes.match(info.method, info.apiPath);
  if (!match) return notFoundUri();
  return handleRoute(context, info, match, entry);
}

function entityName(match: RouteMatch): string {
  const schema = match.operation.recordSchema;
  return schema ? (schema.split('.').pop() ?? schema) : 'Record';
}

function referenceContext(context: HandlerContext): ReferenceContext {
  return {
    store: context.store,
    schemas: context.routes.schemas,
    apiBase: `${context.siteUrl()}/v4_6_release/apis/3.0`,
  };
}

/** A child collection's parent must exist (`/service/tickets/999/notes` -> 404). */
function checkParent(context: HandlerContext, collectionSegments: string[]): void {
  for (let i = collectionSegments.length - 1; i > 0; i--) {
    if (!/^\d+$/.test(collectionSegments[i])) continue;
    const parentCollection = collectionSegments.slice(0, i).join('/');
    const id = Number(collectionSegments[i]);
    if (context.store.count(parentCollection) > 0 && !context.store.get(parentCollection, id)) {
      throw notFound(`No record with id ${id} in /${parentCollection}`);
    }
    return;
  }
}

function findRecord(
  context: HandlerContext,
  collection: string,
  key: string,
  match: RouteMatch,
): SimRecord {
  let record: SimRecord | undefined;
  if (/^\d+$/.test(key)) {
    record = context.store.get(collection, Number(key));
  } else {
    const lower = key.toLowerCase();
    context.store.scan(collection, 0, (candidate) => {
      if (
        typeof candidate.identifier === 'string' &&
        candidate.identifier.toLowerCase() === lower
      ) {
        record = candidate;
        return false;
      }
      return true;
    });
  }
  if (!record) throw notFound(`${entityName(match)} with id ${key} not found`);
  return record;
}

function checkRequired(
  context: HandlerContext,
  schemaName: string | undefined,
  record: RecordInput,
): void {
  if (!schemaName) return;
  const required = context.routes.schemas[schemaName]?.required;
  if (!Array.isArray(required)) return;
  const errors: ManageErrorDetail[] = [];
  for (const field of required as string[]) {
    const value = record[field];
    if (value === undefined || value === null || value === '') {
      errors.push({
        code: 'NullObject',
        message: `${field} object cannot be null`,
        resource: resourceName(schemaName),
        field,
      });
    }
  }
  if (errors.length > 0) throw invalidObject(schemaName, errors);
}

function prepareRecord(
  context: HandlerContext,
  schemaName: string | undefined,
  record: RecordInput,
  creating: boolean,
): RecordInput {
  if (!schemaName) return record;
  const references = referenceContext(context);
  let prepared = creating ? applyCreateDefaults(references, schemaName, record) : record;
  prepared = resolveReferences(references, schemaName, prepared);
  return applyDerivedFields(references, schemaName, prepared);
}

function listQuery(info: RequestInfo, overrides: Record<string, unknown> = {}): ListQuery {
  const pick = (name: string): string | undefined => {
    const fromBody = Object.entries(overrides).find(([key]) => key.toLowerCase() === name)?.[1];
    if (typeof fromBody === 'string') return fromBody;
    return info.query.get(name);
  };
  return {
    conditions: pick('conditions'),
    childConditions: pick('childconditions'),
    customFieldConditions: pick('customfieldconditions'),
    orderBy: pick('orderby'),
    page: info.query.get('page'),
    pageSize: info.query.get('pagesize'),
    pageId: info.query.get('pageid'),
    forwardOnly: String(info.headers['pagination-type'] ?? '').toLowerCase() === 'forward-only',
  };
}

function linkHeader(info: RequestInfo, page: ListPage): string | undefined {
  const link = (rel: string, name: string, value: number): string => {
    const params = new URLSearchParams(info.params);
    for (const key of [...params.keys()]) {
      if (key.toLowerCase() === name.toLowerCase()) params.delete(key);
    }
    params.set(name, String(value));
    return `<http://${info.host}${info.pathname}?${params.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page.page !== undefined && page.lastPage !== undefined) {
    if (page.page > 1) {
      links.push(
        link('first', 'page', 1),
        link('prev', 'page', Math.min(page.page - 1, page.lastPage)),
      );
    }
    if (page.page < page.lastPage) {
      links.push(link('next', 'page', page.page + 1), link('last', 'page', page.lastPage));
    }
  } else if (page.nextPageId !== undefined) {
    links.push(link('next', 'pageId', page.nextPageId));
  }
  return links.length > 0 ? links.join(', ') : undefined;
}

function listAnswer(
  context: HandlerContext,
  info: RequestInfo,
  collection: string,
  query: ListQuery,
): Answer {
  const page = listRecords(context.store, collection, query);
  const fields = info.query.get('fields');
  const tree = fields ? parseFields(fields) : undefined;
  const link = linkHeader(info, page);
  const headers = link ? { link } : undefined;
  if (tree)
    return jsonAnswer(
      200,
      page.records.map((record) => projectFields(record, tree)),
      headers,
    );
  return { status: 200, json: page.records, records: true, headers };
}

function handleRoute(
  context: HandlerContext,
  info: RequestInfo,
  match: RouteMatch,
  entry: RequestLogEntry,
): Answer {
  const { operation, segments } = match;
  const { store } = context;
  const by = info.member?.memberIdentifier ?? DEFAULT_ACTOR;
  const allButLast = segments.slice(0, -1);
  switch (operation.action) {
    case 'list':
      checkParent(context, segments);
      return listAnswer(context, info, segments.join('/'), listQuery(info));
    case 'search': {
      checkParent(context, allButLast);
      const filter = info.body.length === 0 ? {} : readJsonObject(info, entry);
      return listAnswer(context, info, allButLast.join('/'), listQuery(info, filter));
    }
    case 'count':
      checkParent(context, allButLast);
      return jsonAnswer(200, { count: countRecords(store, allButLast.join('/'), listQuery(info)) });
    case 'create': {
      checkParent(context, segments);
      if (operation.multipart) return uploadDocument(context, info, segments.join('/'), entry, by);
      const body = readJsonObject(info, entry, operation.bodySchema);
      const fields = userFields(body);
      checkRequired(context, operation.bodySchema, fields);
      if (collectionKey(segments.join('/')) === CALLBACKS_COLLECTION) {
        assertNewCallback(store, fields);
      }
      const record = store.insert(
        segments.join('/'),
        prepareRecord(context, operation.bodySchema, fields, true),
        by,
      );
      return jsonAnswer(operation.successStatus, record);
    }
    case 'get': {
      const record = findRecord(
        context,
        allButLast.join('/'),
        segments[segments.length - 1],
        match,
      );
      const fields = info.query.get('fields');
      if (fields) return jsonAnswer(200, projectFields(record, parseFields(fields)));
      return { status: 200, json: record, records: true };
    }
    case 'replace': {
      const collection = allButLast.join('/');
      const existing = findRecord(context, collection, segments[segments.length - 1], match);
      const body = readJsonObject(info, entry, operation.bodySchema);
      checkRequired(context, operation.bodySchema, body);
      const prepared = prepareRecord(context, operation.bodySchema, body, false);
      return jsonAnswer(200, store.replace(collection, existing.id, prepared, by));
    }
    case 'patch': {
      const collection = allButLast.join('/');
      const existing = findRecord(context, collection, segments[segments.length - 1], match);
      const patch = readJsonBody(info, entry);
      const schema = operation.recordSchema;
      const patched = applyJsonPatch(existing, patch, schema, context.routes.schemas);
      const prepared = prepareRecord(context, schema, patched, false);
      return jsonAnswer(200, store.replace(collection, existing.id, prepared, by));
    }
    case 'delete': {
      const collection = allButLast.join('/');
      const existing = findRecord(context, collection, segments[segments.length - 1], match);
      store.remove(collection, existing.id);
      return { status: operation.successStatus === 200 ? 204 : operation.successStatus };
    }
    case 'singleton': {
      const value = store.getSingleton(segments.join('/'));
      return jsonAnswer(200, value ?? {});
    }
    case 'binary':
      return binaryAnswer(context, match);
    case 'action': {
      const body = info.body.length > 0 ? readJsonBody(info, entry) : undefined;
      if (operation.successStatus === 204) return { status: 204 };
      return jsonAnswer(operation.successStatus, body ?? {});
    }
  }
}

/** `/system/documents/{id}/download`, `/company/contacts/{id}/image`, `/finance/invoices/{id}/pdf`. */
function binaryAnswer(context: HandlerContext, match: RouteMatch): Answer {
  const { segments, operation } = match;
  const kind = segments[segments.length - 1].toLowerCase();
  const owner = segments.slice(0, -1);
  const id = owner[owner.length - 1];
  const collection = owner.slice(0, -1).join('/');
  if (/^\d+$/.test(id ?? '') && context.store.count(collection) > 0) {
    if (!context.store.get(collection, Number(id))) {
      throw notFound(`No record with id ${id} in /${collection}`);
    }
  }
  const stored = /^\d+$/.test(id ?? '')
    ? context.store.getContent(collection, Number(id))
    : undefined;
  let bytes: Buffer;
  let contentType: string;
  let fileName: string;
  if (stored && kind === 'download') {
    ({ bytes, contentType, fileName } = stored);
  } else if (operation.binaryType === 'application/pdf' || kind === 'pdf') {
    fileName = `${resourceName(owner[owner.length - 2] ?? 'document').replace(/s$/, '')}-${id}.pdf`;
    bytes = samplePdf(`${fileName} from the ConnectWise Manage simulator`);
    contentType = 'application/pdf';
  } else if (kind === 'download') {
    fileName = `document-${id}.txt`;
    bytes = Buffer.from(`Document ${id}\n`, 'utf8');
    contentType = contentTypeForFileName(fileName);
  } else {
    fileName = `${kind}-${id}.png`;
    bytes = SAMPLE_PNG;
    contentType = 'image/png';
  }
  return {
    status: 200,
    bytes,
    contentType,
    headers: { 'content-disposition': contentDisposition(fileName) },
  };
}

function uploadDocument(
  context: HandlerContext,
  info: RequestInfo,
  collection: string,
  entry: RequestLogEntry,
  by: string,
): Answer {
  const type = String(info.headers['content-type'] ?? '');
  if (!/^multipart\/form-data/i.test(type)) {
    throw new ManageHttpError(
      415,
      'UnsupportedMediaType',
      `The request entity's media type '${type.split(';')[0] || 'none'}' is not supported: send multipart/form-data with a "file" part`,
    );
  }
  const parts = parseMultipart(info.body, type);
  entry.body = parts.map((part) => ({
    name: part.name,
    fileName: part.fileName,
    size: part.data.length,
  }));
  const file =
    parts.find((part) => part.fileName !== undefined) ?? parts.find((part) => part.name === 'file');
  if (!file) {
    throw invalidObject('DocumentInfo', [
      {
        code: 'NullObject',
        message: 'file object cannot be null',
        resource: 'documentInfo',
        field: 'file',
      },
    ]);
  }
  const field = (name: string): string | undefined =>
    parts
      .find((part) => part.name.toLowerCase() === name.toLowerCase() && part.fileName === undefined)
      ?.data.toString('utf8');
  const fileName = file.fileName || 'upload.bin';
  const contentType = file.contentType || contentTypeForFileName(fileName);
  const recordId = field('recordId');
  const record = context.store.insert(
    collection,
    {
      title: field('title') ?? fileName,
      fileName,
      serverFileName: `${Date.now().toString(16)}-${fileName}`,
      owner: by,
      linkFlag: false,
      imageFlag: contentType.startsWith('image/'),
      publicFlag: field('privateFlag') === 'false',
      htmlTemplateFlag: false,
      readOnlyFlag: field('readOnlyFlag') === 'true',
      size: file.data.length,
      urlFlag: field('url') !== undefined,
      createdOnDate: manageTimestamp(context.clock.now()),
      recordType: field('recordType'),
      recordId: recordId === undefined ? undefined : Number(recordId),
    },
    by,
  );
  context.store.setContent(collection, record.id, {
    bytes: Buffer.from(file.data),
    contentType,
    fileName,
  });
  return jsonAnswer(201, record);
}

/** `/_simulator/faults` and `/_simulator/clock`: drive a simulator running in another process. */
function handleControl(context: HandlerContext, info: RequestInfo): Answer {
  const what = info.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '');
  if (what === 'faults') {
    if (info.method === 'GET') return jsonAnswer(200, context.faults.pending());
    if (info.method === 'DELETE') {
      context.faults.clear();
      return { status: 204 };
    }
    if (info.method === 'POST') {
      const spec = readJsonBody(info) as FaultSpec;
      try {
        context.faults.add(spec);
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      return jsonAnswer(201, context.faults.pending());
    }
  }
  if (what === 'clock') {
    if (info.method === 'POST') {
      const command = readJsonBody(info) as {
        set?: string;
        advance?: number;
        freeze?: boolean;
        resume?: boolean;
      };
      try {
        if (command.set !== undefined) context.clock.set(command.set);
        if (typeof command.advance === 'number') context.clock.advance(command.advance);
        if (command.freeze) context.clock.freeze();
        if (command.resume) context.clock.resume();
      } catch (err) {
        throw badRequest((err as Error).message);
      }
    }
    return jsonAnswer(200, { now: manageTimestamp(context.clock.now()) });
  }
  return jsonAnswer(404, {
    code: 'NotFound',
    message: `Unknown simulator control ${info.pathname}`,
    errors: [],
  });
}
