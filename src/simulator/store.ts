/**
 * The simulator's in-memory records, one collection per concrete collection path
 * (`service/tickets`, `service/tickets/12/notes`). Ids increase per collection kind, so notes
 * have unique ids across all tickets, as in Manage.
 */
import { manageTimestamp, type SimClock } from './clock';

export type RecordInfo = Record<string, string>;
export type SimRecord = { id: number; _info: RecordInfo; [key: string]: unknown };
export type RecordInput = { [key: string]: unknown };

/** Bytes attached to a record: a document's file, an image. */
export interface StoredContent {
  bytes: Buffer;
  contentType: string;
  fileName: string;
}

/**
 * Records are shared with the server (which caches their JSON text): change them through
 * update/replace, never in place.
 */
export interface SimStore {
  /** Adds a record; assigns `id` unless given, stamps `_info` (keeping any given `_info` keys). */
  insert(collectionPath: string, record: RecordInput, by?: string): SimRecord;
  /** Adds `count` records made by `factory` (index from 0) in one go. */
  bulkInsert(
    collectionPath: string,
    count: number,
    factory?: (index: number) => RecordInput,
  ): SimRecord[];
  get(collectionPath: string, id: number): SimRecord | undefined;
  /** Merges `partial` into the record (shallow) and stamps `lastUpdated`. */
  update(
    collectionPath: string,
    id: number,
    partial: RecordInput,
    by?: string,
  ): SimRecord | undefined;
  /** Replaces the record, keeping its id and `dateEntered`. */
  replace(
    collectionPath: string,
    id: number,
    record: RecordInput,
    by?: string,
  ): SimRecord | undefined;
  remove(collectionPath: string, id: number): boolean;
  /** The records in id order (a copy of the list; the records themselves are live). */
  list(collectionPath: string): SimRecord[];
  count(collectionPath: string): number;
  collections(): string[];
  /** Objects answered by GET on a path that is not a list (`/system/info`). */
  setSingleton(path: string, value: unknown): void;
  getSingleton(path: string): unknown;
  setContent(collectionPath: string, id: number, content: StoredContent): void;
  getContent(collectionPath: string, id: number): StoredContent | undefined;
  /** Empties one collection, or everything. */
  clear(collectionPath?: string): void;
}

/** A record added, changed or deleted, as callbacks announce it. */
export interface StoreChange {
  action: 'added' | 'updated' | 'deleted';
  /** The normalised collection key (`service/tickets`). */
  collection: string;
  record: SimRecord;
}

export type StoreChangeListener = (change: StoreChange) => void;

interface Collection {
  records: Map<number, SimRecord>;
  /** Ids in ascending order, so default order and paging need no sort. */
  ids: number[];
}

/** `/Service/Tickets/` and `service/tickets` are the same collection. */
export function collectionKey(path: string): string {
  return path.replace(/^\/+|\/+$/g, '').toLowerCase();
}

/** Notes of every ticket share one id sequence: `service/tickets/*\/notes`. */
function idScope(key: string): string {
  return key.replace(/(^|\/)\d+(?=\/|$)/g, '$1*');
}

/** Position of the first id greater than `id` in ascending `ids`. */
function positionAfter(ids: number[], id: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid] <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Ids are unique: the new one goes where the first greater id is. */
function insertSorted(ids: number[], id: number): void {
  if (ids.length === 0 || ids[ids.length - 1] < id) ids.push(id);
  else ids.splice(positionAfter(ids, id), 0, id);
}

/** Contents are kept by collection and id: `service/tickets#12`. */
const contentPrefix = (collectionPath: string): string => `${collectionKey(collectionPath)}#`;
const contentKey = (collectionPath: string, id: number): string =>
  `${contentPrefix(collectionPath)}${id}`;

export const DEFAULT_ACTOR = 'simapi';

/** A record's own fields: everything but the `id` and `_info` the store manages. */
export function userFields(record: RecordInput): RecordInput {
  const fields: RecordInput = {};
  for (const key of Object.keys(record)) {
    if (key !== 'id' && key !== '_info') fields[key] = record[key];
  }
  return fields;
}

export class MemoryStore implements SimStore {
  private readonly data = new Map<string, Collection>();
  private readonly nextIds = new Map<string, number>();
  private readonly singletons = new Map<string, unknown>();
  private readonly contents = new Map<string, StoredContent>();
  private changeListener: StoreChangeListener | undefined;

  constructor(private readonly clock: SimClock) {}

  /** One listener told of every insert, update, replace and remove (undefined to stop). */
  onChange(listener: StoreChangeListener | undefined): void {
    this.changeListener = listener;
  }

  private notify(action: StoreChange['action'], collectionPath: string, record: SimRecord): void {
    this.changeListener?.({ action, collection: collectionKey(collectionPath), record });
  }

  private collection(path: string, create: true): Collection;
  private collection(path: string, create?: boolean): Collection | undefined;
  private collection(path: string, create = false): Collection | undefined {
    const key = collectionKey(path);
    let collection = this.data.get(key);
    if (!collection && create) {
      collection = { records: new Map(), ids: [] };
      this.data.set(key, collection);
    }
    return collection;
  }

  private nextId(path: string, wanted: unknown): number {
    const scope = idScope(collectionKey(path));
    const next = this.nextIds.get(scope) ?? 1;
    if (typeof wanted === 'number' && Number.isInteger(wanted) && wanted > 0) {
      if (wanted >= next) this.nextIds.set(scope, wanted + 1);
      return wanted;
    }
    this.nextIds.set(scope, next + 1);
    return next;
  }

  private stampNew(given: unknown, by: string): RecordInfo {
    const now = manageTimestamp(this.clock.now());
    const info: RecordInfo = { lastUpdated: now, dateEntered: now, enteredBy: by, updatedBy: by };
    if (given && typeof given === 'object' && !Array.isArray(given)) {
      Object.assign(info, given as RecordInfo);
    }
    return info;
  }

  insert(collectionPath: string, record: RecordInput, by = DEFAULT_ACTOR): SimRecord {
    const collection = this.collection(collectionPath, true);
    const id = this.nextId(collectionPath, record.id);
    if (collection.records.has(id)) {
      throw new Error(`store.insert: ${collectionKey(collectionPath)} already has id ${id}`);
    }
    const stored: SimRecord = { id, ...userFields(record), _info: this.stampNew(record._info, by) };
    collection.records.set(id, stored);
    insertSorted(collection.ids, id);
    this.notify('added', collectionPath, stored);
    return stored;
  }

  bulkInsert(
    collectionPath: string,
    count: number,
    factory: (index: number) => RecordInput = () => ({}),
  ): SimRecord[] {
    const inserted: SimRecord[] = new Array(count);
    for (let i = 0; i < count; i++) inserted[i] = this.insert(collectionPath, factory(i));
    return inserted;
  }

  get(collectionPath: string, id: number): SimRecord | undefined {
    return this.collection(collectionPath)?.records.get(id);
  }

  update(
    collectionPath: string,
    id: number,
    partial: RecordInput,
    by = DEFAULT_ACTOR,
  ): SimRecord | undefined {
    const existing = this.get(collectionPath, id);
    if (!existing) return undefined;
    return this.put(collectionPath, { ...existing, ...userFields(partial) }, existing, by);
  }

  replace(
    collectionPath: string,
    id: number,
    record: RecordInput,
    by = DEFAULT_ACTOR,
  ): SimRecord | undefined {
    const existing = this.get(collectionPath, id);
    if (!existing) return undefined;
    return this.put(collectionPath, record, existing, by);
  }

  /** Records are replaced, never mutated: seed records share reference objects. */
  private put(
    collectionPath: string,
    next: RecordInput,
    existing: SimRecord,
    by: string,
  ): SimRecord {
    const stored: SimRecord = {
      id: existing.id,
      ...userFields(next),
      _info: {
        ...existing._info,
        lastUpdated: manageTimestamp(this.clock.now()),
        updatedBy: by,
      },
    };
    (this.collection(collectionPath) as Collection).records.set(existing.id, stored);
    this.notify('updated', collectionPath, stored);
    return stored;
  }

  remove(collectionPath: string, id: number): boolean {
    const collection = this.collection(collectionPath);
    const removed = collection?.records.get(id);
    if (!collection || !removed) return false;
    collection.records.delete(id);
    const index = collection.ids.indexOf(id);
    if (index >= 0) collection.ids.splice(index, 1);
    this.contents.delete(contentKey(collectionPath, id));
    this.notify('deleted', collectionPath, removed);
    return true;
  }

  list(collectionPath: string): SimRecord[] {
    return this.ordered(collectionPath).slice();
  }

  /** Records in id order without copying more than needed (for the query engine). */
  ordered(collectionPath: string, from = 0, to?: number): SimRecord[] {
    const collection = this.collection(collectionPath);
    if (!collection) return [];
    const ids = to === undefined && from === 0 ? collection.ids : collection.ids.slice(from, to);
    const out: SimRecord[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = collection.records.get(ids[i]) as SimRecord;
    return out;
  }

  /** Visits records in id order from position `from` until `visit` answers false. */
  scan(collectionPath: string, from: number, visit: (record: SimRecord) => boolean): void {
    const collection = this.collection(collectionPath);
    if (!collection) return;
    const { ids, records } = collection;
    for (let i = from; i < ids.length; i++) {
      if (!visit(records.get(ids[i]) as SimRecord)) return;
    }
  }

  /** Position of the first id greater than `id` (forward-only paging). */
  indexAfter(collectionPath: string, id: number): number {
    return positionAfter(this.collection(collectionPath)?.ids ?? [], id);
  }

  count(collectionPath: string): number {
    return this.collection(collectionPath)?.records.size ?? 0;
  }

  has(collectionPath: string): boolean {
    return this.data.has(collectionKey(collectionPath));
  }

  collections(): string[] {
    return [...this.data.keys()];
  }

  setSingleton(path: string, value: unknown): void {
    this.singletons.set(collectionKey(path), value);
  }

  getSingleton(path: string): unknown {
    return this.singletons.get(collectionKey(path));
  }

  setContent(collectionPath: string, id: number, content: StoredContent): void {
    this.contents.set(contentKey(collectionPath, id), content);
  }

  getContent(collectionPath: string, id: number): StoredContent | undefined {
    return this.contents.get(contentKey(collectionPath, id));
  }

  clear(collectionPath?: string): void {
    if (collectionPath === undefined) {
      this.data.clear();
      this.nextIds.clear();
      this.singletons.clear();
      this.contents.clear();
      return;
    }
    this.data.delete(collectionKey(collectionPath));
    const prefix = contentPrefix(collectionPath);
    for (const key of [...this.contents.keys()]) {
      if (key.startsWith(prefix)) this.contents.delete(key);
    }
  }
}
