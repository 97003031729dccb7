/**
 * The change filters a poll or callback node saves, shared by the editor's form and the runtime:
 * "any watched field changed", "<field> becomes <value>", "<field> stops being <value>".
 */
export const CHANGE_FILTER_KINDS = ['any', 'becomes', 'leaves'] as const;
export type ChangeFilterKind = (typeof CHANGE_FILTER_KINDS)[number];

/** A filter as the node saves it. */
export interface ChangeFilterConfig {
  kind: ChangeFilterKind;
  /** The watched field `becomes` and `leaves` look at. */
  field?: string;
  /** The value it becomes or stops being, compared as text (`Waiting on Customer`, `3`). */
  value?: string;
}

/** A field path as ConnectWise's `fields` and `conditions` write it: names joined by `/`. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** More watched fields than this make the snapshot the size of the records themselves. */
export const MAX_WATCHED_FIELDS = 20;

/** What is wrong with a setting: the setting's name and the problem. */
export interface SettingProblem {
  field: string;
  problem: string;
}

/**
 * The watched fields from the node's setting: a comma- or line-separated list, or a list.
 * Duplicates are dropped, the order kept; a problem names the entry at fault.
 */
export function readWatchedFields(setting: string | readonly string[] | undefined): {
  fields: string[];
  problem?: SettingProblem;
} {
  const entries =
    setting === undefined ? [] : typeof setting === 'string' ? setting.split(/[,\n]/) : setting;
  const fields: string[] = [];
  for (const entry of entries) {
    const path = String(entry).trim();
    if (path === '') continue;
    if (!FIELD_PATH.test(path)) {
      return {
        fields,
        problem: {
          field: 'watchedFields',
          problem: `${JSON.stringify(path)} is not a field path (expected e.g. status/name)`,
        },
      };
    }
    if (!fields.includes(path)) fields.push(path);
  }
  if (fields.length > MAX_WATCHED_FIELDS) {
    return {
      fields,
      problem: {
        field: 'watchedFields',
        problem: `watch at most ${MAX_WATCHED_FIELDS} fields, found ${fields.length}`,
      },
    };
  }
  return { fields };
}

/** The first problem of the filters; `becomes` and `leaves` must name a watched field. */
export function changeFiltersProblem(
  setting: readonly ChangeFilterConfig[] | undefined,
  watched: readonly string[],
): SettingProblem | undefined {
  const filters = setting ?? [];
  for (let index = 0; index < filters.length; index++) {
    const entry = filters[index];
    const where = `changeFilters[${index}]`;
    if (entry === null || typeof entry !== 'object') {
      return { field: where, problem: 'must be an object with kind, field and value' };
    }
    if (!CHANGE_FILTER_KINDS.includes(entry.kind)) {
      return {
        field: `${where}.kind`,
        problem: `must be ${CHANGE_FILTER_KINDS.join(', ')}, found ${JSON.stringify(entry.kind)}`,
      };
    }
    if (entry.kind === 'any') {
      if (watched.length === 0) {
        return {
          field: where,
          problem: '"any watched field changed" needs at least one watched field',
        };
      }
      continue;
    }
    const field = String(entry.field ?? '').trim();
    if (!watched.includes(field)) {
      return {
        field: `${where}.field`,
        problem:
          field === ''
            ? 'choose the watched field to compare'
            : `${JSON.stringify(field)} is not one of the watched fields (${watched.join(', ') || 'none'})`,
      };
    }
  }
  return undefined;
}
