/**
 * References between records (`company: {id, identifier, name, _info}`): built for seed data,
 * and filled in on create and update so a ticket posted with `company: {id: 5}` answers the
 * company's identifier and name, as Manage does. Unknown ids are refused with Manage's error.
 */
import { invalidObject, resourceName, type ManageErrorDetail } from './manage-errors';
import { refName, type SchemaMap } from './routes';
import type { MemoryStore, RecordInput, SimRecord } from './store';

export const COLLECTIONS = {
  companies: 'company/companies',
  contacts: 'company/contacts',
  boards: 'service/boards',
  priorities: 'service/priorities',
  members: 'system/members',
  tickets: 'service/tickets',
} as const;

export const statusCollection = (boardId: number): string => `service/boards/${boardId}/statuses`;

type ReferenceKind = 'company' | 'contact' | 'board' | 'status' | 'priority' | 'member';

const COLLECTION_BY_KIND: Record<Exclude<ReferenceKind, 'status'>, string> = {
  company: COLLECTIONS.companies,
  contact: COLLECTIONS.contacts,
  board: COLLECTIONS.boards,
  priority: COLLECTIONS.priorities,
  member: COLLECTIONS.members,
};

const KIND_BY_SCHEMA: Record<string, ReferenceKind> = {
  CompanyReference: 'company',
  ContactReference: 'contact',
  BoardReference: 'board',
  ServiceStatusReference: 'status',
  PriorityReference: 'priority',
  MemberReference: 'member',
};

/** The collection a record of the kind is in; a status is in its board's. */
function collectionOf(kind: ReferenceKind, board: unknown): string | undefined {
  if (kind !== 'status') return COLLECTION_BY_KIND[kind];
  const boardId = (board as { id?: unknown } | undefined)?.id;
  return typeof boardId === 'number' ? statusCollection(boardId) : undefined;
}

/** The reference object Manage embeds for a record of the given kind. */
export function referenceTo(kind: ReferenceKind, record: SimRecord, apiBase: string): RecordInput {
  const info = { [`${kind}_href`]: `${apiBase}/${collectionOf(kind, record.board)}/${record.id}` };
  switch (kind) {
    case 'company':
      return { id: record.id, identifier: record.identifier, name: record.name, _info: info };
    case 'contact':
      return { id: record.id, name: `${record.firstName} ${record.lastName}`.trim(), _info: info };
    case 'member':
      return {
        id: record.id,
        identifier: record.identifier,
        name: `${record.firstName} ${record.lastName}`.trim(),
        _info: info,
      };
    case 'status':
      return { id: record.id, name: record.name, sort: record.sortOrder, _info: info };
    case 'priority':
      return {
        id: record.id,
        name: record.name,
        sort: record.sortOrder,
        level: record.level,
        _info: info,
      };
    case 'board':
      return { id: record.id, name: record.name, _info: info };
  }
}

function findIn(
  store: MemoryStore,
  collection: string,
  wanted: { id?: unknown; identifier?: unknown; name?: unknown },
): SimRecord | undefined {
  if (typeof wanted.id === 'number') return store.get(collection, wanted.id);
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? value.toLowerCase() : undefined;
  const identifier = text(wanted.identifier);
  const name = text(wanted.name);
  if (identifier === undefined && name === undefined) return undefined;
  let found: SimRecord | undefined;
  store.scan(collection, 0, (record) => {
    const fullName = `${record.firstName ?? ''} ${record.lastName ?? ''}`.trim().toLowerCase();
    if (
      (identifier !== undefined && text(record.identifier) === identifier) ||
      (name !== undefined && (text(record.name) === name || fullName === name))
    ) {
      found = record;
      return false;
    }
    return true;
  });
  return found;
}

/** Where a reference may point: a status of the record's board, else of any board. */
function collectionsFor(kind: ReferenceKind, store: MemoryStore, record: RecordInput): string[] {
  const collection = collectionOf(kind, record.board);
  if (collection !== undefined) return [collection];
  return store.list(COLLECTIONS.boards).map((board) => statusCollection(board.id));
}

export interface ReferenceContext {
  store: MemoryStore;
  schemas: SchemaMap;
  apiBase: string;
}

/** The reference properties of each schema, status last (a status belongs to the board). */
const referencePropertiesCache = new WeakMap<
  SchemaMap,
  Map<string, [string, ReferenceKind, string][]>
>();

function referenceProperties(
  schemas: SchemaMap,
  schemaName: string,
): [string, ReferenceKind, string][] {
  let bySchema = referencePropertiesCache.get(schemas);
  if (!bySchema) {
    bySchema = new Map();
    referencePropertiesCache.set(schemas, bySchema);
  }
  let found = bySchema.get(schemaName);
  if (!found) {
    const properties = (schemas[schemaName]?.properties ?? {}) as Record<string, unknown>;
    found = [];
    for (const [property, schema] of Object.entries(properties)) {
      const ref = refName(schema);
      const kind = ref ? KIND_BY_SCHEMA[ref] : undefined;
      if (ref && kind) found.push([property, kind, ref]);
    }
    found.sort((a, b) => Number(a[1] === 'status') - Number(b[1] === 'status'));
    bySchema.set(schemaName, found);
  }
  return found;
}

/**
 * Fills in the references of a record about to be stored. References to collections the
 * simulator holds nothing for are kept as sent.
 */
export function resolveReferences(
  context: ReferenceContext,
  schemaName: string,
  record: RecordInput,
): RecordInput {
  const errors: ManageErrorDetail[] = [];
  const resolved: RecordInput = { ...record };
  for (const [property, kind, ref] of referenceProperties(context.schemas, schemaName)) {
    const value = resolved[property];
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const collections = collectionsFor(kind, context.store, resolved);
    if (collections.every((collection) => context.store.count(collection) === 0)) continue;
    let target: SimRecord | undefined;
    for (const collection of collections) {
      target = findIn(context.store, collection, value as RecordInput);
      if (target) break;
    }
    if (target) {
      resolved[property] = referenceTo(kind, target, context.apiBase);
    } else {
      errors.push({
        code: 'InvalidField',
        message: `${property}: no ${ref.replace(/Reference$/, '')} matches ${JSON.stringify(value)}`,
        resource: resourceName(schemaName),
        field: property,
      });
    }
  }
  if (errors.length > 0) throw invalidObject(schemaName, errors);
  return resolved;
}

/** The record marked default in a collection, else its first. */
function defaultRecord(store: MemoryStore, collection: string): SimRecord | undefined {
  const records = store.list(collection);
  return records.find((candidate) => candidate.defaultFlag === true) ?? records[0];
}

/** Defaults Manage applies to a new ticket: the first board, its default status, the default priority. */
export function applyCreateDefaults(
  context: ReferenceContext,
  schemaName: string,
  record: RecordInput,
): RecordInput {
  if (schemaName !== 'Ticket') return record;
  const { store } = context;
  const out: RecordInput = { recordType: 'ServiceTicket', ...record };
  if (!out.board) {
    const board = store.list(COLLECTIONS.boards)[0];
    if (board) out.board = { id: board.id };
  }
  const statuses = collectionOf('status', out.board);
  if (!out.status && statuses !== undefined) {
    const status = defaultRecord(store, statuses);
    if (status) out.status = { id: status.id };
  }
  if (!out.priority) {
    const priority = defaultRecord(store, COLLECTIONS.priorities);
    if (priority) out.priority = { id: priority.id };
  }
  return out;
}

/** A ticket is closed when its status is a closed status. */
export function applyDerivedFields(
  context: ReferenceContext,
  schemaName: string,
  record: RecordInput,
): RecordInput {
  if (schemaName !== 'Ticket') return record;
  const status = record.status as { id?: unknown } | undefined;
  const statuses = collectionOf('status', record.board);
  if (typeof status?.id !== 'number' || statuses === undefined) return record;
  const statusRecord = context.store.get(statuses, status.id);
  if (!statusRecord) return record;
  return { ...record, closedFlag: statusRecord.closedStatus === true };
}
