/**
 * The request body, read once: JSON text is parsed, a value is taken as it is, a single JSON
 * Patch operation becomes the list the API expects, and bytes or form data (uploads) pass
 * through untouched.
 */
import type { OperationDetail } from '../shared/catalog-types';
import { inputError } from './errors';
import { isAbsent } from './parameter-values';

/** Bytes or form data: sent as they are, never as JSON. */
export function isRawBody(body: unknown): boolean {
  return (
    Buffer.isBuffer(body) ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof FormData !== 'undefined' && body instanceof FormData)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseJson(text: string, field: string, operationId: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw inputError(field, `not valid JSON (${(err as Error).message})`, operationId);
  }
}

/**
 * The body to send for `op` (whatever its method: the bulk DELETEs take one too), or undefined
 * when it takes none. `field` names the body's source
 * in errors (`msg.payload`, or `body` for the node's fixed JSON).
 */
export function requestBody(op: OperationDetail, value: unknown, field = 'body'): unknown {
  if (!op.body) return undefined;
  if (isAbsent(value)) {
    if (op.body.required) throw inputError('body', 'is required', op.operationId);
    return undefined;
  }
  // Bytes, and an upload's file or form fields, are shaped into the form by upload-form.
  if (isRawBody(value)) return value;
  if (op.body.multipart) {
    return typeof value === 'string' ? parseJson(value, field, op.operationId) : value;
  }
  const parsed = typeof value === 'string' ? parseJson(value, field, op.operationId) : value;
  return op.body.patch && isPlainObject(parsed) ? [parsed] : parsed;
}
