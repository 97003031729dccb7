/**
 * Pure step between an operation of the catalog and the wire: checks the caller's parameters
 * against the operation and returns a PreparedRequest. Nothing here touches the network.
 */
import type { OperationDetail, ParameterSpec } from '../shared/catalog-types';
import { parseConditions } from './conditions';
import { CwError, inputError } from './errors';
import type { PreparedRequest, QueryValue } from './http-types';
import { expandPathTemplate, pathPlaceholderNames } from './path-template';

export interface RequestInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  responseType?: 'json' | 'binary';
}

const CONDITION_PARAMS = new Set(['conditions', 'childconditions', 'customfieldconditions']);

/** Headers the connection sets itself; a caller must not replace them. */
const RESERVED_HEADERS = new Set(['authorization', 'clientid', 'host', 'content-length', 'cookie']);

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);

function isAbsent(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'an object';
  return String(value);
}

function toInteger(value: unknown, field: string, operationId: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw inputError(field, `must be an integer, got ${describe(value)}`, operationId);
}

function toNumber(value: unknown, field: string, operationId: string): number {
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof parsed === 'number' && Number.isFinite(parsed)) return parsed;
  throw inputError(field, `must be a number, got ${describe(value)}`, operationId);
}

function toBoolean(value: unknown, field: string, operationId: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw inputError(field, `must be true or false, got ${describe(value)}`, operationId);
}

function toText(value: unknown, field: string, operationId: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value) && value.every((item) => ['string', 'number'].includes(typeof item))) {
    return value.join(',');
  }
  throw inputError(field, `must be text, got ${describe(value)}`, operationId);
}

function convert(
  spec: ParameterSpec | undefined,
  value: unknown,
  field: string,
  operationId: string,
): QueryValue {
  switch (spec?.type) {
    case 'integer':
      return toInteger(value, field, operationId);
    case 'number':
      return toNumber(value, field, operationId);
    case 'boolean':
      return toBoolean(value, field, operationId);
    default:
      return toText(value, field, operationId);
  }
}

function checkPagingRange(
  name: string,
  value: QueryValue,
  field: string,
  operationId: string,
): void {
  const lower = name.toLowerCase();
  if (lower === 'page' && typeof value === 'number' && value < 1) {
    throw inputError(field, 'must be 1 or more', operationId);
  }
  if (lower === 'pagesize' && typeof value === 'number' && (value < 1 || value > 1000)) {
    throw inputError(field, 'must be between 1 and 1000', operationId);
  }
  if (lower === 'pageid' && typeof value === 'number' && value < 0) {
    throw inputError(field, 'must be 0 or more', operationId);
  }
}

function checkConditions(text: string, field: string, operationId: string): void {
  try {
    parseConditions(text, field);
  } catch (err) {
    if (err instanceof CwError) {
      throw new CwError('INPUT', err.message, { field: err.field ?? field, operationId });
    }
    throw inputError(field, err instanceof Error ? err.message : String(err), operationId);
  }
}

/**
 * Fills the template's placeholders (`{id}`, `{memberIdentifier:regex(...`) with encoded values.
 * Encoding every value and refusing `.`/`..` means no value can step out of its path segment.
 */
function buildPath(
  op: OperationDetail,
  params: Record<string, unknown>,
): { path: string; templateNames: Set<string> } {
  const specs = new Map(op.pathParams.map((spec) => [spec.name, spec]));
  const templateNames = new Set(pathPlaceholderNames(op.path));
  const encoded: Record<string, string> = {};
  for (const name of templateNames) {
    const field = `params.${name}`;
    const value = params[name];
    if (isAbsent(value)) throw inputError(field, 'is required', op.operationId);
    const spec = specs.get(name);
    const text =
      spec?.type === 'integer' || spec?.type === 'number'
        ? String(convert(spec, value, field, op.operationId))
        : toText(value, field, op.operationId).trim();
    if (/^\.+$/.test(text)) {
      throw inputError(field, `must not be ${JSON.stringify(text)}`, op.operationId);
    }
    // Encoding alone is not enough: servers that decode %2F or %5C before routing would let
    // `..%2F` climb out of the segment, so separators are refused in any spelling.
    if (PATH_SEPARATOR.test(text) || PATH_SEPARATOR.test(percentDecoded(text))) {
      throw inputError(
        field,
        'must not contain "/", "\\" or control characters (a path value is one segment)',
        op.operationId,
      );
    }
    try {
      encoded[name] = encodeURIComponent(text);
    } catch {
      throw inputError(
        field,
        'contains characters that cannot be sent (a lone surrogate)',
        op.operationId,
      );
    }
  }
  return { path: expandPathTemplate(op.path, encoded), templateNames };
}

// eslint-disable-next-line no-control-regex
const PATH_SEPARATOR = /[/\\\u0000-\u001f\u007f]/;

/** The text as a server would see it after decoding percent escapes (repeatedly), or as is. */
function percentDecoded(text: string): string {
  let current = text;
  for (let round = 0; round < 3 && current.includes('%'); round++) {
    try {
      const next = decodeURIComponent(current);
      if (next === current) break;
      current = next;
    } catch {
      break;
    }
  }
  return current;
}

function buildQuery(
  op: OperationDetail,
  query: Record<string, unknown>,
  params: Record<string, unknown>,
  templateNames: Set<string>,
): Record<string, QueryValue> | undefined {
  // Path parameters missing from the template (a quirk of the published document) travel here.
  const queryLike = op.pathParams.filter((spec) => !templateNames.has(spec.name));
  const known = new Map<string, ParameterSpec>();
  for (const spec of [...op.queryParams, ...queryLike]) known.set(spec.name.toLowerCase(), spec);

  const result: Record<string, QueryValue> = {};
  const add = (name: string, value: unknown, source: 'query' | 'params'): void => {
    const spec = known.get(name.toLowerCase());
    const field = `${source}.${name}`;
    if (!spec) {
      throw inputError(field, `not a parameter of ${op.operationId}`, op.operationId);
    }
    if (isAbsent(value)) return;
    const converted = convert(spec, value, field, op.operationId);
    checkPagingRange(spec.name, converted, field, op.operationId);
    if (CONDITION_PARAMS.has(spec.name.toLowerCase())) {
      checkConditions(String(converted), field, op.operationId);
    }
    result[spec.name] = converted;
  };
  const queryLikeNames = new Set(queryLike.map((spec) => spec.name));
  for (const [name, value] of Object.entries(params)) {
    if (templateNames.has(name)) continue;
    if (!queryLikeNames.has(name)) {
      throw inputError(`params.${name}`, `not a parameter of ${op.operationId}`, op.operationId);
    }
    add(name, value, 'params');
  }
  for (const [name, value] of Object.entries(query)) add(name, value, 'query');
  for (const spec of known.values()) {
    if (spec.required && result[spec.name] === undefined) {
      const source = queryLike.includes(spec) ? 'params' : 'query';
      throw inputError(`${source}.${spec.name}`, 'is required', op.operationId);
    }
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function buildHeaders(
  op: OperationDetail,
  headers: Record<string, string>,
): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const field = `headers.${name}`;
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw inputError(field, 'is set by the connection', op.operationId);
    }
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw inputError(field, 'is not a valid header name', op.operationId);
    }
    if (isAbsent(value)) continue;
    const text = String(value);
    if (/[\r\n\0]/.test(text)) {
      throw inputError(field, 'must not contain line breaks', op.operationId);
    }
    result[name] = text;
  }
  for (const spec of op.headerParams) {
    const present = Object.keys(result).some(
      (name) => name.toLowerCase() === spec.name.toLowerCase(),
    );
    if (spec.required && !present) {
      throw inputError(`headers.${spec.name}`, 'is required', op.operationId);
    }
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function isBinaryBody(body: unknown): boolean {
  return (
    Buffer.isBuffer(body) ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof FormData !== 'undefined' && body instanceof FormData)
  );
}

function buildBody(op: OperationDetail, body: unknown): unknown {
  if (!METHODS_WITH_BODY.has(op.method)) return undefined;
  if (isAbsent(body)) {
    if (op.body?.required) throw inputError('body', 'is required', op.operationId);
    return undefined;
  }
  if (isBinaryBody(body) || op.body?.multipart) return body;
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw inputError(
        'body',
        'must be JSON (an object or a list), got text that is not JSON',
        op.operationId,
      );
    }
  }
  // A single JSON Patch operation is accepted and sent as the list the API expects.
  if (op.body?.patch && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    value = [value];
  }
  return value;
}

export function buildRequest(op: OperationDetail, input: RequestInput = {}): PreparedRequest {
  const params = input.params ?? {};
  const { path, templateNames } = buildPath(op, params);
  const query = buildQuery(op, input.query ?? {}, params, templateNames);
  const headers = buildHeaders(op, input.headers ?? {});
  const body = buildBody(op, input.body);
  const request: PreparedRequest = {
    method: op.method,
    path,
    responseType: input.responseType ?? (op.responseKind === 'binary' ? 'binary' : 'json'),
    operationId: op.operationId,
  };
  if (query) request.query = query;
  if (headers) request.headers = headers;
  if (body !== undefined) request.body = body;
  return request;
}
