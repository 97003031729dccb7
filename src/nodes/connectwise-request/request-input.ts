/**
 * What one message asks the request node to do: the operation, the parameters (the node's rows,
 * then `msg.cw` overrides) and the body, gathered into the request builder's input. Pure: the
 * typed inputs are evaluated before, the request is built and validated after.
 */
import { CwError, inputError } from '../../core/errors';
import type { RequestInput } from '../../core/request-builder';
import type { OperationDetail, ParameterSpec } from '../../shared/catalog-types';
import { ALL_PAGES_DEFAULT_RECORD_LIMIT } from '../../shared/limits';
import type { RequestConfig } from '../../shared/node-configs';
import type { EvaluatedRow } from '../typed-inputs';

export interface RequestOverrides {
  operationId?: string;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
}

export const DEFAULT_ALL_RECORD_LIMIT = ALL_PAGES_DEFAULT_RECORD_LIMIT;

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOverride(cw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = cw[key];
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    throw inputError(`msg.cw.${key}`, 'must be an object of name: value');
  }
  return value;
}

/**
 * The overrides a message carries in `msg.cw`. A `msg.cw` that has a `url` describes the answer of
 * an earlier request node, so its `operationId` is not an override: chained request nodes each
 * keep their own operation.
 */
export function readOverrides(cw: unknown): RequestOverrides {
  if (cw === undefined || cw === null) return {};
  if (!isPlainObject(cw)) throw inputError('msg.cw', 'must be an object');
  const overrides: RequestOverrides = {
    params: objectOverride(cw, 'params'),
    query: objectOverride(cw, 'query'),
    headers: objectOverride(cw, 'headers'),
  };
  const describesAnswer = typeof cw.url === 'string';
  if (!describesAnswer && cw.operationId !== undefined && cw.operationId !== null) {
    if (typeof cw.operationId !== 'string') {
      throw inputError('msg.cw.operationId', 'must be text');
    }
    if (cw.operationId.trim() !== '') overrides.operationId = cw.operationId.trim();
  }
  return overrides;
}

export function resolveOperationId(config: RequestConfig, overrides: RequestOverrides): string {
  const operationId = overrides.operationId ?? (config.operationId ?? '').trim();
  if (!operationId) {
    throw inputError('operationId', 'not set: pick an operation or set msg.cw.operationId');
  }
  return operationId;
}

export function unknownOperation(operationId: string): CwError {
  return inputError('operationId', `unknown operation "${operationId}"`, operationId);
}

function findSpec(specs: readonly ParameterSpec[], name: string): ParameterSpec | undefined {
  const lower = name.toLowerCase();
  return (
    specs.find((spec) => spec.name === name) ??
    specs.find((spec) => spec.name.toLowerCase() === lower)
  );
}

function headerText(value: unknown, field: string, operationId: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw inputError(field, 'must be text, a number or true/false', operationId);
}

export interface RoutedParameters {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Sends each evaluated row where the operation declares a parameter of that name. */
export function routeRows(op: OperationDetail, rows: readonly EvaluatedRow[]): RoutedParameters {
  const routed: RoutedParameters = { params: {}, query: {}, headers: {} };
  for (const row of rows) {
    const pathSpec = findSpec(op.pathParams, row.name);
    const querySpec = pathSpec ? undefined : findSpec(op.queryParams, row.name);
    const headerSpec = pathSpec || querySpec ? undefined : findSpec(op.headerParams, row.name);
    if (pathSpec) routed.params[pathSpec.name] = row.value;
    else if (querySpec) routed.query[querySpec.name] = row.value;
    else if (headerSpec) {
      routed.headers[headerSpec.name] = headerText(row.value, `params.${row.name}`, op.operationId);
    } else {
      throw inputError(
        `params.${row.name}`,
        `not a parameter of ${op.operationId}`,
        op.operationId,
      );
    }
  }
  return routed;
}

function parseJsonText(text: string, field: string, operationId: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw inputError(field, `not valid JSON (${(err as Error).message})`, operationId);
  }
}

/** The body to send: `msg.payload`, or the node's fixed JSON. Undefined when none applies. */
export function resolveBody(op: OperationDetail, config: RequestConfig, payload: unknown): unknown {
  if (!METHODS_WITH_BODY.has(op.method) || !op.body) return undefined;
  if (config.bodySource === 'fixed') {
    const text = (config.body ?? '').trim();
    return text === '' ? undefined : parseJsonText(text, 'body', op.operationId);
  }
  if (typeof payload === 'string') {
    if (payload.trim() === '') return undefined;
    if (op.body.multipart) return payload;
    return parseJsonText(payload, 'msg.payload', op.operationId);
  }
  return payload;
}

export function responseTypeOf(config: RequestConfig): RequestInput['responseType'] {
  return config.responseType === 'json' || config.responseType === 'binary'
    ? config.responseType
    : undefined;
}

/** The request builder's input: rows first, then `msg.cw` overrides, then the body. */
export function requestInputFor(
  op: OperationDetail,
  config: RequestConfig,
  rows: readonly EvaluatedRow[],
  overrides: RequestOverrides,
  payload: unknown,
): RequestInput {
  const routed = routeRows(op, rows);
  const headers = { ...routed.headers };
  for (const [name, value] of Object.entries(overrides.headers ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name] = headerText(value, `msg.cw.headers.${name}`, op.operationId);
  }
  return {
    params: { ...routed.params, ...overrides.params },
    query: { ...routed.query, ...overrides.query },
    headers,
    body: resolveBody(op, config, payload),
    responseType: responseTypeOf(config),
  };
}

/**
 * Most records to fetch in the paging modes: the node's limit, where blank means 10,000 for `all`
 * (one array held in memory) and no limit for the streamed modes; 0 means no limit.
 */
export function recordLimitOf(config: RequestConfig): number {
  const text = String(config.recordLimit ?? '').trim();
  if (text === '') return config.paging === 'all' ? DEFAULT_ALL_RECORD_LIMIT : 0;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new CwError('CONFIG', `recordLimit: ${JSON.stringify(text)} is not a whole number`, {
      field: 'recordLimit',
    });
  }
  return limit;
}
