/**
 * The saved configuration of each node type, as the editor writes it into the flow and the runtime
 * reads it, and the settings a new node starts with: the one source of every default, used by the
 * forms, the runtime's fallbacks, the demo, the tests and the benchmarks. Secrets are never here:
 * they live in Node-RED credentials.
 *
 * Every saved configuration carries `version`. Changing what a node saves means raising its
 * version here and adding the step that brings older configurations up to it in
 * config-migrations.ts, with a test that loads a flow saved before.
 */
import type { ChangeFilterConfig } from './change-filters';
import type { IntervalUnit } from './limits';
import type {
  CloudSite,
  ParameterRow,
  PagingMode,
  BodySource,
  ResponseType,
  PollOutput,
  PollStart,
} from './modes';

export const NODE_TYPES = {
  connection: 'connectwise-connection',
  request: 'connectwise-request',
  poll: 'connectwise-poll',
  callback: 'connectwise-callback',
} as const;
export type NodeKind = keyof typeof NODE_TYPES;
export type NodeTypeName = (typeof NODE_TYPES)[NodeKind];

/** The version of each node type's saved configuration that this package writes. */
export const CONFIG_VERSIONS = {
  connection: 4,
  request: 3,
  poll: 3,
  callback: 3,
} as const satisfies Record<NodeKind, number>;

/** What every saved configuration has. */
export interface VersionedConfig {
  /** The configuration's version; a flow saved before versions existed has none (0). */
  version?: number;
  name?: string;
}

export interface ConnectionConfig extends VersionedConfig {
  /** A cloud region, or `custom` for an on-premise host (or the simulator). */
  /** `sandbox`: a simulated Manage inside Node-RED (no account, nothing reaches ConnectWise). */
  site: CloudSite | 'custom' | 'sandbox';
  /** For `custom`: host name, optionally with scheme and port (`https://cw.example.com`, `http://127.0.0.1:8080`). */
  host?: string;
  /** Codebase path segment, `v4_6_release` by default (routes to the current codebase). */
  codebase?: string;
  /** Ask `/login/companyinfo/{companyId}` for the codebase instead of using `codebase`. */
  discoverCodebase?: boolean;
  companyId: string;
  /** Pins `Accept: application/vnd.connectwise.com+json; version=<apiVersion>`; empty = not pinned. */
  apiVersion?: string;
  /** Seconds. */
  timeout?: number | string;
  retries?: number | string;
  concurrency?: number | string;
  /** Requests a minute, shared by every node on this connection. */
  rateLimit?: number | string;
  /** Seconds a request may wait in the connection's queue before it is sent; empty: the timeout. */
  maxWait?: number | string;
  /** Most requests waiting in the connection's queue; more fail at once. */
  maxQueue?: number | string;
  returnFailures?: boolean;
  removeNulls?: boolean;
  /** `bundled` (the package's catalog) or `file` (another version of the OpenAPI document). */
  openapiSource?: 'bundled' | 'file';
  openapiPath?: string;
  /** Requests may act as a member (`msg.cw.actAs`) with that member's token; off by default. */
  allowImpersonation?: boolean;
  /** Share the rate limit, the poll leader and the callback repeat window with other instances through Redis. */
  coordinate?: boolean;
  /** Where the Redis URL comes from: an environment variable (`redisEnv`) or the `redisUrl` credential. */
  redisUrlFrom?: 'env' | 'credential';
  /** The environment variable holding the Redis URL (`redis://host:6379`, `rediss://` for TLS). */
  redisEnv?: string;
  /** Seconds a poll node's leadership lasts without renewal: another instance takes over after it. */
  leaseTime?: number | string;
}

/**
 * A new connection's settings: the editor form starts from them, the runtime falls back to them
 * when a saved flow lacks one, and the demo, tests and benchmarks build connections from them.
 */
export const CONNECTION_DEFAULTS = {
  version: CONFIG_VERSIONS.connection,
  name: '',
  site: 'na',
  host: '',
  codebase: 'v4_6_release',
  discoverCodebase: false,
  companyId: '',
  apiVersion: '',
  timeout: 30,
  retries: 3,
  concurrency: 4,
  rateLimit: 600,
  maxWait: '',
  maxQueue: 1000,
  returnFailures: false,
  removeNulls: true,
  openapiSource: 'bundled',
  openapiPath: '',
  allowImpersonation: false,
  coordinate: false,
  redisUrlFrom: 'env',
  redisEnv: 'CW_REDIS_URL',
  leaseTime: 15,
} as const satisfies ConnectionConfig;

export interface ConnectionCredentials {
  publicKey?: string;
  privateKey?: string;
  clientId?: string;
  /** The Redis URL when `redisUrlFrom` is `credential`; may carry the password. */
  redisUrl?: string;
  /** The Redis password, when the URL does not carry one. */
  redisPassword?: string;
}

export interface RequestConfig extends VersionedConfig {
  connection: string;
  operationId: string;
  /** Label cache written by the editor (the operation's summary); the runtime ignores it. */
  operationSummary?: string;
  /** Path, query and header parameter rows. */
  params?: ParameterRow[];
  bodySource?: BodySource;
  /** JSON text of the fixed body when `bodySource` is `fixed`. */
  body?: string;
  validateBody?: boolean;
  responseType?: ResponseType;
  paging?: PagingMode;
  /** Most records fetched in `all`, `per-page` and `per-record` modes; 0 = no limit. */
  recordLimit?: number | string;
  /** Adds `msg.customFields` ({caption: value}) to answers with custom fields. */
  customFieldValues?: boolean;
  /** Custom fields to set by caption on a create or update; empty: none (msg.cw.customFields). */
  customFields?: string;
  customFieldsType?: CustomFieldsInputType;
  /** The member to act as; empty: the connection's own member (msg.cw.actAs). */
  actAs?: string;
  actAsType?: ActAsInputType;
  /**
   * Forward-only paging in `all`, `per-page` and `per-record` modes: `pagination-type:
   * forward-only`, then `pageId` (records ordered by id); neither skips nor repeats records
   * inserted meanwhile.
   */
  forwardOnly?: boolean;
}

/** How the request node's custom fields setting is given: JSON, or read per message. */
export type CustomFieldsInputType = 'json' | 'msg' | 'flow' | 'global' | 'jsonata';
/** How the request node's member to act as is given: text, or read per message. */
export type ActAsInputType = 'str' | 'msg' | 'flow' | 'global' | 'env' | 'jsonata';

export interface PollConfig extends VersionedConfig {
  connection: string;
  operationId: string;
  /** Label cache written by the editor (the operation's summary); the runtime ignores it. */
  operationSummary?: string;
  /** Path parameter rows (child collections) and extra query rows. */
  params?: ParameterRow[];
  conditions?: string;
  fields?: string;
  pageSize?: number | string;
  interval?: number | string;
  intervalUnit?: IntervalUnit;
  updatedField?: string;
  createdField?: string;
  idField?: string;
  output?: PollOutput;
  start?: PollStart;
  /** ISO date for `start: since`. */
  since?: string;
  /** Adds `msg.customFields` ({caption: value}) to every change message. */
  customFieldValues?: boolean;
  /** Field paths compared between sightings (`status/name, owner/identifier`); empty: none. */
  watchedFields?: string;
  /** Which changes are sent; none: every change. */
  changeFilters?: ChangeFilterConfig[];
}

export interface CallbackConfig extends VersionedConfig {
  connection: string;
  /** `Ticket`, `Company`, ...: the `type` of the `/system/callbacks` record. */
  callbackType: string;
  /** `Owner` (every record of the type), `Board`, `Status`, `Company`, ... */
  level: string;
  /** The board, status, company ... id the level names; unused for `Owner`. */
  objectId?: number | string;
  description?: string;
  /** Where ConnectWise reaches this Node-RED: `https://nodered.example.com`. */
  publicUrl: string;
  /** The endpoint's path under Node-RED's httpNodeRoot; empty: `/connectwise/callback/<node id>`. */
  path?: string;
  /** `entity`: the record the delivery carries; `refetch`: the record read again by id. */
  output?: 'entity' | 'refetch';
  /** Seconds a delivery counts as already seen; default 600. */
  dedupeWindow?: number | string;
  /** Adds `msg.customFields` ({caption: value}) of the record delivered. */
  customFieldValues?: boolean;
  /** Field paths compared between sightings, as on the poll node; empty: none. */
  watchedFields?: string;
  /** Which changes are sent; none: every change. */
  changeFilters?: ChangeFilterConfig[];
  /** Minutes between safety-net polls of the same list (catching lost deliveries); 0/empty: off. */
  safetyNet?: number | string;
}

/** A new request node's settings. */
export const REQUEST_DEFAULTS = {
  version: CONFIG_VERSIONS.request,
  name: '',
  connection: '',
  operationId: '',
  operationSummary: '',
  params: [] as ParameterRow[],
  bodySource: 'payload',
  body: '',
  validateBody: true,
  responseType: 'auto',
  paging: 'page',
  /** Empty: 10,000 in `all` mode, no limit when streaming. */
  recordLimit: '',
  customFieldValues: false,
  customFields: '',
  customFieldsType: 'json',
  actAs: '',
  actAsType: 'str',
  forwardOnly: false,
} as const satisfies RequestConfig;

/** A new poll node's settings. */
export const POLL_DEFAULTS = {
  version: CONFIG_VERSIONS.poll,
  name: '',
  connection: '',
  operationId: '',
  operationSummary: '',
  params: [] as ParameterRow[],
  conditions: '',
  fields: '',
  pageSize: 100,
  interval: 60,
  intervalUnit: 's',
  updatedField: '_info/lastUpdated',
  createdField: '_info/dateEntered',
  idField: 'id',
  output: 'per-record',
  start: 'now',
  since: '',
  customFieldValues: false,
  watchedFields: '',
  changeFilters: [] as ChangeFilterConfig[],
} as const satisfies PollConfig;

/** A new callback node's settings. */
export const CALLBACK_DEFAULTS = {
  version: CONFIG_VERSIONS.callback,
  name: '',
  connection: '',
  callbackType: 'Ticket',
  level: 'Owner',
  objectId: '',
  description: '',
  publicUrl: '',
  path: '',
  output: 'entity',
  dedupeWindow: 600,
  customFieldValues: false,
  watchedFields: '',
  changeFilters: [] as ChangeFilterConfig[],
  safetyNet: '',
} as const satisfies CallbackConfig;

/** Each node type's defaults by kind. */
export const NODE_DEFAULTS = {
  connection: CONNECTION_DEFAULTS,
  request: REQUEST_DEFAULTS,
  poll: POLL_DEFAULTS,
  callback: CALLBACK_DEFAULTS,
} as const;
