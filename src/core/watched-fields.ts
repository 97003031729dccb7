/**
 * What a trigger watches on each record: the field paths whose values it compares between two
 * sightings (`status/name`, `owner/identifier`, `customFields`), and the filters that decide which
 * changes are sent ("any watched field changed", "status/name becomes Waiting", "... stops being").
 * The rules live in src/shared/change-filters.ts, which the editor's validators use too.
 */
import {
  CHANGE_FILTER_KINDS,
  changeFiltersProblem,
  MAX_WATCHED_FIELDS,
  readWatchedFields,
  type ChangeFilterConfig,
  type ChangeFilterKind,
} from '../shared/change-filters';
import { inputError } from './errors';

export { CHANGE_FILTER_KINDS, MAX_WATCHED_FIELDS, type ChangeFilterConfig, type ChangeFilterKind };

export type ChangeFilter =
  { kind: 'any' } | { kind: 'becomes' | 'leaves'; field: string; value: string };

/** The watched fields of a setting; an INPUT error names the entry at fault. */
export function parseWatchedFields(setting: string | readonly string[] | undefined): string[] {
  const { fields, problem } = readWatchedFields(setting);
  if (problem) throw inputError(problem.field, problem.problem);
  return fields;
}

/** The filters of a setting, checked against the watched fields. */
export function parseChangeFilters(
  setting: readonly ChangeFilterConfig[] | undefined,
  watched: readonly string[],
): ChangeFilter[] {
  const problem = changeFiltersProblem(setting, watched);
  if (problem) throw inputError(problem.field, problem.problem);
  return (setting ?? []).map((entry) =>
    entry.kind === 'any'
      ? { kind: 'any' }
      : {
          kind: entry.kind,
          field: String(entry.field ?? '').trim(),
          value: String(entry.value ?? '').trim(),
        },
  );
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
