/**
 * What a trigger watches on each record: the field paths whose values it compares between two
 * sightings (`status/name`, `owner/identifier`, `customFields`), and the filters that decide which
 * changes are sent ("any watched field changed", "status/name becomes Waiting", "... stops being").
 */
import {
  CHANGE_FILTER_KINDS,
  type ChangeFilterConfig,
  type ChangeFilterKind,
} from '../shared/change-filters';
import { inputError } from './errors';

export { CHANGE_FILTER_KINDS, type ChangeFilterConfig, type ChangeFilterKind };

/** A field path as ConnectWise's `fields` and `conditions` write it: names joined by `/`. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** More watched fields than this make the snapshot the size of the records themselves. */
export const MAX_WATCHED_FIELDS = 20;

export type ChangeFilter =
  { kind: 'any' } | { kind: 'becomes' | 'leaves'; field: string; value: string };

/**
 * The watched fields from the node's setting: a comma- or line-separated list, or a list.
 * Duplicates are dropped, the order kept; an error names the entry at fault.
 */
export function parseWatchedFields(setting: string | readonly string[] | undefined): string[] {
  const entries =
    setting === undefined ? [] : typeof setting === 'string' ? setting.split(/[,\n]/) : setting;
  const fields: string[] = [];
  for (const entry of entries) {
    const path = String(entry).trim();
    if (path === '') continue;
    if (!FIELD_PATH.test(path)) {
      throw inputError(
        'watchedFields',
        `${JSON.stringify(path)} is not a field path (expected e.g. status/name)`,
      );
    }
    if (!fields.includes(path)) fields.push(path);
  }
  if (fields.length > MAX_WATCHED_FIELDS) {
    throw inputError(
      'watchedFields',
      `watch at most ${MAX_WATCHED_FIELDS} fields, found ${fields.length}`,
    );
  }
  return fields;
}

/** The filters from the node's setting; `becomes` and `leaves` must name a watched field. */
export function parseChangeFilters(
  setting: readonly ChangeFilterConfig[] | undefined,
  watched: readonly string[],
): ChangeFilter[] {
  const filters: ChangeFilter[] = [];
  (setting ?? []).forEach((entry, index) => {
    const where = `changeFilters[${index}]`;
    if (entry === null || typeof entry !== 'object') {
      throw inputError(where, 'must be an object with kind, field and value');
    }
    const kind = entry.kind;
    if (!CHANGE_FILTER_KINDS.includes(kind)) {
      throw inputError(
        `${where}.kind`,
        `must be ${CHANGE_FILTER_KINDS.join(', ')}, found ${JSON.stringify(kind)}`,
      );
    }
    if (kind === 'any') {
      if (watched.length === 0) {
        throw inputError(where, '"any watched field changed" needs at least one watched field');
      }
      filters.push({ kind });
      return;
    }
    const field = String(entry.field ?? '').trim();
    if (!watched.includes(field)) {
      throw inputError(
        `${where}.field`,
        field === ''
          ? 'choose the watched field to compare'
          : `${JSON.stringify(field)} is not one of the watched fields (${watched.join(', ') || 'none'})`,
      );
    }
    filters.push({ kind, field, value: String(entry.value ?? '').trim() });
  });
  return filters;
}

/** Reads a value through a `/` path (`status/name`); undefined when a step is missing. */
export function readPath(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
