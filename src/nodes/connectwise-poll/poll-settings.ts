/**
 * The poll node's saved configuration, checked once at deploy: the interval, the output mode and
 * the change options. Every problem is an INPUT error naming the setting, so the node can refuse to
 * start with a status that says what to fix.
 */
import {
  resolveChangeOptions,
  withRequiredFields,
  type ChangePollerOptions,
  type ResolvedChangeOptions,
} from '../../core/change-poller';
import {
  parseChangeFilters,
  parseWatchedFields,
  type ChangeFilter,
} from '../../core/watched-fields';
import { validateConditions } from '../../core/conditions';
import { inputError } from '../../core/errors';
import {
  POLL_MANAGED_PARAMS,
  POLL_OUTPUTS,
  type ParameterRow,
  type PollOutput,
} from '../../shared/modes';
import {
  INTERVAL_UNIT_SECONDS,
  PAGE_SIZE_RANGE,
  POLL_INTERVAL_SECONDS,
  type IntervalUnit,
} from '../../shared/limits';
import { POLL_DEFAULTS, type PollConfig } from '../../shared/node-configs';

/** The first poll runs this long after deploy, once the flows have started. */
export const FIRST_POLL_DELAY_MS = 1000;

export { POLL_MANAGED_PARAMS };

export interface PollSettings {
  operationId: string;
  intervalMs: number;
  output: PollOutput;
  change: ResolvedChangeOptions;
  /** Path parameter rows and extra query rows, non-blank, evaluated at each poll. */
  rows: ParameterRow[];
  /** Messages carry `msg.customFields` ({caption: value}). */
  customFieldValues: boolean;
  /** What the node compares between sightings; undefined when it watches no field. */
  tracking: TrackingSettings | undefined;
}

export interface TrackingSettings {
  fields: string[];
  filters: ChangeFilter[];
}

/** The watched fields and filters; undefined when no field is watched and nothing filtered. */
export function resolveTracking(
  watchedFields: string | undefined,
  changeFilters: PollConfig['changeFilters'],
): TrackingSettings | undefined {
  const fields = parseWatchedFields(watchedFields);
  const filters = parseChangeFilters(changeFilters, fields);
  return fields.length === 0 ? undefined : { fields, filters };
}

/** Milliseconds between polls; refuses anything under ten seconds or over a day. */
export function intervalMilliseconds(
  interval: number | string | undefined,
  unit: string | undefined,
): number {
  const text = interval === undefined ? '' : String(interval).trim();
  // No interval at all is the default one, in its own unit.
  const unitName = (
    text === '' ? POLL_DEFAULTS.intervalUnit : unit || POLL_DEFAULTS.intervalUnit
  ) as IntervalUnit;
  if (!Object.hasOwn(INTERVAL_UNIT_SECONDS, unitName)) {
    throw inputError('intervalUnit', `must be s, m or h, found ${JSON.stringify(unit)}`);
  }
  const amount = text === '' ? POLL_DEFAULTS.interval : Number(text);
  if (!Number.isFinite(amount) || amount <= 0) {
    throw inputError('interval', `must be a positive number, found ${JSON.stringify(interval)}`);
  }
  const seconds = amount * INTERVAL_UNIT_SECONDS[unitName];
  if (seconds < POLL_INTERVAL_SECONDS.min) {
    throw inputError(
      'interval',
      `${text}${unitName} is too short: poll every ${POLL_INTERVAL_SECONDS.min} s or more`,
    );
  }
  if (seconds > POLL_INTERVAL_SECONDS.max) {
    throw inputError('interval', `${text}${unitName} is too long: poll at least once a day`);
  }
  return Math.round(seconds * 1000);
}

function pageSizeOf(value: number | string | undefined): number | undefined {
  if (value === undefined || String(value).trim() === '') return undefined;
  const size = Number(value);
  if (!Number.isFinite(size)) {
    throw inputError(
      'pageSize',
      `must be a whole number from ${PAGE_SIZE_RANGE.min} to ${PAGE_SIZE_RANGE.max}, found ${JSON.stringify(value)}`,
    );
  }
  return size;
}

function checkRows(rows: ParameterRow[] | undefined): ParameterRow[] {
  const used = (rows ?? []).filter(
    (row) => row && row.name && String(row.value ?? '').trim() !== '',
  );
  const seen = new Set<string>();
  for (const row of used) {
    const lower = row.name.toLowerCase();
    if (POLL_MANAGED_PARAMS.some((name) => name.toLowerCase() === lower)) {
      throw inputError(
        `params.${row.name}`,
        "is set by the poller; use the node's Conditions, Fields or Page size setting instead",
      );
    }
    if (seen.has(lower)) throw inputError(`params.${row.name}`, 'is given twice');
    seen.add(lower);
  }
  return used;
}

/** Checks a saved PollConfig and fills in the defaults. */
export function resolvePollSettings(config: PollConfig): PollSettings {
  const operationId = String(config.operationId ?? '').trim();
  if (operationId === '') throw inputError('operationId', 'choose the list to watch');
  const output = config.output || POLL_DEFAULTS.output;
  if (!POLL_OUTPUTS.includes(output)) {
    throw inputError(
      'output',
      `must be ${POLL_OUTPUTS.join(' or ')}, found ${JSON.stringify(output)}`,
    );
  }
  const options: ChangePollerOptions = {
    pageSize: pageSizeOf(config.pageSize),
    conditions: config.conditions,
    fields: config.fields,
    updatedField: config.updatedField,
    createdField: config.createdField,
    idField: config.idField,
    start: config.start || POLL_DEFAULTS.start,
    since: config.since,
  };
  const change = resolveChangeOptions(options);
  const tracking = resolveTracking(config.watchedFields, config.changeFilters);
  // A poll that asks for some fields only must ask for the watched ones too.
  if (tracking && change.fields !== undefined) {
    change.fields = withRequiredFields(change.fields, tracking.fields);
  }
  if (change.conditions !== '') {
    const problem = validateConditions(change.conditions, 'conditions', { placeholders: true });
    if (problem) throw problem;
  }
  return {
    operationId,
    intervalMs: intervalMilliseconds(config.interval, config.intervalUnit),
    output,
    change,
    rows: checkRows(config.params),
    customFieldValues: config.customFieldValues === true,
    tracking,
  };
}
