/** One record of a collection: create, get, replace, patch, delete; singletons and actions. */
import { jsonAnswer, type Answer } from './answers';
import { CALLBACKS_COLLECTION, assertNewCallback } from './callbacks';
import { withCustomFields } from './custom-fields';
import { applyJsonPatch } from './json-patch';
import { invalidObject, resourceName, type ManageErrorDetail } from './manage-errors';
import { parseFields, projectFields } from './query';
import { checkParent, findItem } from './record-lookup';
import {
  applyCreateDefaults,
  applyDerivedFields,
  resolveReferences,
  type ReferenceContext,
} from './references';
import { readJsonBody, readJsonObject, type ApiRequest } from './sim-request';
import type { SimContext } from './simulator-context';
import { apiBaseUrl } from './site';
import { collectionKey, userFields, type RecordInput } from './store';

function referenceContext(context: SimContext): ReferenceContext {
  return {
    store: context.store,
    schemas: context.routes.schemas,
    apiBase: apiBaseUrl(context.siteUrl()),
  };
}

function checkRequired(
  context: SimContext,
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

/** A record as it is stored: defaults of a new record, references filled in, derived fields. */
function prepareRecord(
  context: SimContext,
  schemaName: string | undefined,
  record: RecordInput,
  creating: boolean,
): RecordInput {
  if (!schemaName) return record;
  const references = referenceContext(context);
  let prepared = creating ? applyCreateDefaults(references, schemaName, record) : record;
  prepared = resolveReferences(references, schemaName, prepared);
  return withCustomFields(schemaName, applyDerivedFields(references, schemaName, prepared));
}

/** `POST <collection>` with a JSON record. */
export function createRecord(context: SimContext, request: ApiRequest): Answer {
  const { operation, segments } = request.match;
  const collection = segments.join('/');
  checkParent(context.store, segments);
  const fields = userFields(readJsonObject(request, operation.bodySchema));
  checkRequired(context, operation.bodySchema, fields);
  if (collectionKey(collection) === CALLBACKS_COLLECTION) assertNewCallback(context.store, fields);
  const record = context.store.insert(
    collection,
    prepareRecord(context, operation.bodySchema, fields, true),
    request.actor,
  );
  return jsonAnswer(operation.successStatus, record);
}

/** `GET <collection>/{id}`, whole or with `fields`. */
export function getRecord(context: SimContext, request: ApiRequest): Answer {
  const { record } = findItem(context.store, request.match);
  const fields = request.query.get('fields');
  if (fields) return jsonAnswer(200, projectFields(record, parseFields(fields)));
  return { status: 200, json: record, records: true };
}

/** `PUT <collection>/{id}` */
export function replaceRecord(context: SimContext, request: ApiRequest): Answer {
  const { operation } = request.match;
  const { collection, record: existing } = findItem(context.store, request.match);
  const body = readJsonObject(request, operation.bodySchema);
  checkRequired(context, operation.bodySchema, body);
  const prepared = prepareRecord(context, operation.bodySchema, body, false);
  return jsonAnswer(200, context.store.replace(collection, existing.id, prepared, request.actor));
}

/** `PATCH <collection>/{id}` with a JSON Patch list. */
export function patchRecord(context: SimContext, request: ApiRequest): Answer {
  const schema = request.match.operation.recordSchema;
  const { collection, record: existing } = findItem(context.store, request.match);
  const patch = readJsonBody(request);
  const patched = applyJsonPatch(existing, patch, schema, context.routes.schemas);
  const prepared = prepareRecord(context, schema, patched, false);
  return jsonAnswer(200, context.store.replace(collection, existing.id, prepared, request.actor));
}

/** `DELETE <collection>/{id}` */
export function deleteRecord(context: SimContext, request: ApiRequest): Answer {
  const { successStatus } = request.match.operation;
  const { collection, record } = findItem(context.store, request.match);
  context.store.remove(collection, record.id);
  return { status: successStatus === 200 ? 204 : successStatus };
}

/** `GET` of a path answering one object (`/system/info`). */
export function getSingleton(context: SimContext, request: ApiRequest): Answer {
  const value = context.store.getSingleton(request.match.segments.join('/'));
  return jsonAnswer(200, value ?? {});
}

/** Any other operation (`/copy`, `/merge`): its success status, without effect. */
export function acknowledgeAction(_context: SimContext, request: ApiRequest): Answer {
  const { successStatus } = request.match.operation;
  const body = request.body.length > 0 ? readJsonBody(request) : undefined;
  if (successStatus === 204) return { status: 204 };
  return jsonAnswer(successStatus, body ?? {});
}
