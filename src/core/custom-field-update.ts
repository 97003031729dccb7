/**
 * Writing custom fields by caption in the same request as the rest of an update or create.
 *
 * Update (PUT or PATCH): read the record, merge the named changes into its current array, check
 * that `_info/lastUpdated` is still what was read, then send the update with the whole array. If
 * the record changed meanwhile, it is read and merged again; a second change fails with CONFLICT
 * and nothing is written, so no other custom field is overwritten with a stale value.
 * ConnectWise has no conditional update: the check narrows the gap to one round trip, and changes
 * within the same second as the read cannot be told apart (`lastUpdated` has whole seconds).
 *
 * Create (POST): the entity's custom fields are read from one of its records (each record carries
 * every definition), and the named ones are set on the new record.
 */
import { CUSTOM_FIELD_WRITE_ATTEMPTS } from '../shared/limits';
import {
  customFieldsOf,
  mergeCustomFields,
  type CustomFieldChanges,
  type CustomFieldValue,
} from './custom-fields';
import { CwError, inputError } from './errors';
import type { CwResponse, PreparedRequest } from './http-types';

export type SendRequest = (request: PreparedRequest) => Promise<CwResponse>;

/** The changes to write and where they came from (`msg.cw.customFields`), for error texts. */
export interface CustomFieldWrite {
  changes: CustomFieldChanges;
  field: string;
}

const isCustomFieldsPath = (path: unknown): boolean =>
  typeof path === 'string' && /^\/?customFields(\/|$)/i.test(path);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Before anything is sent: custom fields by caption go with POST, PUT and PATCH only, and never
 * beside a JSON Patch operation of the body on `customFields` (one of the two would be lost).
 */
export function checkCustomFieldWrite(
  request: PreparedRequest,
  write: CustomFieldWrite,
  bodyField: string,
): void {
  const { method, body } = request;
  if (method !== 'post' && method !== 'put' && method !== 'patch') {
    throw inputError(
      write.field,
      `custom fields are set on a create or update (POST, PUT or PATCH), not on ${method.toUpperCase()}`,
      request.operationId,
    );
  }
  if (method === 'patch') {
    if (!Array.isArray(body)) {
      throw inputError(bodyField, 'must be a JSON Patch list', request.operationId);
    }
    if (body.some((op) => isPlainObject(op) && isCustomFieldsPath(op.path))) {
      throw inputError(
        bodyField,
        `has an operation on customFields; set custom fields with ${write.field} only`,
        request.operationId,
      );
    }
  } else if (!isPlainObject(body)) {
    throw inputError(bodyField, 'must be a JSON object (the record)', request.operationId);
  }
}

function readRequest(request: PreparedRequest, query?: PreparedRequest['query']): PreparedRequest {
  return {
    method: 'get',
    path: request.path,
    query,
    responseType: 'json',
    operationId: request.operationId,
    actAs: request.actAs,
  };
}

function lastUpdatedOf(record: unknown): string | undefined {
  const info = isPlainObject(record) ? record._info : undefined;
  const value = isPlainObject(info) ? info.lastUpdated : undefined;
  return typeof value === 'string' ? value : undefined;
}

function withArray(request: PreparedRequest, merged: CustomFieldValue[]): PreparedRequest {
  if (request.method === 'patch') {
    const ops = request.body as unknown[];
    return { ...request, body: [...ops, { op: 'replace', path: 'customFields', value: merged }] };
  }
  return { ...request, body: { ...(request.body as object), customFields: merged } };
}

/** Sends a PUT or PATCH with the record's whole custom field array, the named entries changed. */
export async function updateWithCustomFields(
  send: SendRequest,
  request: PreparedRequest,
  write: CustomFieldWrite,
): Promise<CwResponse> {
  const seen: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const read = await send(readRequest(request));
    const current = customFieldsOf(read.data);
    if (!current) {
      throw inputError(write.field, `${request.path} has no custom fields`, request.operationId);
    }
    const merged = mergeCustomFields(current, write.changes, write.field);
    const readAt = lastUpdatedOf(read.data);
    const check = await send(readRequest(request, { fields: '_info/lastUpdated' }));
    const now = lastUpdatedOf(check.data);
    if (now === readAt) return send(withArray(request, merged));
    seen.push(`${readAt ?? 'unknown'} -> ${now ?? 'unknown'}`);
    if (attempt >= CUSTOM_FIELD_WRITE_ATTEMPTS) {
      throw new CwError(
        'CONFLICT',
        `${request.method.toUpperCase()} ${request.path} not sent: the record changed while its ` +
          `custom fields were merged, ${attempt} times (lastUpdated ${seen.join(', ')}); nothing ` +
          'was written, send the message again',
        {
          field: write.field,
          method: request.method.toUpperCase(),
          operationId: request.operationId,
        },
      );
    }
  }
}

/** Sends a POST with the named custom fields, read from the entity's definitions. */
export async function createWithCustomFields(
  send: SendRequest,
  request: PreparedRequest,
  write: CustomFieldWrite,
): Promise<CwResponse> {
  const sample = await send(readRequest(request, { pageSize: 1, fields: 'customFields' }));
  const first: unknown = Array.isArray(sample.data) ? sample.data[0] : undefined;
  const definitions = customFieldsOf(first);
  if (!definitions) {
    throw inputError(
      write.field,
      `no record of ${request.path} to read its custom fields from; give customFields by id in the body`,
      request.operationId,
    );
  }
  const body = request.body as Record<string, unknown>;
  const given = customFieldsOf(body) ?? [];
  const base = definitions.map((entry) => ({
    ...entry,
    value: given.find((candidate) => candidate.id === entry.id)?.value ?? null,
  }));
  const merged = mergeCustomFields(base, write.changes, write.field);
  return send({ ...request, body: { ...body, customFields: merged } });
}

/** Sends the request with the custom fields written: update or create by the method. */
export function sendWithCustomFields(
  send: SendRequest,
  request: PreparedRequest,
  write: CustomFieldWrite,
): Promise<CwResponse> {
  return request.method === 'post'
    ? createWithCustomFields(send, request, write)
    : updateWithCustomFields(send, request, write);
}
