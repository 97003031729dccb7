/**
 * Emits every record of a ConnectWise collection created or updated since the last poll: none
 * lost, none repeated, across restarts and faults.
 *
 * Every query restarts from the saved watermark instead of following page numbers: page offsets
 * skip records when others change between two pages, a watermark cannot. The watermark is saved
 * only after a page was emitted, so a failure repeats at most the page that failed, and only if
 * its emit callback had already failed too.
 */
import { MAX_PAGE_SIZE, PAGE_SIZE_RANGE, rangeProblem } from '../shared/limits';
import type { PollStart } from '../shared/modes';
import { POLL_DEFAULTS } from '../shared/node-configs';
import { CwError, inputError } from './errors';
import {
  advanceWatermark,
  createWatermark,
  formatCwDate,
  isAfterWatermark,
  parseWatermark,
  type RecordPosition,
  type Watermark,
} from './watermark';

export { formatCwDate } from './watermark';
export type { Watermark } from './watermark';

/** One list query; the source always asks for the first page (`page=1`). */
export interface ChangeQuery {
  /** ConnectWise `conditions`; empty means no condition at all. */
  conditions: string;
  orderBy: string;
  pageSize: number;
  fields?: string;
}

/** Runs a list query against the collection and returns the records of the first page. */
export interface ChangeSource {
  fetch(query: ChangeQuery): Promise<unknown[]>;
}

export interface WatermarkStore {
  /** The saved watermark, or undefined when there is none yet. Checked before use. */
  load(): Promise<unknown>;
  save(watermark: Watermark): Promise<void>;
}

export type ChangeEvent = 'created' | 'updated';

export interface Change {
  record: unknown;
  /** `created` when the record was entered in the same second as its last update. */
  event: ChangeEvent;
  id: number;
  lastUpdated: string;
}

/** Hands a page of changes on; the poller saves `watermark` once it resolves. */
export type EmitChanges = (changes: Change[], watermark: Watermark) => Promise<void> | void;

/**
 * Where pages of changes go when delivery decides what may be saved: `accept` answers the
 * watermark of everything delivered so far (undefined while it holds the page back, say to learn
 * whether it is the poll's last), `flush` delivers what is held when the poll ends. The poller
 * alone saves, and only what a sink answered.
 */
export interface ChangeSink {
  accept(changes: Change[], watermark: Watermark): Promise<Watermark | undefined>;
  flush(): Promise<Watermark | undefined>;
}

/** An EmitChanges as a sink: each page is delivered, and so saved, as it comes. */
function sinkOf(emit: EmitChanges): ChangeSink {
  return {
    accept: async (changes, watermark) => {
      await emit(changes, watermark);
      return watermark;
    },
    flush: async () => undefined,
  };
}

export interface ChangePollerOptions {
  /** Records a query; 1 to 1000. */
  pageSize?: number;
  /** Extra ConnectWise conditions every emitted record must meet. */
  conditions?: string;
  /** Fields to return; the id, updated and created fields are added to it. Empty = all. */
  fields?: string;
  updatedField?: string;
  createdField?: string;
  idField?: string;
  /** Where a poller without a saved watermark starts. */
  start?: PollStart;
  /** The date for `start: since`. */
  since?: string | Date;
}

export interface ResolvedChangeOptions {
  pageSize: number;
  conditions: string;
  fields: string | undefined;
  updatedField: string;
  createdField: string;
  idField: string;
  start: PollStart;
  /** Normalised to `2025-03-01T10:00:00Z`; set when `start` is `since`. */
  since: string | undefined;
}

export interface PollOptions {
  /** What a poll does while another poll of the same poller runs: skip (default) or wait for it. */
  ifBusy?: 'skip' | 'wait';
  /** This poll's extra conditions (the options' ones with message-time values filled in). */
  conditions?: string;
}

export interface PollResult {
  /** Records emitted. */
  changes: number;
  /** Pages emitted (pages with at least one change). */
  pages: number;
  /** Queries sent to the source. */
  queries: number;
  /** The saved watermark after this poll; null when the poll was skipped. */
  watermark: Watermark | null;
  /** True when another poll was running and this one did nothing. */
  skipped: boolean;
  /** True when this poll only established the starting point (`start: now`, nothing stored). */
  established: boolean;
}

export const DEFAULT_PAGE_SIZE = POLL_DEFAULTS.pageSize;
export const DEFAULT_UPDATED_FIELD = POLL_DEFAULTS.updatedField;
export const DEFAULT_CREATED_FIELD = POLL_DEFAULTS.createdField;
export const DEFAULT_ID_FIELD = POLL_DEFAULTS.idField;

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Checks the options and fills in the defaults; errors name the option at fault. */
export function resolveChangeOptions(options: ChangePollerOptions = {}): ResolvedChangeOptions {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (rangeProblem(PAGE_SIZE_RANGE, pageSize)) {
    throw inputError(
      'pageSize',
      `must be a whole number from ${PAGE_SIZE_RANGE.min} to ${PAGE_SIZE_RANGE.max}, found ${pageSize}`,
    );
  }
  const start = options.start ?? 'now';
  if (start !== 'now' && start !== 'since') {
    throw inputError('start', `must be "now" or "since", found ${JSON.stringify(start)}`);
  }
  let since: string | undefined;
  if (start === 'since') {
    if (options.since === undefined || options.since === '') {
      throw inputError('since', 'a date is required when start is "since"');
    }
    since = formatCwDate(options.since, 'since');
  }
  const fields = options.fields?.trim() ?? '';
  const resolved: ResolvedChangeOptions = {
    pageSize,
    conditions: options.conditions?.trim() ?? '',
    fields: undefined,
    updatedField: fieldPath('updatedField', options.updatedField, DEFAULT_UPDATED_FIELD),
    createdField: fieldPath('createdField', options.createdField, DEFAULT_CREATED_FIELD),
    idField: fieldPath('idField', options.idField, DEFAULT_ID_FIELD),
    start,
    since,
  };
  if (fields !== '') {
    resolved.fields = withRequiredFields(fields, [
      resolved.idField,
      resolved.updatedField,
      resolved.createdField,
    ]);
  }
  return resolved;
}

function fieldPath(option: string, value: string | undefined, fallback: string): string {
  const path = value?.trim() || fallback;
  if (!FIELD_PATH.test(path)) {
    throw inputError(
      option,
      `must be a field path like ${fallback}, found ${JSON.stringify(path)}`,
    );
  }
  return path;
}

/** Adds each required field to a `fields` list unless it, or a parent of it, is listed already. */
export function withRequiredFields(fields: string, required: readonly string[]): string {
  const listed = fields
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
  for (const field of required) {
    const covered = listed.some((entry) => entry === field || field.startsWith(`${entry}/`));
    if (!covered) listed.push(field);
  }
  return listed.join(',');
}

export interface ConditionFields {
  updatedField: string;
  idField: string;
  /** The user's extra conditions, AND-ed in parentheses. */
  conditions?: string;
}

/**
 * The conditions for "everything after the watermark": later seconds, plus the records of the
 * watermark's own second not emitted yet. `not in` rather than `id >` because a record with a lower
 * id can be updated in that second after a higher one was emitted.
 */
export function buildChangeConditions(
  watermark: Watermark | null,
  fields: ConditionFields,
): string {
  const updated = fields.updatedField;
  let since = '';
  if (watermark !== null && watermark.lastUpdated !== null) {
    const date = `[${watermark.lastUpdated}]`;
    since =
      watermark.ids.length === 0
        ? `${updated} >= ${date}`
        : `(${updated} > ${date}) or (${updated} = ${date} and ${fields.idField} not in (${watermark.ids.join(',')}))`;
  }
  return andConditions(since, fields.conditions ?? '');
}

/** The query for the next page of changes after the watermark. */
export function buildChangeQuery(
  watermark: Watermark | null,
  options: ResolvedChangeOptions,
): ChangeQuery {
  const query: ChangeQuery = {
    conditions: buildChangeConditions(watermark, options),
    orderBy: `${options.updatedField} asc, ${options.idField} asc`,
    pageSize: options.pageSize,
  };
  if (options.fields !== undefined) query.fields = options.fields;
  return query;
}

function andConditions(first: string, second: string): string {
  if (first === '') return second;
  if (second === '') return first;
  return `(${first}) and (${second})`;
}

/** Reads a value through a `/` path (`_info/lastUpdated`). */
export function readFieldPath(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The ids of one second are read in pages as large as the API allows. */
const ID_PAGE_SIZE = MAX_PAGE_SIZE;

export class ChangePoller {
  readonly options: ResolvedChangeOptions;
  private running: Promise<PollResult> | undefined;

  constructor(
    options: ChangePollerOptions,
    private readonly source: ChangeSource,
    private readonly store: WatermarkStore,
  ) {
    this.options = resolveChangeOptions(options);
  }

  /** True while a poll runs. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Emits, page by page, every change since the saved watermark, saving the watermark after each
   * emitted page. An error from the source, the store or `emit` ends the poll and is rethrown; the
   * watermark stays at the last page emitted, so the next poll resumes there.
   */
  async poll(target: EmitChanges | ChangeSink, options: PollOptions = {}): Promise<PollResult> {
    while (this.running !== undefined) {
      if (options.ifBusy !== 'wait') {
        return {
          changes: 0,
          pages: 0,
          queries: 0,
          watermark: null,
          skipped: true,
          established: false,
        };
      }
      await this.running.catch(() => undefined);
    }
    const settings =
      options.conditions === undefined
        ? this.options
        : { ...this.options, conditions: options.conditions.trim() };
    const run = this.runPoll(typeof target === 'function' ? sinkOf(target) : target, settings);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  private async runPoll(sink: ChangeSink, settings: ResolvedChangeOptions): Promise<PollResult> {
    const result: PollResult = {
      changes: 0,
      pages: 0,
      queries: 0,
      watermark: null,
      skipped: false,
      established: false,
    };
    let watermark = parseWatermark(await this.store.load());
    if (watermark === undefined) {
      if (this.options.start === 'now') {
        result.watermark = await this.establishFromServer(result, settings);
        await this.store.save(result.watermark);
        result.established = true;
        return result;
      }
      watermark = createWatermark(this.options.since ?? null);
      await this.store.save(watermark);
    }
    const save = async (delivered: Watermark | undefined): Promise<void> => {
      if (delivered === undefined) return;
      await this.store.save(delivered);
      result.watermark = delivered;
    };
    result.watermark = watermark;
    try {
      for (;;) {
        result.queries += 1;
        const page = await this.source.fetch(buildChangeQuery(watermark, settings));
        const changes = this.readChanges(page, watermark);
        if (changes.length > 0) {
          const next = advanceWatermark(watermark, changes);
          await save(await sink.accept(changes, next));
          watermark = next;
          result.pages += 1;
          result.changes += changes.length;
        } else if (page.length >= this.options.pageSize) {
          // A full page of records already emitted: the source ignores the conditions, and asking
          // again would return the same page forever.
          throw new CwError(
            'INVALID_RESPONSE',
            `conditions: the server returned ${page.length} records that were all emitted before; it did not apply "${buildChangeConditions(watermark, settings)}"`,
            { field: 'conditions' },
          );
        }
        if (page.length < this.options.pageSize) break;
      }
    } finally {
      // What the sink held back goes out even when a later query failed; it was fetched fine.
      await save(await sink.flush());
    }
    return result;
  }

  /**
   * `start: now` asks the server, not the local clock (the two differ), for the newest record and
   * then for every id in its second. An empty collection gives an empty watermark: whatever is
   * created after an empty start is new, so the next poll rightly asks for everything.
   */
  private async establishFromServer(
    result: PollResult,
    settings: ResolvedChangeOptions,
  ): Promise<Watermark> {
    const { updatedField, idField, conditions } = settings;
    result.queries += 1;
    const newest = await this.source.fetch({
      conditions,
      orderBy: `${updatedField} desc, ${idField} desc`,
      pageSize: 1,
      fields: `${idField},${updatedField}`,
    });
    if (newest.length === 0) return createWatermark(null);
    const lastUpdated = this.readPosition(newest[0]).lastUpdated;
    const ids: number[] = [];
    let afterId: number | undefined;
    for (;;) {
      // Paged by id rather than by page number, for the same reason as the change queries.
      const sameSecond = `${updatedField} = [${lastUpdated}]`;
      result.queries += 1;
      const page = await this.source.fetch({
        conditions: andConditions(
          afterId === undefined ? sameSecond : `${sameSecond} and ${idField} > ${afterId}`,
          conditions,
        ),
        orderBy: `${idField} asc`,
        pageSize: ID_PAGE_SIZE,
        fields: idField,
      });
      const pageIds = page.map((record) => this.readId(record));
      ids.push(...pageIds);
      if (page.length < ID_PAGE_SIZE) break;
      afterId = Math.max(...pageIds);
    }
    return createWatermark(lastUpdated, ids);
  }

  /** The page's records after the watermark, checked and classified, in the page's order. */
  private readChanges(page: unknown[], watermark: Watermark): Change[] {
    const changes: Change[] = [];
    let previous: string | undefined;
    for (const record of page) {
      const position = this.readPosition(record);
      if (previous !== undefined && position.lastUpdated < previous) {
        // Emitting an unordered page would move the watermark past records not yet seen.
        throw new CwError(
          'INVALID_RESPONSE',
          `updatedField: the server did not order the records by ${this.options.updatedField} (record ${position.id} at ${position.lastUpdated} came after ${previous})`,
          { field: 'updatedField' },
        );
      }
      previous = position.lastUpdated;
      if (!isAfterWatermark(watermark, position)) continue;
      changes.push({
        record,
        event: this.readCreated(record) === position.lastUpdated ? 'created' : 'updated',
        id: position.id,
        lastUpdated: position.lastUpdated,
      });
    }
    return changes;
  }

  private readPosition(record: unknown): RecordPosition {
    const id = this.readId(record);
    const updatedField = this.options.updatedField;
    const value = readFieldPath(record, updatedField);
    const lastUpdated = typeof value === 'string' ? tryFormatCwDate(value) : undefined;
    if (lastUpdated === undefined) {
      throw new CwError(
        'INVALID_RESPONSE',
        `updatedField: record ${id} has no date at "${updatedField}" (found ${describe(value)})`,
        { field: 'updatedField' },
      );
    }
    return { id, lastUpdated };
  }

  private readId(record: unknown): number {
    const idField = this.options.idField;
    const value = readFieldPath(record, idField);
    const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      throw new CwError(
        'INVALID_RESPONSE',
        `idField: a record has no whole-number id at "${idField}" (found ${describe(value)})`,
        { field: 'idField' },
      );
    }
    return id;
  }

  private readCreated(record: unknown): string | undefined {
    const value = readFieldPath(record, this.options.createdField);
    return typeof value === 'string' ? tryFormatCwDate(value) : undefined;
  }
}

function tryFormatCwDate(value: string): string | undefined {
  try {
    return formatCwDate(value);
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
