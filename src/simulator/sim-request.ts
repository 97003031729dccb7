/** A request as the handlers see it: read once from the wire, then matched to its operation. */
import type { IncomingMessage } from 'node:http';

import { actorOf, type SimMember } from './authentication';
import type { MultipartPart } from './multipart';
import { ManageHttpError, badRequest, resourceName, unsupportedMediaType } from './manage-errors';
import type { RequestLogEntry } from './request-log';
import type { RouteMatch } from './routes';
import type { RecordInput } from './store';

const MAX_BODY_BYTES = 50 * 1024 * 1024;

export interface SimRequest {
  method: string;
  /** The full request path, without the query. */
  pathname: string;
  /** The path under the API base, or undefined outside it. */
  apiPath?: string;
  params: URLSearchParams;
  /** Query parameters by lower-cased name (Manage reads them ignoring case). */
  query: Map<string, string>;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The parts of a multipart/form-data body, read before dispatch. */
  parts?: MultipartPart[];
  host: string;
  /** The request's log entry, where the body is noted once read. */
  entry: RequestLogEntry;
}

/** An API request after authentication, matched to an operation of the document. */
export interface ApiRequest extends SimRequest {
  apiPath: string;
  member: SimMember;
  /** Who `_info` names for the changes this request makes. */
  actor: string;
  match: RouteMatch;
}

/**
 * The request with its member and operation. Spelled out field by field: a spread copy costs
 * as much as the rest of a GET by id.
 */
export function matchedRequest(
  request: SimRequest,
  apiPath: string,
  member: SimMember,
  match: RouteMatch,
): ApiRequest {
  return {
    method: request.method,
    pathname: request.pathname,
    params: request.params,
    query: request.query,
    headers: request.headers,
    body: request.body,
    parts: request.parts,
    host: request.host,
    entry: request.entry,
    apiPath,
    member,
    actor: actorOf(member),
    match,
  };
}

/** The body's bytes; a 413 ManageHttpError beyond 50 MB. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
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

/** The first value of each query parameter, by lower-cased name. */
export function queryByName(params: URLSearchParams): Map<string, string> {
  const query = new Map<string, string>();
  for (const [key, value] of params) {
    const lower = key.toLowerCase();
    if (!query.has(lower)) query.set(lower, value);
  }
  return query;
}

export function readJsonBody(request: SimRequest): unknown {
  if (request.body.length === 0) {
    throw badRequest(
      `The request body is empty: ${request.method} ${request.apiPath ?? request.pathname} expects JSON`,
    );
  }
  const type = String(request.headers['content-type'] ?? '');
  if (type !== '' && !/json/i.test(type)) {
    throw unsupportedMediaType(
      `The request entity's media type '${type.split(';')[0]}' is not supported for this resource. Send application/json.`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    request.entry.body = parsed;
    return parsed;
  } catch (err) {
    throw badRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function readJsonObject(request: SimRequest, schema?: string): RecordInput {
  const value = readJsonBody(request);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(
      `The request body must be a JSON object${schema ? ` (a ${resourceName(schema)})` : ''}`,
    );
  }
  return value as RecordInput;
}
