/**
 * What one message asks the request node to do: the operation, the parameters (the node's rows,
 * then `msg.cw` overrides) and the body, gathered into the request builder's input. Pure: the
 * typed inputs are evaluated before, the request is built and validated after.
 */
import { readCustomFieldChanges, type CustomFieldChanges } from '../../core/custom-fields';
import { CwError, inputError } from '../../core/errors';
import { checkMemberIdentifier } from '../../core/member-tokens';
import type { RequestInput } from '../../core/request-builder';
import { ALL_PAGES_DEFAULT_RECORD_LIMIT } from '../../shared/limits';
import type { RequestConfig } from '../../shared/node-configs';
import type { EvaluatedRow } from '../typed-inputs';

export interface RequestOverrides {
  operationId?: string;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  /** Custom fields to set by caption (or id) on a create or update. */
  customFields?: CustomFieldChanges;
  /** The member to act as (impersonation). */
  actAs?: string;
}

export const DEFAULT_ALL_RECORD_LIMIT = ALL_PAGES_DEFAULT_RECORD_LIMIT;

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
  if (cw.customFields !== undefined && cw.customFields !== null) {
    overrides.customFields = readCustomFieldChanges(cw.customFields, 'msg.cw.customFields');
  }
  if (cw.actAs !== undefined && cw.actAs !== null && cw.actAs !== '') {
    overrides.actAs = checkMemberIdentifier(cw.actAs, 'msg.cw.actAs');
  }
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

export function responseTypeOf(config: RequestConfig): RequestInput['responseType'] {
  return config.responseType === 'json' || config.responseType === 'binary'
    ? config.responseType
    : undefined;
}

/**
 * The request builder's input: the rows, then `msg.cw` overrides, then the body (`msg.payload`, or
 * the node's fixed JSON). The builder sorts them by the operation's document.
 */
export function requestInputFor(
  config: RequestConfig,
  rows: readonly EvaluatedRow[],
  overrides: RequestOverrides,
  payload: unknown,
): RequestInput {
  const fixed = config.bodySource === 'fixed';
  return {
    values: rows,
    params: overrides.params,
    query: overrides.query,
    headers: overrides.headers,
    body: fixed ? config.body : payload,
    bodyField: fixed ? 'body' : 'msg.payload',
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
