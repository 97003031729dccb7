/**
 * Limits and units the editor's validators and the runtime both check, each written once: the
 * API's own (page sizes), and the ranges the nodes accept for their settings.
 */

/** A number setting's accepted range; `unit` ends the error text ("between 1 and 600 seconds"). */
export interface NumberRange {
  min: number;
  max: number;
  integer: boolean;
  unit: string;
}

/** ConnectWise answers at most this many records a page. */
export const MAX_PAGE_SIZE = 1000;
/** ConnectWise's page size when a list request names none. */
export const SERVER_DEFAULT_PAGE_SIZE = 25;
/** The page sizes a list request may ask for. */
export const PAGE_SIZE_RANGE: NumberRange = {
  min: 1,
  max: MAX_PAGE_SIZE,
  integer: true,
  unit: 'records',
};

/** The connection's number settings. */
export const CONNECTION_RANGES = {
  timeout: { min: 1, max: 600, integer: false, unit: 'seconds' },
  retries: { min: 0, max: 10, integer: true, unit: 'retries' },
  concurrency: { min: 1, max: 100, integer: true, unit: 'requests at once' },
  rateLimit: { min: 1, max: 60000, integer: true, unit: 'requests a minute' },
  maxWait: { min: 1, max: 3600, integer: false, unit: 'seconds' },
  maxQueue: { min: 1, max: 100000, integer: true, unit: 'requests' },
  leaseTime: { min: 2, max: 30, integer: false, unit: 'seconds' },
} as const satisfies Record<string, NumberRange>;

/** Seconds per poll interval unit. */
export const INTERVAL_UNIT_SECONDS = { s: 1, m: 60, h: 60 * 60 } as const;
export type IntervalUnit = keyof typeof INTERVAL_UNIT_SECONDS;

/**
 * The poll interval. Faster than ten seconds gains little (records carry whole seconds) and eats
 * the rate limit; longer than a day is a scheduler's job (and keeps setTimeout in range).
 */
export const POLL_INTERVAL_SECONDS = { min: 10, max: 24 * 60 * 60 } as const;

/** How long a callback delivery counts as already seen. */
export const DEDUPE_WINDOW_RANGE: NumberRange = {
  min: 0,
  max: 86400,
  integer: false,
  unit: 'seconds',
};

/** The callback node's safety-net poll, in minutes; 0 (or empty) turns it off. */
export const SAFETY_NET_MINUTES_RANGE: NumberRange = {
  min: 0,
  max: 1440,
  integer: false,
  unit: 'minutes',
};

/** ConnectWise's longest callback description. */
export const CALLBACK_DESCRIPTION_MAX_LENGTH = 100;

/** Records `all` reads into one array when the node names no limit. */
export const ALL_PAGES_DEFAULT_RECORD_LIMIT = 10000;

/**
 * Reads of a record before its custom fields are written: when the record changed between the
 * read and the write, it is read and merged once more, then the write fails with CONFLICT.
 */
export const CUSTOM_FIELD_WRITE_ATTEMPTS = 2;

/**
 * A member token (impersonation) is renewed this long before its `expiration`, so a request never
 * goes out with a token that expires on the way.
 */
export const MEMBER_TOKEN_RENEW_MARGIN_MS = 5 * 60 * 1000;

/** `must be between 1 and 600 seconds`, `must be a whole number`: what is wrong with `value`. */
export function rangeProblem(range: NumberRange, value: number): string | undefined {
  if (!Number.isFinite(value)) return 'must be a number';
  if (range.integer && !Number.isInteger(value)) return 'must be a whole number';
  if (value < range.min || value > range.max) {
    return `must be between ${range.min} and ${range.max} ${range.unit}`;
  }
  return undefined;
}

/**
 * OpenAPI documents other than the bundled one kept compiled at once (each holds ~3,000
 * operations); the least recently used is dropped first.
 */
export const MAX_DOCUMENT_CATALOGS = 4;
