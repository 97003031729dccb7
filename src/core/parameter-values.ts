/**
 * One parameter value as the operation declares it: typed (integer, number, boolean, text),
 * range-checked where the API has ranges (paging) and syntax-checked where it has a grammar
 * (conditions). Every failure is an INPUT error naming the field.
 */
import { PAGE_SIZE_RANGE, rangeProblem } from '../shared/limits';
import { CONDITION_PARAMETERS } from '../shared/modes';
import type { ParameterSpec } from '../shared/catalog-types';
import { parseConditions } from './conditions';
import { CwError, inputError } from './errors';
import type { QueryValue } from './http-types';

const CONDITION_PARAMS = new Set(CONDITION_PARAMETERS.map((name) => name.toLowerCase()));

/** No value at all: unset, null or blank text. */
export function isAbsent(value: unknown): boolean {
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

/** Text as sent; a list of strings and numbers is sent comma-separated (`fields`). */
export function toText(value: unknown, field: string, operationId: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value) && value.every((item) => ['string', 'number'].includes(typeof item))) {
    return value.join(',');
  }
  throw inputError(field, `must be text, got ${describe(value)}`, operationId);
}

/** The value converted to the parameter's declared type (text when it declares none). */
export function typedValue(
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
  if (lower === 'pagesize' && typeof value === 'number' && rangeProblem(PAGE_SIZE_RANGE, value)) {
    throw inputError(
      field,
      `must be between ${PAGE_SIZE_RANGE.min} and ${PAGE_SIZE_RANGE.max}`,
      operationId,
    );
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

/** True for the parameters that carry ConnectWise conditions. */
export function isConditionParameter(name: string): boolean {
  return CONDITION_PARAMS.has(name.toLowerCase());
}

/** A query value: typed, paging in range, conditions well-formed. */
export function queryValue(
  spec: ParameterSpec,
  value: unknown,
  field: string,
  operationId: string,
): QueryValue {
  const typed = typedValue(spec, value, field, operationId);
  checkPagingRange(spec.name, typed, field, operationId);
  if (isConditionParameter(spec.name)) checkConditions(String(typed), field, operationId);
  return typed;
}
