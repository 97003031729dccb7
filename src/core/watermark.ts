/**
 * The change poller's resume point. ConnectWise stamps records with whole-second times and several
 * records can share a second, so a time alone cannot say which records of the newest second were
 * already emitted: the watermark keeps their ids too.
 */
import { CwError, inputError } from './errors';

export const WATERMARK_VERSION = 1;

export interface Watermark {
  /** Bumped when the stored shape changes, so an old stored watermark can be migrated. */
  version: typeof WATERMARK_VERSION;
  /** The newest `lastUpdated` emitted (`2025-03-01T10:00:00Z`); null before anything was seen. */
  lastUpdated: string | null;
  /** Ids already emitted whose `lastUpdated` is exactly `lastUpdated`, ascending. */
  ids: number[];
}

/** What the poller needs to know of a record to move the watermark past it. */
export interface RecordPosition {
  id: number;
  lastUpdated: string;
}

export function createWatermark(
  lastUpdated: string | null,
  ids: readonly number[] = [],
): Watermark {
  return { version: WATERMARK_VERSION, lastUpdated, ids: sortedUnique(ids) };
}

const CW_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ZONELESS_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A date as ConnectWise writes it: UTC, whole seconds, `2025-03-01T10:00:00Z`. Fractions of a
 * second are dropped (rounded down), so a `since` date includes its own second. A date-time
 * without a zone is read as UTC, like every date ConnectWise stores, so the result does not depend
 * on the clock settings of the machine running Node-RED.
 */
export function formatCwDate(value: Date | string, field = 'date'): string {
  let date: Date;
  if (value instanceof Date) {
    date = value;
  } else {
    const text = value.trim();
    if (CW_DATE.test(text)) return text;
    date = new Date(ZONELESS_DATE_TIME.test(text) ? `${text}Z` : text);
  }
  const time = date.getTime();
  if (!Number.isFinite(time)) {
    const shown = value instanceof Date ? 'an invalid Date' : JSON.stringify(value);
    throw inputError(field, `${shown} is not a date (expected e.g. 2025-03-01T10:00:00Z)`);
  }
  return new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** True when a record at this position has not been emitted yet under this watermark. */
export function isAfterWatermark(watermark: Watermark, position: RecordPosition): boolean {
  if (watermark.lastUpdated === null) return true;
  if (position.lastUpdated > watermark.lastUpdated) return true;
  return position.lastUpdated === watermark.lastUpdated && !watermark.ids.includes(position.id);
}

/**
 * The watermark after emitting `emitted` (in ascending `lastUpdated` order): the newest second in
 * it, with the ids emitted at that second, plus the earlier ids when the second did not move.
 */
export function advanceWatermark(
  watermark: Watermark,
  emitted: readonly RecordPosition[],
): Watermark {
  let newest = watermark.lastUpdated;
  for (const position of emitted) {
    if (newest === null || position.lastUpdated > newest) newest = position.lastUpdated;
  }
  if (newest === null) return watermark;
  const idsAtNewest = emitted.filter((p) => p.lastUpdated === newest).map((p) => p.id);
  const kept = newest === watermark.lastUpdated ? watermark.ids : [];
  return createWatermark(newest, [...kept, ...idsAtNewest]);
}

/**
 * Checks a watermark read back from storage (Node-RED context can hold anything a user or an
 * older version put there). Returns undefined when nothing is stored.
 */
export function parseWatermark(value: unknown): Watermark | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw watermarkError('is not an object');
  }
  const stored = value as Record<string, unknown>;
  if (stored.version !== WATERMARK_VERSION) {
    const version = typeof stored.version === 'number' ? stored.version : undefined;
    throw watermarkError(
      version !== undefined && version > WATERMARK_VERSION
        ? `version ${version} is newer than this package understands (${WATERMARK_VERSION})`
        : `version must be ${WATERMARK_VERSION}, found ${JSON.stringify(stored.version)}`,
    );
  }
  const { lastUpdated, ids } = stored;
  if (lastUpdated !== null && (typeof lastUpdated !== 'string' || !CW_DATE.test(lastUpdated))) {
    throw watermarkError(
      `lastUpdated must be null or a date like 2025-03-01T10:00:00Z, found ${JSON.stringify(lastUpdated)}`,
    );
  }
  if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id))) {
    throw watermarkError('ids must be a list of whole numbers');
  }
  if (lastUpdated === null && ids.length > 0) {
    throw watermarkError('ids must be empty while lastUpdated is null');
  }
  return createWatermark(lastUpdated, ids as number[]);
}

function watermarkError(problem: string): CwError {
  return new CwError('CONFIG', `watermark: ${problem}`, { field: 'watermark' });
}

function sortedUnique(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}
