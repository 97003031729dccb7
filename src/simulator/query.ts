/**
 * List queries: conditions, childConditions, customFieldConditions, orderBy, fields, and both
 * paging styles (numbered pages and forward-only `pageId`).
 */
import { CwError } from '../core/errors';
import { parseConditions, type ConditionNode } from '../core/conditions';
import { evaluateConditions } from './condition-evaluator';
import { fieldKey, valueAtPath } from './field-paths';
import { badRequest } from './manage-errors';
import type { MemoryStore, SimRecord } from './store';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 1000;

export interface ListQuery {
  conditions?: string;
  /** Evaluated like conditions, a record matching when any element of the child list does. */
  childConditions?: string;
  /** Evaluated against each entry of the record's `customFields` (`caption="X" and value=1`). */
  customFieldConditions?: string;
  orderBy?: string;
  page?: string;
  pageSize?: string;
  pageId?: string;
  forwardOnly: boolean;
}

export interface ListPage {
  records: SimRecord[];
  pageSize: number;
  /** Numbered paging. */
  page?: number;
  lastPage?: number;
  /** Forward-only paging: the id to ask for next, when more records follow. */
  nextPageId?: number;
}

const parsedConditions = new Map<string, ConditionNode>();

function conditionsFor(text: string, field: string): ConditionNode {
  const key = `${field}\u0000${text}`;
  let node = parsedConditions.get(key);
  if (!node) {
    try {
      node = parseConditions(text, field);
    } catch (err) {
      if (err instanceof CwError) throw badRequest(err.message);
      throw err;
    }
    if (parsedConditions.size > 500) parsedConditions.clear();
    parsedConditions.set(key, node);
  }
  return node;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function wholeNumber(name: string, text: string | undefined, minimum: number): number | undefined {
  if (!present(text)) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw badRequest(`${name}: must be a whole number of ${minimum} or more, got "${text}"`);
  }
  return value;
}

/** A record filter, or undefined when the query has no conditions at all. */
export function recordFilter(query: ListQuery): ((record: SimRecord) => boolean) | undefined {
  const tests: ((record: SimRecord) => boolean)[] = [];
  if (present(query.conditions)) {
    const node = conditionsFor(query.conditions, 'conditions');
    tests.push((record) => evaluateConditions(node, record));
  }
  if (present(query.childConditions)) {
    const node = conditionsFor(query.childConditions, 'childConditions');
    tests.push((record) => evaluateConditions(node, record));
  }
  if (present(query.customFieldConditions)) {
    const node = conditionsFor(query.customFieldConditions, 'customFieldConditions');
    tests.push((record) => {
      const fields = record.customFields;
      return Array.isArray(fields) && fields.some((entry) => evaluateConditions(node, entry));
    });
  }
  if (tests.length === 0) return undefined;
  if (tests.length === 1) return tests[0];
  return (record) => tests.every((test) => test(record));
}

interface SortKey {
  segments: string[];
  descending: boolean;
}

function parseOrderBy(text: string): SortKey[] {
  return text.split(',').map((part) => {
    const match = /^\s*([A-Za-z_][\w.]*(?:\/[A-Za-z_][\w.]*)*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!match) {
      throw badRequest(
        `orderBy: cannot read "${part.trim()}" (expected "field asc" or "field desc")`,
      );
    }
    return { segments: match[1].split('/'), descending: match[2]?.toLowerCase() === 'desc' };
  });
}

/** A value as it sorts: strings ignore case, objects by their JSON. */
function sortKey(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase();
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Nulls first, then numbers and booleans by value, strings by code unit. */
function compareKeys(a: unknown, b: unknown): number {
  const aMissing = a === null || a === undefined;
  const bMissing = b === null || b === undefined;
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function sortRecords(records: SimRecord[], keys: SortKey[]): SimRecord[] {
  const decorated = records.map((record) => ({
    record,
    values: keys.map((key) => sortKey(valueAtPath(record, key.segments))),
  }));
  decorated.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const order = compareKeys(x.values[i], y.values[i]);
      if (order !== 0) return keys[i].descending ? -order : order;
    }
    return x.record.id - y.record.id;
  });
  return decorated.map((entry) => entry.record);
}

function pageSizeOf(query: ListQuery): number {
  const size = wholeNumber('pageSize', query.pageSize, 1) ?? DEFAULT_PAGE_SIZE;
  return Math.min(size, MAX_PAGE_SIZE);
}

export function countRecords(store: MemoryStore, collectionPath: string, query: ListQuery): number {
  const filter = recordFilter(query);
  if (!filter) return store.count(collectionPath);
  let total = 0;
  store.scan(collectionPath, 0, (record) => {
    if (filter(record)) total++;
    return true;
  });
  return total;
}

export function listRecords(
  store: MemoryStore,
  collectionPath: string,
  query: ListQuery,
): ListPage {
  const pageSize = pageSizeOf(query);
  const filter = recordFilter(query);

  if (query.forwardOnly) {
    if (present(query.orderBy)) {
      throw badRequest(
        'orderBy: not supported with forward-only pagination (results are ordered by id)',
      );
    }
    const after = wholeNumber('pageId', query.pageId, 0) ?? 0;
    const records: SimRecord[] = [];
    let more = false;
    store.scan(collectionPath, store.indexAfter(collectionPath, after), (record) => {
      if (filter && !filter(record)) return true;
      if (records.length === pageSize) {
        more = true;
        return false;
      }
      records.push(record);
      return true;
    });
    return {
      records,
      pageSize,
      nextPageId: more ? records[records.length - 1].id : undefined,
    };
  }

  const page = wholeNumber('page', query.page, 1) ?? 1;
  const start = (page - 1) * pageSize;
  const sortKeys = present(query.orderBy) ? parseOrderBy(query.orderBy) : undefined;
  if (!filter && !sortKeys) {
    const total = store.count(collectionPath);
    return {
      records: store.ordered(collectionPath, start, start + pageSize),
      pageSize,
      page,
      lastPage: Math.max(1, Math.ceil(total / pageSize)),
    };
  }
  let matching: SimRecord[] = [];
  store.scan(collectionPath, 0, (record) => {
    if (!filter || filter(record)) matching.push(record);
    return true;
  });
  if (sortKeys) matching = sortRecords(matching, sortKeys);
  return {
    records: matching.slice(start, start + pageSize),
    pageSize,
    page,
    lastPage: Math.max(1, Math.ceil(matching.length / pageSize)),
  };
}

type FieldTree = Map<string, FieldTree | true>;

/** `id,name,status/name` -> a tree of the fields to keep. */
export function parseFields(text: string): FieldTree {
  const tree: FieldTree = new Map();
  for (const raw of text.split(',')) {
    const path = raw.trim();
    if (path === '') continue;
    if (!/^[A-Za-z_][\w.]*(\/[A-Za-z_][\w.]*)*$/.test(path)) {
      throw badRequest(`fields: cannot read "${path}" (expected names like id,name,status/name)`);
    }
    let node = tree;
    const segments = path.split('/');
    segments.forEach((segment, index) => {
      const existing = node.get(segment);
      if (index === segments.length - 1) {
        node.set(segment, true);
      } else if (existing === true) {
        // The whole object is already kept.
      } else {
        const child: FieldTree = existing ?? new Map();
        node.set(segment, child);
        node = child;
      }
    });
  }
  return tree;
}

/** Keeps only the requested fields; names are matched ignoring case, as Manage does. */
export function projectFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((element) => projectFields(element, tree));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [wanted, subtree] of tree) {
    const key = fieldKey(source, wanted);
    if (key === undefined || source[key] === undefined) continue;
    out[key] = subtree === true ? source[key] : projectFields(source[key], subtree);
  }
  return out;
}
