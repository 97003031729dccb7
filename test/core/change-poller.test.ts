import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import {
  buildChangeConditions,
  buildChangeQuery,
  type Change,
  type ChangeQuery,
  ChangePoller,
  type ChangePollerOptions,
  type ChangeSource,
  formatCwDate,
  resolveChangeOptions,
  type Watermark,
  type WatermarkStore,
  withRequiredFields,
} from '../../src/core/change-poller';
import { CwError } from '../../src/core/errors';
import { advanceWatermark, createWatermark, parseWatermark } from '../../src/core/watermark';

// ---------------------------------------------------------------------------------------------
// A tiny evaluator for the ConnectWise conditions the poller writes (and the extras the tests use):
// comparisons, `in` / `not in` lists, `and`, `or`, parentheses, dates in brackets, strings, numbers.

type Value = string | number | boolean | null;
type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'compare'; path: string; operator: string; value: Value }
  | { kind: 'in'; path: string; negated: boolean; values: Value[] };

const TOKEN =
  /\s*(?:(\[[^\]]*\])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)(?![\w/])|(>=|<=|!=|=|<|>)|([(),])|([A-Za-z_][\w/]*))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match === null) throw new Error(`cannot read conditions at ${start}: ${text}`);
    tokens.push(match.slice(1).find((part) => part !== undefined) as string);
  }
  return tokens;
}

function parseConditions(text: string): Condition | undefined {
  const tokens = tokenize(text);
  if (tokens.length === 0) return undefined;
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const isWord = (word: string): boolean => peek()?.toLowerCase() === word;
  const expect = (token: string): void => {
    if (tokens[at] !== token) throw new Error(`expected ${token} at token ${at} in: ${text}`);
    at += 1;
  };
  const value = (): Value => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`missing value in: ${text}`);
    if (token.startsWith('[')) return formatCwDate(token.slice(1, -1));
    if (token.startsWith('"')) return JSON.parse(token) as string;
    if (/^-?\d/.test(token)) return Number(token);
    if (token.toLowerCase() === 'true') return true;
    if (token.toLowerCase() === 'false') return false;
    if (token.toLowerCase() === 'null') return null;
    throw new Error(`bad value ${token} in: ${text}`);
  };
  const list = (): Value[] => {
    expect('(');
    const values = [value()];
    while (peek() === ',') {
      at += 1;
      values.push(value());
    }
    expect(')');
    return values;
  };
  const primary = (): Condition => {
    if (peek() === '(') {
      at += 1;
      const inner = or();
      expect(')');
      return inner;
    }
    const path = tokens[at++];
    if (path === undefined || !/^[A-Za-z_]/.test(path)) throw new Error(`bad path in: ${text}`);
    if (isWord('not')) {
      at += 1;
      if (!isWord('in')) throw new Error(`expected in after not: ${text}`);
      at += 1;
      return { kind: 'in', path, negated: true, values: list() };
    }
    if (isWord('in')) {
      at += 1;
      return { kind: 'in', path, negated: false, values: list() };
    }
    const operator = tokens[at++];
    if (operator === undefined || !/^(>=|<=|!=|=|<|>)$/.test(operator)) {
      throw new Error(`bad operator ${operator} in: ${text}`);
    }
    return { kind: 'compare', path, operator, value: value() };
  };
  const and = (): Condition => {
    let left = primary();
    while (isWord('and')) {
      at += 1;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (isWord('or')) {
      at += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const condition = or();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]} in: ${text}`);
  return condition;
}

function readPath(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function compare(left: unknown, right: Value): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

function evaluate(condition: Condition, record: unknown): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, record) && evaluate(condition.right, record);
    case 'or':
      return evaluate(condition.left, record) || evaluate(condition.right, record);
    case 'in': {
      const found = condition.values.includes(readPath(record, condition.path) as Value);
      return condition.negated ? !found : found;
    }
    case 'compare': {
      const actual = readPath(record, condition.path);
      if (actual === undefined || actual === null) {
        return condition.operator === '=' ? condition.value === null : false;
      }
      const order = compare(actual, condition.value);
      switch (condition.operator) {
        case '=':
          return order === 0;
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        default:
          return order >= 0;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// An in-memory collection with a clock in whole seconds, injectable faults and a hook that runs
// before each query (to change records between the pages of a poll).

interface FieldNames {
  id: string;
  updated: string;
  created: string;
}

const DEFAULT_NAMES: FieldNames = {
  id: 'id',
  updated: '_info/lastUpdated',
  created: '_info/dateEntered',
};
const BASE_SECONDS = Date.UTC(2025, 2, 1, 10, 0, 0) / 1000;

function secondsToDate(seconds: number): string {
  return formatCwDate(new Date(seconds * 1000));
}

function writePath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('/');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

class FakeCollection implements ChangeSource {
  now = BASE_SECONDS;
  readonly records = new Map<number, Record<string, unknown>>();
  readonly queries: ChangeQuery[] = [];
  /** Fails the query with this number (1-based, counted over the collection's life). */
  failOnQuery: number | undefined;
  beforeQuery: ((queryNumber: number) => void) | undefined;
  /** Ignores orderBy or conditions, to show the poller notices. */
  misbehave: 'unordered' | 'no-conditions' | undefined;
  private nextId = 1;

  constructor(readonly names: FieldNames = DEFAULT_NAMES) {}

  create(fields: Record<string, unknown> = {}, id = this.nextId): number {
    this.nextId = Math.max(this.nextId, id + 1);
    const record: Record<string, unknown> = { summary: `record ${id}`, ...fields };
    writePath(record, this.names.id, id);
    writePath(record, this.names.created, secondsToDate(this.now));
    writePath(record, this.names.updated, secondsToDate(this.now));
    this.records.set(id, record);
    return id;
  }

  update(id: number, fields: Record<string, unknown> = {}): void {
    const record = this.records.get(id);
    if (record === undefined) throw new Error(`no record ${id}`);
    Object.assign(record, fields);
    writePath(record, this.names.updated, secondsToDate(this.now));
  }

  tick(seconds = 1): void {
    this.now += seconds;
  }

  lastUpdatedOf(id: number): string {
    return readPath(this.records.get(id), this.names.updated) as string;
  }

  createdOf(id: number): string {
    return readPath(this.records.get(id), this.names.created) as string;
  }

  async fetch(query: ChangeQuery): Promise<unknown[]> {
    this.queries.push(query);
    const queryNumber = this.queries.length;
    this.beforeQuery?.(queryNumber);
    if (this.failOnQuery === queryNumber) throw new Error(`HTTP 503 on query ${queryNumber}`);
    const condition =
      this.misbehave === 'no-conditions' ? undefined : parseConditions(query.conditions);
    let found = [...this.records.values()].filter(
      (record) => condition === undefined || evaluate(condition, record),
    );
    const order = query.orderBy.split(',').map((part) => {
      const [path, direction] = part.trim().split(/\s+/);
      return { path, sign: direction?.toLowerCase() === 'desc' ? -1 : 1 };
    });
    found.sort((a, b) => {
      for (const { path, sign } of order) {
        const difference = compare(readPath(a, path), readPath(b, path) as Value);
        if (difference !== 0) return sign * difference;
      }
      return 0;
    });
    if (this.misbehave === 'unordered') found.reverse();
    found = found.slice(0, query.pageSize);
    return found.map((record) => project(structuredClone(record), query.fields));
  }
}

function project(record: Record<string, unknown>, fields: string | undefined): unknown {
  if (fields === undefined) return record;
  const projected: Record<string, unknown> = {};
  for (const path of fields.split(',')) {
    const value = readPath(record, path);
    if (value !== undefined) writePath(projected, path, value);
  }
  return projected;
}

class MemoryStore implements WatermarkStore {
  saved: unknown;
  saves = 0;
  async load(): Promise<unknown> {
    return this.saved === undefined ? undefined : structuredClone(this.saved);
  }
  async save(watermark: Watermark): Promise<void> {
    this.saves += 1;
    this.saved = structuredClone(watermark);
  }
}

/** Collects every change emitted, in order; fails the emit call with the given number. */
class Recorder {
  readonly changes: Change[] = [];
  readonly pages: Change[][] = [];
  calls = 0;
  failOnCall: number | undefined;
  readonly emit = async (changes: Change[]): Promise<void> => {
    this.calls += 1;
    if (this.calls === this.failOnCall) throw new Error(`flow failed on page ${this.calls}`);
    this.pages.push(changes);
    this.changes.push(...changes);
  };
  pairs(): string[] {
    return this.changes.map((change) => `${change.id}@${change.lastUpdated}`);
  }
  ids(): number[] {
    return this.changes.map((change) => change.id);
  }
}

const SINCE_START = secondsToDate(BASE_SECONDS - 60);

function sincePoller(
  source: ChangeSource,
  store: WatermarkStore,
  options: ChangePollerOptions = {},
): ChangePoller {
  return new ChangePoller({ start: 'since', since: SINCE_START, ...options }, source, store);
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<unknown> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected a rejection matching ${pattern}`),
    (error: unknown) => {
      caught = error;
    },
  );
  assert.match(String((caught as Error).message), pattern);
  return caught;
}

// ---------------------------------------------------------------------------------------------

describe('change poller', () => {
  describe('formatCwDate', () => {
    it('writes UTC whole seconds the way ConnectWise does', () => {
      assert.equal(
        formatCwDate(new Date(Date.UTC(2025, 2, 1, 10, 0, 0, 999))),
        '2025-03-01T10:00:00Z',
      );
      assert.equal(formatCwDate('2025-03-01T11:00:00.500+01:00'), '2025-03-01T10:00:00Z');
      assert.equal(formatCwDate('2025-03-01T10:00:00Z'), '2025-03-01T10:00:00Z');
      assert.equal(formatCwDate('2025-03-01'), '2025-03-01T00:00:00Z');
    });

    it('reads a date-time without a zone as UTC, whatever the local time zone', () => {
      assert.equal(formatCwDate('2025-03-01T10:00'), '2025-03-01T10:00:00Z');
      assert.equal(formatCwDate('2025-03-01T10:00:07.25'), '2025-03-01T10:00:07Z');
    });

    it('names the field when the text is not a date', () => {
      assert.throws(
        () => formatCwDate('yesterday', 'since'),
        (error: unknown) =>
          error instanceof CwError &&
          error.code === 'INPUT' &&
          /^since: "yesterday" is not a date/.test(error.message),
      );
    });
  });

  describe('buildChangeConditions', () => {
    const fields = { updatedField: '_info/lastUpdated', idField: 'id' };

    it('asks for everything before anything was seen', () => {
      assert.equal(buildChangeConditions(null, fields), '');
      assert.equal(buildChangeConditions(createWatermark(null), fields), '');
      assert.equal(
        buildChangeConditions(null, { ...fields, conditions: 'board/id = 1' }),
        'board/id = 1',
      );
    });

    it('includes the watermark second itself when no id of it was emitted', () => {
      assert.equal(
        buildChangeConditions(createWatermark('2025-03-01T10:00:00Z'), fields),
        '_info/lastUpdated >= [2025-03-01T10:00:00Z]',
      );
    });

    it('excludes the ids already emitted in the watermark second', () => {
      assert.equal(
        buildChangeConditions(createWatermark('2025-03-01T10:00:00Z', [7, 3]), fields),
        '(_info/lastUpdated > [2025-03-01T10:00:00Z]) or (_info/lastUpdated = [2025-03-01T10:00:00Z] and id not in (3,7))',
      );
    });

    it('ANDs the extra conditions in parentheses, with custom field names', () => {
      assert.equal(
        buildChangeConditions(createWatermark('2025-03-01T10:00:00Z', [1]), {
          updatedField: 'lastUpdated',
          idField: 'recId',
          conditions: 'status/name = "Open" or status/name = "New"',
        }),
        '((lastUpdated > [2025-03-01T10:00:00Z]) or (lastUpdated = [2025-03-01T10:00:00Z] and recId not in (1))) and (status/name = "Open" or status/name = "New")',
      );
    });

    it('orders by update time then id and always starts from the watermark', () => {
      const query = buildChangeQuery(
        createWatermark('2025-03-01T10:00:00Z', [2]),
        resolveChangeOptions({ pageSize: 50 }),
      );
      assert.equal(query.orderBy, '_info/lastUpdated asc, id asc');
      assert.equal(query.pageSize, 50);
      assert.equal(query.fields, undefined);
    });
  });

  describe('options', () => {
    it('adds the id, updated and created fields to a fields list', () => {
      assert.equal(
        resolveChangeOptions({ fields: 'summary, status/name' }).fields,
        'summary,status/name,id,_info/lastUpdated,_info/dateEntered',
      );
      assert.equal(resolveChangeOptions({ fields: 'id,_info,summary' }).fields, 'id,_info,summary');
      assert.equal(withRequiredFields('', ['id']), 'id');
    });

    it('rejects settings it cannot use, naming the setting', () => {
      assert.throws(
        () => resolveChangeOptions({ pageSize: 1001 }),
        /^pageSize: must be a whole number from 1 to 1000/,
      );
      assert.throws(() => resolveChangeOptions({ pageSize: 0 }), /pageSize/);
      assert.throws(() => resolveChangeOptions({ start: 'since' }), /^since: a date is required/);
      assert.throws(
        () => resolveChangeOptions({ start: 'since', since: 'soon' }),
        /^since: "soon" is not a date/,
      );
      assert.throws(
        () => resolveChangeOptions({ idField: 'id; drop' }),
        /^idField: must be a field path/,
      );
    });

    it('normalises the since date', () => {
      assert.equal(
        resolveChangeOptions({ start: 'since', since: '2025-03-01T10:00:00.750Z' }).since,
        '2025-03-01T10:00:00Z',
      );
    });
  });

  describe('watermark', () => {
    it('moves to the newest second, keeping earlier ids only when the second did not move', () => {
      const start = createWatermark('2025-03-01T10:00:00Z', [5]);
      assert.deepEqual(
        advanceWatermark(start, [
          { id: 2, lastUpdated: '2025-03-01T10:00:00Z' },
          { id: 9, lastUpdated: '2025-03-01T10:00:00Z' },
        ]).ids,
        [2, 5, 9],
      );
      const moved = advanceWatermark(start, [
        { id: 2, lastUpdated: '2025-03-01T10:00:00Z' },
        { id: 4, lastUpdated: '2025-03-01T10:00:01Z' },
      ]);
      assert.deepEqual(moved, { version: 1, lastUpdated: '2025-03-01T10:00:01Z', ids: [4] });
    });

    it('refuses a stored watermark it does not understand', () => {
      assert.equal(parseWatermark(undefined), undefined);
      assert.throws(
        () => parseWatermark({ version: 2, lastUpdated: null, ids: [] }),
        /^watermark: version 2 is newer/,
      );
      assert.throws(
        () => parseWatermark({ version: 1, lastUpdated: 'now', ids: [] }),
        /watermark: lastUpdated must be null or a date/,
      );
      assert.throws(
        () => parseWatermark({ version: 1, lastUpdated: null, ids: ['1'] }),
        /watermark: ids must be a list/,
      );
      assert.throws(() => parseWatermark('x'), /watermark: is not an object/);
    });
  });

  describe('polling', () => {
    it('emits each create and each update once', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const poller = sincePoller(source, store);
      const recorder = new Recorder();
      source.create();
      source.create();
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2]);

      source.tick();
      source.update(1);
      source.create();
      await poller.poll(recorder.emit);
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2, 1, 3]);
      assert.equal(new Set(recorder.pairs()).size, 4);
    });

    it('tells creates from updates', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore());
      const recorder = new Recorder();
      source.create();
      source.create();
      source.update(2); // same second as its creation: still a create
      await poller.poll(recorder.emit);
      source.tick();
      source.update(1);
      await poller.poll(recorder.emit);
      assert.deepEqual(
        recorder.changes.map((change) => [change.id, change.event]),
        [
          [1, 'created'],
          [2, 'created'],
          [1, 'updated'],
        ],
      );
    });

    it('catches changes made later in the watermark second, including a lower id after a higher one', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const poller = sincePoller(source, store);
      const recorder = new Recorder();
      source.create(); // 1
      source.create(); // 2
      source.tick();
      source.update(2);
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2]);
      assert.deepEqual(store.saved, { version: 1, lastUpdated: source.lastUpdatedOf(2), ids: [2] });

      // Still the same second: id 1 is updated after id 2 was emitted, and a new record appears.
      source.update(1);
      source.create(); // 3
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2, 1, 3]);
      assert.deepEqual((store.saved as Watermark).ids, [1, 2, 3]);

      source.update(3); // same second again: same (id, lastUpdated), nothing new to tell
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2, 1, 3]);
    });

    it('pages through a burst larger than one page, each query starting from the watermark', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore(), { pageSize: 3 });
      const recorder = new Recorder();
      for (let i = 0; i < 8; i += 1) source.create();
      const result = await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(
        recorder.pages.map((page) => page.length),
        [3, 3, 2],
      );
      assert.equal(result.queries, 3);
      assert.equal(result.pages, 3);
      assert.equal(result.changes, 8);
      assert.ok(source.queries.every((query) => !('page' in query)));
      assert.match(source.queries[1].conditions, /id not in \(1,2,3\)/);
    });

    it('asks once more when the last page was exactly full', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore(), { pageSize: 2 });
      const recorder = new Recorder();
      for (let i = 0; i < 4; i += 1) source.create();
      const result = await poller.poll(recorder.emit);
      assert.equal(result.queries, 3);
      assert.equal(result.changes, 4);
    });

    it('costs exactly one query when nothing changed', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore());
      const recorder = new Recorder();
      source.create();
      await poller.poll(recorder.emit);
      const before = source.queries.length;
      source.tick(30);
      const result = await poller.poll(recorder.emit);
      assert.equal(source.queries.length - before, 1);
      assert.deepEqual([result.queries, result.changes, result.pages], [1, 0, 0]);
      assert.equal(recorder.calls, 1);
    });

    it('emits only records meeting the extra conditions', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore(), { conditions: 'status/name = "Open"' });
      const recorder = new Recorder();
      source.create({ status: { name: 'Open' } });
      source.create({ status: { name: 'Closed' } });
      await poller.poll(recorder.emit);
      source.tick();
      source.update(2, { status: { name: 'Open' } });
      await poller.poll(recorder.emit);
      assert.deepEqual(
        recorder.changes.map((change) => [change.id, change.event]),
        [
          [1, 'created'],
          [2, 'updated'],
        ],
      );
      assert.match(source.queries[1].conditions, /^\(.*\) and \(status\/name = "Open"\)$/);
    });

    it('hands emit the watermark it saves once emit has finished', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const poller = sincePoller(source, store);
      source.create();
      let seen: Watermark | undefined;
      let savedDuringEmit: unknown;
      await poller.poll(async (_changes, watermark) => {
        seen = watermark;
        savedDuringEmit = await store.load();
      });
      assert.deepEqual(store.saved, seen);
      assert.notDeepEqual(savedDuringEmit, seen);
    });

    it('loses and repeats nothing when restarted after a failure in the middle of a burst', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const recorder = new Recorder();
      for (let i = 0; i < 10; i += 1) source.create();
      recorder.failOnCall = 3;
      await rejectsWith(
        sincePoller(source, store, { pageSize: 3 }).poll(recorder.emit),
        /flow failed on page 3/,
      );
      assert.deepEqual(recorder.ids(), [1, 2, 3, 4, 5, 6]);

      source.tick();
      source.update(2);
      const restarted = sincePoller(source, store, { pageSize: 3 });
      const result = await restarted.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2]);
      assert.equal(result.changes, 5);
    });

    it('keeps the last emitted page when the source fails while paging, then resumes', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const poller = sincePoller(source, store, { pageSize: 2 });
      const recorder = new Recorder();
      for (let i = 0; i < 7; i += 1) source.create();
      source.failOnQuery = 3;
      await rejectsWith(poller.poll(recorder.emit), /HTTP 503 on query 3/);
      assert.deepEqual(recorder.ids(), [1, 2, 3, 4]);
      assert.deepEqual((store.saved as Watermark).ids, [1, 2, 3, 4]);
      source.failOnQuery = undefined;
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 2, 3, 4, 5, 6, 7]);
    });

    it('starting "now" ignores existing records, asking the server rather than the local clock', async () => {
      const source = new FakeCollection();
      source.now = BASE_SECONDS - 3600; // the server's clock is an hour behind this machine
      source.create();
      source.create();
      source.tick();
      source.create();
      source.create();
      const store = new MemoryStore();
      const poller = new ChangePoller({ start: 'now' }, source, store);
      const recorder = new Recorder();
      const first = await poller.poll(recorder.emit);
      assert.equal(first.established, true);
      assert.equal(first.queries, 2);
      assert.deepEqual(store.saved, {
        version: 1,
        lastUpdated: source.lastUpdatedOf(4),
        ids: [3, 4],
      });
      assert.equal(source.queries[0].orderBy, '_info/lastUpdated desc, id desc');
      assert.equal(source.queries[0].pageSize, 1);
      assert.equal(source.queries[1].fields, 'id');

      source.create(); // same second as the newest old record
      source.update(1);
      const second = await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1, 5]);
      assert.equal(second.established, false);
    });

    it('starting "now" pages through a second holding more than 1000 records', async () => {
      const source = new FakeCollection();
      for (let i = 0; i < 1203; i += 1) source.create();
      const store = new MemoryStore();
      const poller = new ChangePoller({ start: 'now' }, source, store);
      const first = await poller.poll(new Recorder().emit);
      assert.equal(first.queries, 3);
      assert.equal((store.saved as Watermark).ids.length, 1203);
      assert.match(source.queries[2].conditions, /and id > 1000$/);
      const recorder = new Recorder();
      source.create();
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [1204]);
    });

    it('starting "now" on an empty collection emits everything created afterwards', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const recorder = new Recorder();
      const first = await new ChangePoller({ start: 'now' }, source, store).poll(recorder.emit);
      assert.deepEqual(first.watermark, { version: 1, lastUpdated: null, ids: [] });
      assert.equal(first.queries, 1);

      source.create();
      source.create();
      // A restart must not establish "now" again, or these two would be lost.
      const restarted = new ChangePoller({ start: 'now' }, source, store);
      const second = await restarted.poll(recorder.emit);
      assert.equal(second.established, false);
      assert.equal(source.queries[1].conditions, '');
      assert.deepEqual(recorder.ids(), [1, 2]);
    });

    it('starting "now" applies the extra conditions when finding the newest record', async () => {
      const source = new FakeCollection();
      source.create({ board: 1 });
      source.tick();
      source.create({ board: 2 });
      const store = new MemoryStore();
      const poller = new ChangePoller({ start: 'now', conditions: 'board = 1' }, source, store);
      await poller.poll(new Recorder().emit);
      assert.deepEqual(store.saved, { version: 1, lastUpdated: source.lastUpdatedOf(1), ids: [1] });
    });

    it('starting "since" emits what changed from that second on', async () => {
      const source = new FakeCollection();
      source.create();
      source.tick();
      source.create();
      source.create();
      source.tick();
      source.create();
      const recorder = new Recorder();
      const since = new Date((BASE_SECONDS + 1) * 1000 + 400);
      const poller = new ChangePoller({ start: 'since', since }, source, new MemoryStore());
      await poller.poll(recorder.emit);
      assert.deepEqual(recorder.ids(), [2, 3, 4]);
      assert.equal(
        source.queries[0].conditions,
        `_info/lastUpdated >= [${source.lastUpdatedOf(2)}]`,
      );
    });

    it('works with other field names', async () => {
      const source = new FakeCollection({
        id: 'recId',
        updated: 'lastUpdated',
        created: 'audit/entered',
      });
      const poller = sincePoller(source, new MemoryStore(), {
        idField: 'recId',
        updatedField: 'lastUpdated',
        createdField: 'audit/entered',
        pageSize: 2,
      });
      const recorder = new Recorder();
      source.create();
      source.create();
      source.create();
      source.tick();
      source.update(1);
      await poller.poll(recorder.emit);
      await poller.poll(recorder.emit);
      assert.deepEqual(
        recorder.changes.map((change) => [change.id, change.event]),
        [
          [2, 'created'],
          [3, 'created'],
          [1, 'updated'],
        ],
      );
      assert.equal(source.queries[0].orderBy, 'lastUpdated asc, recId asc');
      assert.match(source.queries[1].conditions, /lastUpdated = \[.*\] and recId not in \(2,3\)/);
    });

    it('asks for the fields it needs besides the ones chosen', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore(), { fields: 'summary' });
      const recorder = new Recorder();
      source.create({ secret: 'not asked for' });
      source.tick();
      source.update(1);
      await poller.poll(recorder.emit);
      assert.equal(source.queries[0].fields, 'summary,id,_info/lastUpdated,_info/dateEntered');
      assert.deepEqual(recorder.changes[0].record, {
        summary: 'record 1',
        id: 1,
        _info: { lastUpdated: source.lastUpdatedOf(1), dateEntered: source.createdOf(1) },
      });
      assert.equal(recorder.changes[0].event, 'updated');
    });

    it('skips a poll while another runs on the same poller, or waits when asked', async () => {
      const source = new FakeCollection();
      const poller = sincePoller(source, new MemoryStore());
      source.create();
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = poller.poll(() => gate);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(poller.busy, true);
      const skipped = await poller.poll(new Recorder().emit);
      assert.equal(skipped.skipped, true);
      assert.equal(skipped.queries, 0);

      source.tick();
      source.create();
      const waiting = new Recorder();
      const waited = poller.poll(waiting.emit, { ifBusy: 'wait' });
      release();
      assert.equal((await slow).changes, 1);
      const after = await waited;
      assert.equal(after.skipped, false);
      assert.deepEqual(waiting.ids(), [2]);
      assert.equal(poller.busy, false);
    });

    it('stops on a stored watermark it cannot read, before querying', async () => {
      const source = new FakeCollection();
      const store = new MemoryStore();
      store.saved = { version: 1, lastUpdated: 12, ids: [] };
      const error = await rejectsWith(
        sincePoller(source, store).poll(new Recorder().emit),
        /^watermark: lastUpdated/,
      );
      assert.equal((error as CwError).code, 'CONFIG');
      assert.equal(source.queries.length, 0);
    });

    it('stops rather than loop or skip when the server ignores the query', async () => {
      const ignoresConditions = new FakeCollection();
      for (let i = 0; i < 3; i += 1) ignoresConditions.create();
      const poller = sincePoller(ignoresConditions, new MemoryStore(), { pageSize: 3 });
      await poller.poll(new Recorder().emit);
      ignoresConditions.misbehave = 'no-conditions';
      await rejectsWith(
        poller.poll(new Recorder().emit),
        /^conditions: the server returned 3 records that were all emitted before/,
      );

      const unordered = new FakeCollection();
      unordered.create();
      unordered.tick();
      unordered.create();
      unordered.misbehave = 'unordered';
      const recorder = new Recorder();
      await rejectsWith(
        sincePoller(unordered, new MemoryStore()).poll(recorder.emit),
        /^updatedField: the server did not order the records by _info\/lastUpdated/,
      );
      assert.equal(recorder.calls, 0);
    });

    it('names the field a record lacks', async () => {
      const source = new FakeCollection();
      source.create();
      // A misspelt field: the newest-record query (no date condition yet) returns a record without it.
      const poller = new ChangePoller(
        { start: 'now', updatedField: 'lastUpdated' },
        source,
        new MemoryStore(),
      );
      await rejectsWith(
        poller.poll(new Recorder().emit),
        /^updatedField: record 1 has no date at "lastUpdated" \(found nothing\)/,
      );
    });
  });

  describe('under random schedules of changes, polls, restarts and faults', () => {
    type Mutation =
      { kind: 'create' } | { kind: 'update'; pick: number } | { kind: 'tick'; seconds: number };
    type Step =
      | Mutation
      | { kind: 'restart' }
      | {
          kind: 'poll';
          failEmitCall: number | undefined;
          failQuery: number | undefined;
          /** Changes made just before the poll's nth query (between its pages). */
          during: Array<{ beforeQuery: number; mutation: Mutation }>;
        };

    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'create' }) },
      { weight: 4, arbitrary: fc.nat(1000).map<Mutation>((pick) => ({ kind: 'update', pick })) },
      {
        weight: 2,
        arbitrary: fc
          .integer({ min: 0, max: 2 })
          .map<Mutation>((seconds) => ({ kind: 'tick', seconds })),
      },
    );
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: mutation },
      { weight: 1, arbitrary: fc.constant<Step>({ kind: 'restart' }) },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('poll' as const),
          failEmitCall: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 }),
          failQuery: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }),
          during: fc.array(fc.record({ beforeQuery: fc.integer({ min: 1, max: 4 }), mutation }), {
            maxLength: 4,
          }),
        }),
      },
    );

    /**
     * The oracle. A record's state is the pair (id, lastUpdated): ConnectWise stamps whole seconds,
     * so two updates of one record in one second are one state to any reader of the API.
     * - nothing is emitted twice, and nothing is emitted that was never a record's state;
     * - emitted states come in order of lastUpdated (across pages, polls and restarts);
     * - after a final fault-free poll, every record's last state is emitted exactly once, except,
     *   with `start: now`, states already present when the starting point was taken (never
     *   emitted) and states that appeared while it was being taken (emitted at most once);
     * - the event is `created` exactly when the state is the record's first second.
     */
    async function runSchedule(
      start: 'now' | 'since',
      pageSize: number,
      steps: Step[],
    ): Promise<void> {
      const source = new FakeCollection();
      const store = new MemoryStore();
      const options: ChangePollerOptions = {
        start,
        pageSize,
        ...(start === 'since' ? { since: SINCE_START } : {}),
      };
      let poller = new ChangePoller(options, source, store);
      const everExisted = new Set<string>();
      const emitted = new Set<string>();
      let newestEmitted = '';
      let baseline: Set<string> | undefined;
      let appearedWhileStarting = new Set<string>();

      const currentStates = (): Set<string> =>
        new Set([...source.records.keys()].map((id) => `${id}@${source.lastUpdatedOf(id)}`));
      const apply = (change: Mutation): void => {
        if (change.kind === 'create') source.create();
        else if (change.kind === 'tick') source.tick(change.seconds);
        else if (source.records.size > 0) source.update(1 + (change.pick % source.records.size));
        for (const state of currentStates()) everExisted.add(state);
      };
      const emit = (failOnCall: number | undefined) => {
        let calls = 0;
        return async (changes: Change[]): Promise<void> => {
          calls += 1;
          if (calls === failOnCall) throw new Error('injected emit failure');
          for (const change of changes) {
            const state = `${change.id}@${change.lastUpdated}`;
            assert.ok(everExisted.has(state), `emitted ${state}, which never existed`);
            assert.ok(!emitted.has(state), `emitted ${state} twice`);
            assert.ok(
              change.lastUpdated >= newestEmitted,
              `emitted ${state} after ${newestEmitted}`,
            );
            assert.equal(
              change.event,
              change.lastUpdated === source.createdOf(change.id) ? 'created' : 'updated',
            );
            emitted.add(state);
            newestEmitted = change.lastUpdated;
          }
        };
      };
      const runPoll = async (
        failEmitCall: number | undefined,
        failQuery: number | undefined,
        during: Array<{ beforeQuery: number; mutation: Mutation }>,
      ): Promise<void> => {
        const firstQuery = source.queries.length + 1;
        source.failOnQuery = failQuery === undefined ? undefined : firstQuery + failQuery - 1;
        source.beforeQuery = (queryNumber) => {
          for (const entry of during) {
            if (firstQuery + entry.beforeQuery - 1 === queryNumber) apply(entry.mutation);
          }
        };
        const before = currentStates();
        try {
          const result = await poller.poll(emit(failEmitCall));
          if (result.established) {
            const after = currentStates();
            baseline = new Set([...before].filter((state) => after.has(state)));
            appearedWhileStarting = new Set([...after].filter((state) => !before.has(state)));
          }
        } catch (error) {
          if (!/injected emit failure|HTTP 503/.test(String(error))) throw error;
        } finally {
          source.failOnQuery = undefined;
          source.beforeQuery = undefined;
        }
      };

      for (const item of steps) {
        if (item.kind === 'restart') poller = new ChangePoller(options, source, store);
        else if (item.kind === 'poll')
          await runPoll(item.failEmitCall, item.failQuery, item.during);
        else apply(item);
      }
      await runPoll(undefined, undefined, []);
      if (baseline === undefined) await runPoll(undefined, undefined, []); // `now` not yet established

      for (const state of currentStates()) {
        if (baseline?.has(state))
          assert.ok(!emitted.has(state), `emitted ${state}, present before the start`);
        else if (!appearedWhileStarting.has(state))
          assert.ok(emitted.has(state), `never emitted ${state}`);
      }
      for (const state of baseline ?? [])
        assert.ok(!emitted.has(state), `emitted ${state}, present before the start`);
    }

    for (const start of ['since', 'now'] as const) {
      it(`start "${start}": every last state emitted exactly once, nothing twice, in order`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 4 }),
            fc.array(step, { maxLength: 60 }),
            (pageSize, steps) => runSchedule(start, pageSize, steps),
          ),
          { numRuns: 400 },
        );
      });
    }
  });
});
