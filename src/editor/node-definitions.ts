/**
 * What each form gives `RED.nodes.registerType` as `defaults`, made from the one source of the
 * defaults (src/shared/node-configs.ts) and the validators, and the editor half of the config
 * migrations: a node saved by an older release is brought up to date when its dialog opens.
 */
import { migrateConfig, type SavedConfig } from '../shared/config-migrations';
import {
  CONNECTION_RANGES,
  DEDUPE_WINDOW_RANGE,
  PAGE_SIZE_RANGE,
  SAFETY_NET_MINUTES_RANGE,
} from '../shared/limits';
import { NODE_DEFAULTS, NODE_TYPES, type NodeKind } from '../shared/node-configs';
import { validateChangeFilters, validateWatchedFields } from './change-validators';
import {
  numberInRange,
  validateApiVersion,
  validateActAs,
  validateBody,
  validateCallbackPath,
  validateCount,
  validateCustomFields,
  validateCompanyId,
  validateHost,
  validateInterval,
  validateObjectId,
  validateOpenapiPath,
  validateParams,
  validatePublicUrl,
  validateRedisEnv,
  validateSince,
} from './validators';

/** A property of Node-RED's `defaults`: its value and how the editor checks it. */
export interface PropertyDefinition {
  value: unknown;
  required?: boolean;
  /** A config node type: the editor shows a select of those nodes. */
  type?: string;
  validate?: (this: never, value: never, options?: never) => true | string;
}

type Rules<Kind extends NodeKind> = Partial<
  Record<keyof (typeof NODE_DEFAULTS)[Kind], Omit<PropertyDefinition, 'value'>>
>;

const connectionProperty = { type: NODE_TYPES.connection, required: true };

const RULES: { [Kind in NodeKind]: Rules<Kind> } = {
  connection: {
    site: { required: true },
    host: { validate: validateHost },
    companyId: { validate: validateCompanyId },
    apiVersion: { validate: validateApiVersion },
    timeout: { validate: numberInRange(CONNECTION_RANGES.timeout) },
    retries: { validate: numberInRange(CONNECTION_RANGES.retries) },
    concurrency: { validate: numberInRange(CONNECTION_RANGES.concurrency) },
    rateLimit: { validate: numberInRange(CONNECTION_RANGES.rateLimit) },
    maxWait: { validate: numberInRange(CONNECTION_RANGES.maxWait) },
    maxQueue: { validate: numberInRange(CONNECTION_RANGES.maxQueue) },
    leaseTime: { validate: numberInRange(CONNECTION_RANGES.leaseTime) },
    redisEnv: { validate: validateRedisEnv },
    openapiPath: { validate: validateOpenapiPath },
  },
  request: {
    connection: connectionProperty,
    operationId: { required: true },
    params: { validate: validateParams },
    body: { validate: validateBody },
    recordLimit: { validate: validateCount },
    customFields: { validate: validateCustomFields },
    actAs: { validate: validateActAs },
  },
  poll: {
    connection: connectionProperty,
    operationId: { required: true },
    params: { validate: validateParams },
    pageSize: { validate: numberInRange(PAGE_SIZE_RANGE) },
    interval: { validate: validateInterval },
    since: { validate: validateSince },
    watchedFields: { validate: validateWatchedFields },
    changeFilters: { validate: validateChangeFilters },
  },
  callback: {
    connection: connectionProperty,
    callbackType: { required: true },
    level: { required: true },
    objectId: { validate: validateObjectId },
    publicUrl: { required: true, validate: validatePublicUrl },
    path: { validate: validateCallbackPath },
    dedupeWindow: { validate: numberInRange(DEDUPE_WINDOW_RANGE) },
    watchedFields: { validate: validateWatchedFields },
    changeFilters: { validate: validateChangeFilters },
    safetyNet: { validate: numberInRange(SAFETY_NET_MINUTES_RANGE) },
  },
};

/** A copy, so no node shares a default list with another. */
function copyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyOf);
  return value !== null && typeof value === 'object' ? { ...value } : value;
}

/** The `defaults` of a node type's registration. */
export function editorDefaults(kind: NodeKind): Record<string, PropertyDefinition> {
  const rules = RULES[kind] as Record<string, Omit<PropertyDefinition, 'value'>>;
  const result: Record<string, PropertyDefinition> = {};
  for (const [name, value] of Object.entries(NODE_DEFAULTS[kind])) {
    result[name] = { value: copyOf(value), ...rules[name] };
  }
  return result;
}

interface EditorDirtyApi {
  nodes: { dirty(dirty: boolean): void };
}

/**
 * Brings an older node up to the current configuration as its dialog opens: the node's saved
 * properties are migrated, the dialog's inputs (already filled by Node-RED) take the new values,
 * and the node counts as changed so the next deploy saves it.
 */
export function migrateOnOpen(kind: NodeKind, node: EditorNodeInstance): void {
  const names = Object.keys(NODE_DEFAULTS[kind]);
  const saved: SavedConfig = {};
  for (const name of names) if (node[name] !== undefined) saved[name] = node[name];
  let migrated: SavedConfig;
  try {
    const result = migrateConfig<SavedConfig>(kind, saved);
    if (!result.changed) return;
    migrated = result.config;
  } catch (err) {
    RED.notify((err as Error).message, { type: 'warning' });
    return;
  }
  const prefix = kind === 'connection' ? 'node-config-input-' : 'node-input-';
  for (const name of names) {
    if (migrated[name] === node[name]) continue;
    node[name] = migrated[name];
    const input = $(`#${prefix}${name}`);
    if (input.length === 0) continue;
    if (input.is(':checkbox')) input.prop('checked', migrated[name] === true);
    else if (typeof migrated[name] !== 'object') input.val(String(migrated[name] ?? ''));
  }
  node.changed = true;
  (RED as unknown as EditorDirtyApi).nodes.dirty(true);
}
