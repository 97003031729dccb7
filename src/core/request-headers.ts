/**
 * The headers a caller adds to a request: checked by name and value, and never one the
 * connection or the HTTP stack sets itself.
 */
import type { OperationDetail } from '../shared/catalog-types';
import { inputError } from './errors';
import { isAbsent } from './parameter-values';

/** Set by the connection (credentials) or by the HTTP stack; lower case. */
export const RESERVED_HEADERS: readonly string[] = [
  'authorization',
  'clientid',
  'host',
  'content-length',
  'cookie',
];

/** An RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface HeaderEntry {
  name: string;
  value: unknown;
  /** How errors name it (`headers.If-Match`). */
  field: string;
}

export function isReservedHeader(name: string): boolean {
  return RESERVED_HEADERS.includes(name.toLowerCase());
}

function headerText(entry: HeaderEntry, operationId: string): string {
  const { value, field } = entry;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw inputError(field, 'must be text, a number or true/false', operationId);
  }
  const text = String(value);
  if (/[\r\n\0]/.test(text)) throw inputError(field, 'must not contain line breaks', operationId);
  return text;
}

/** The headers to send, by name; undefined when there are none. */
export function requestHeaders(
  op: OperationDetail,
  entries: Iterable<HeaderEntry>,
): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  const present = new Set<string>();
  for (const entry of entries) {
    if (isReservedHeader(entry.name)) {
      throw inputError(entry.field, 'is set by the connection', op.operationId);
    }
    if (!HEADER_NAME.test(entry.name)) {
      throw inputError(entry.field, 'is not a valid header name', op.operationId);
    }
    if (isAbsent(entry.value)) continue;
    result[entry.name] = headerText(entry, op.operationId);
    present.add(entry.name.toLowerCase());
  }
  for (const spec of op.headerParams) {
    if (spec.required && !present.has(spec.name.toLowerCase())) {
      throw inputError(`headers.${spec.name}`, 'is required', op.operationId);
    }
  }
  return present.size > 0 ? result : undefined;
}
