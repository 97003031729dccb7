/** Option values shared by the editor forms and the runtime. */

export const PAGING_MODES = ['page', 'all', 'per-page', 'per-record'] as const;
/** `page`: one page; `all`: every page merged into one array; `per-page` / `per-record`: streamed. */
export type PagingMode = (typeof PAGING_MODES)[number];
/** The modes that read page after page, where forward-only paging (by `pageId`) applies. */
export const FORWARD_ONLY_MODES: readonly string[] = ['all', 'per-page', 'per-record'];

export const BODY_SOURCES = ['payload', 'fixed'] as const;
export type BodySource = (typeof BODY_SOURCES)[number];

export const RESPONSE_TYPES = ['auto', 'json', 'binary'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

export const POLL_OUTPUTS = ['per-record', 'per-poll'] as const;
/** `per-record`: one message per change; `per-poll`: one message with an array per poll. */
export type PollOutput = (typeof POLL_OUTPUTS)[number];

/** The query parameters that hold conditions (any case); their syntax is checked before sending. */
export const CONDITION_PARAMETERS = [
  'conditions',
  'childConditions',
  'customFieldConditions',
] as const;

/** Query parameters the poller sets itself (watermark conditions, paging, order): no row may set them. */
export const POLL_MANAGED_PARAMS = [
  'conditions',
  'fields',
  'page',
  'pageSize',
  'pageId',
  'orderBy',
] as const;

export const POLL_STARTS = ['now', 'since'] as const;
/** `now`: only changes from the first poll on; `since`: everything changed since a date. */
export type PollStart = (typeof POLL_STARTS)[number];

export const SITES = {
  na: 'api-na.myconnectwise.net',
  eu: 'api-eu.myconnectwise.net',
  au: 'api-au.myconnectwise.net',
  aus: 'api-aus.myconnectwise.net',
  za: 'api-za.myconnectwise.net',
  staging: 'api-staging.connectwisedev.com',
} as const;
export type CloudSite = keyof typeof SITES;

/** Typed-input kinds accepted for parameter rows (Node-RED typedInput types). */
export const INPUT_TYPES = [
  'str',
  'num',
  'bool',
  'json',
  'msg',
  'flow',
  'global',
  'env',
  'jsonata',
] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface ParameterRow {
  name: string;
  type: InputType;
  value: string;
}
