/**
 * Says what changed on a record since it was last seen, and sends each version of a record once
 * whichever source saw it first (a poll, a callback delivery, a duplicate or a late delivery).
 *
 * It keeps a compact snapshot: per record id its `lastUpdated` (whole seconds) and the values of
 * the watched fields only, never the whole record. A sighting no newer than the snapshot's
 * `lastUpdated` for that id was handled before and gives nothing; a newer one gives the diff of
 * the watched fields and moves the snapshot on. A record seen for the first time has no `from`.
 * ConnectWise never reuses an id, so a deleted record keeps a tombstone that drops any late
 * sighting of it.
 */
import { CwError } from './errors';
import { readPath, type ChangeFilter } from './watched-fields';

export const SNAPSHOT_VERSION = 1;

export type TrackedEvent = 'created' | 'updated' | 'deleted';

export interface FieldChange {
  /** The value at the previous sighting; absent when the record is seen for the first time. */
  from?: unknown;
  /** The value now; absent when the record was deleted. */
  to?: unknown;
}

/** Only the watched fields that changed, by path: `{"status/name": {from: "New", to: "Open"}}`. */
export type FieldChanges = Record<string, FieldChange>;

export interface TrackedChange {
  id: number;
  /** `2025-03-01T10:00:00Z`; for a deletion the time of the last version seen, if any. */
  lastUpdated: string | undefined;
  event: TrackedEvent;
  changes: FieldChanges;
  /** False when the filters turn the change down: the snapshot moved on, nothing is sent. */
  matches: boolean;
}

/**
 * The stored form: `records` is the JSON text of an object mapping an id to `[lastUpdated in
 * epoch seconds, ...values]` in the order of `fields` (a tombstone is `[-1]`). Text rather than
 * an object: Node-RED's file context store indents what it writes, which would put every value of
 * every record on a line of its own and triple the file.
 */
export interface StoredSnapshot {
  version: typeof SNAPSHOT_VERSION;
  fields: string[];
  records: string;
}

const TOMBSTONE = -1;
/** Distinct short texts shared between records, so a status name is kept once, not per record. */
const INTERN_LIMIT = 50_000;
const INTERN_LENGTH = 64;

type Entry = unknown[];

export class ChangeTracker {
  private readonly records = new Map<number, Entry>();
  private readonly interned = new Map<string, string>();
  private changeCount = 0;

  constructor(
    readonly fields: readonly string[],
    readonly filters: readonly ChangeFilter[] = [],
  ) {}

  /** Records tracked, tombstones included. */
  get size(): number {
    return this.records.size;
  }

  /** Counts the snapshot's changes: equal counts, equal snapshots (say, to skip reloading it). */
  get revision(): number {
    return this.changeCount;
  }

  /** True when the snapshot already holds this version of the record, or a newer one. */
  isKnown(id: number, lastUpdated: string): boolean {
    const entry = this.records.get(id);
    if (entry === undefined) return false;
    const seen = entry[0] as number;
    return seen === TOMBSTONE || seen >= epochSeconds(lastUpdated);
  }

  /**
   * A record seen by a poll or a delivery. Undefined when this version (or a newer one) was
   * handled before; otherwise the diff, and the snapshot holds the record's new values.
   */
  observe(
    id: number,
    lastUpdated: string,
    record: unknown,
    event: 'created' | 'updated',
  ): TrackedChange | undefined {
    if (this.isKnown(id, lastUpdated)) return undefined;
    const previous = this.records.get(id);
    const entry: Entry = [epochSeconds(lastUpdated)];
    const changes: FieldChanges = {};
    this.fields.forEach((field, index) => {
      const value = this.compact(readPath(record, field));
      entry.push(value);
      if (previous === undefined) changes[field] = { to: copyOf(value) };
      else if (!sameValue(previous[index + 1], value)) {
        changes[field] = { from: copyOf(previous[index + 1]), to: copyOf(value) };
      }
    });
    this.records.set(id, entry);
    this.changeCount += 1;
    const change: TrackedChange = { id, lastUpdated, event, changes, matches: false };
    change.matches = this.passes(change);
    return change;
  }

  /** A deletion: the last values seen become `from`; a second report of it gives nothing. */
  forget(id: number): TrackedChange | undefined {
    const previous = this.records.get(id);
    if (previous !== undefined && previous[0] === TOMBSTONE) return undefined;
    this.records.set(id, [TOMBSTONE]);
    this.changeCount += 1;
    const changes: FieldChanges = {};
    if (previous !== undefined) {
      this.fields.forEach((field, index) => {
        changes[field] = { from: copyOf(previous[index + 1]) };
      });
    }
    const change: TrackedChange = {
      id,
      lastUpdated: previous === undefined ? undefined : cwDate(previous[0] as number),
      event: 'deleted',
      changes,
      matches: false,
    };
    change.matches = this.passes(change);
    return change;
  }

  /** The snapshot as it is stored: plain JSON. */
  toStored(): StoredSnapshot {
    const records: Record<string, unknown[]> = {};
    for (const [id, entry] of this.records) records[id] = entry;
    return {
      version: SNAPSHOT_VERSION,
      fields: [...this.fields],
      records: JSON.stringify(records),
    };
  }

  /**
   * A tracker resumed from a stored snapshot. A snapshot of other watched fields says nothing
   * about these: the tracker starts empty. A damaged one is refused with a CONFIG error.
   */
  static fromStored(
    stored: unknown,
    fields: readonly string[],
    filters: readonly ChangeFilter[] = [],
  ): ChangeTracker {
    const tracker = new ChangeTracker(fields, filters);
    if (stored === undefined || stored === null) return tracker;
    const snapshot = stored as Partial<StoredSnapshot>;
    if (typeof stored !== 'object' || snapshot.version !== SNAPSHOT_VERSION) {
      throw snapshotError(`version must be ${SNAPSHOT_VERSION}`);
    }
    if (
      !Array.isArray(snapshot.fields) ||
      snapshot.fields.length !== fields.length ||
      snapshot.fields.some((field, index) => field !== fields[index])
    ) {
      return tracker;
    }
    let records: unknown;
    try {
      records = typeof snapshot.records === 'string' ? JSON.parse(snapshot.records) : undefined;
    } catch {
      records = undefined;
    }
    if (records === null || typeof records !== 'object' || Array.isArray(records)) {
      throw snapshotError('records must be the JSON text of an object');
    }
    for (const [key, entry] of Object.entries(records as Record<string, unknown>)) {
      const id = Number(key);
      const valid =
        Number.isSafeInteger(id) &&
        Array.isArray(entry) &&
        typeof entry[0] === 'number' &&
        (entry[0] === TOMBSTONE ? entry.length === 1 : entry.length === fields.length + 1);
      if (!valid) throw snapshotError(`record ${key} is not [lastUpdated, ...values]`);
      tracker.records.set(
        id,
        entry.map((value) => tracker.compact(value)),
      );
    }
    return tracker;
  }

  private passes(change: TrackedChange): boolean {
    if (this.filters.length === 0) return true;
    return this.filters.some((filter) => filterMatches(filter, change));
  }

  /** Missing values are null; short texts are shared. */
  private compact(value: unknown): unknown {
    if (value === undefined) return null;
    if (typeof value !== 'string' || value.length > INTERN_LENGTH) return value;
    const shared = this.interned.get(value);
    if (shared !== undefined) return shared;
    if (this.interned.size < INTERN_LIMIT) this.interned.set(value, value);
    return value;
  }
}

/** The text a filter compares: `3` for 3, empty for null, JSON for objects. */
export function filterText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).trim();
}

/**
 * "becomes": the field holds the value now and did not before (a first sighting counts: nothing
 * says it held it); "leaves": it held the value and does not now (a deletion counts).
 */
export function filterMatches(filter: ChangeFilter, change: TrackedChange): boolean {
  const keys = Object.keys(change.changes);
  if (filter.kind === 'any') return keys.length > 0;
  const diff = change.changes[filter.field];
  if (diff === undefined) return false;
  if (filter.kind === 'becomes') {
    return (
      'to' in diff &&
      filterText(diff.to) === filter.value &&
      (!('from' in diff) || filterText(diff.from) !== filter.value)
    );
  }
  return (
    'from' in diff &&
    filterText(diff.from) === filter.value &&
    (!('to' in diff) || filterText(diff.to) !== filter.value)
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Messages get their own copy of object values, so a flow cannot change the snapshot. */
function copyOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

function epochSeconds(lastUpdated: string): number {
  const time = Date.parse(lastUpdated);
  if (!Number.isFinite(time)) {
    throw new CwError(
      'INVALID_RESPONSE',
      `lastUpdated: ${JSON.stringify(lastUpdated)} is not a date`,
    );
  }
  return Math.floor(time / 1000);
}

function cwDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function snapshotError(problem: string): CwError {
  return new CwError('CONFIG', `snapshot: ${problem}`, { field: 'snapshot' });
}
