/**
 * Brings a node's saved configuration up to the version this package writes. The runtime runs it
 * when a flow is loaded, the editor when a node's dialog opens, so a flow saved by any earlier
 * release behaves as it did.
 *
 * A step is frozen once released: it says what an older configuration meant, so it must never
 * read the current defaults (which may change). A new step goes at the end of its type's list,
 * with `CONFIG_VERSIONS` raised to match and a test that loads a flow saved before it.
 */
import { CONFIG_VERSIONS, NODE_TYPES, type NodeKind } from './node-configs';

export type SavedConfig = Record<string, unknown>;

export interface MigrationStep {
  /** The version this step produces. */
  to: number;
  /** A new configuration from one of version `to - 1`; never changes its argument. */
  up(config: SavedConfig): SavedConfig;
}

/** What 0.1.0 did when a setting was missing from a saved node: now written out. */
const UNVERSIONED_FALLBACKS: Record<NodeKind, SavedConfig> = {
  connection: {
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
    returnFailures: false,
    removeNulls: true,
    openapiSource: 'bundled',
    openapiPath: '',
  },
  request: {
    name: '',
    connection: '',
    operationId: '',
    operationSummary: '',
    params: [],
    bodySource: 'payload',
    body: '',
    validateBody: true,
    responseType: 'auto',
    paging: 'page',
    recordLimit: '',
  },
  poll: {
    name: '',
    connection: '',
    operationId: '',
    operationSummary: '',
    params: [],
    conditions: '',
    fields: '',
    pageSize: 100,
    interval: 1,
    intervalUnit: 'm',
    updatedField: '_info/lastUpdated',
    createdField: '_info/dateEntered',
    idField: 'id',
    output: 'per-record',
    start: 'now',
    since: '',
  },
  callback: {
    name: '',
    connection: '',
    callbackType: '',
    level: 'Owner',
    objectId: '',
    description: '',
    publicUrl: '',
    path: '',
    output: 'entity',
    dedupeWindow: 600,
  },
};

/**
 * Writes out what 0.1.0 used for a setting left out of a saved node. Empty text meant the same as
 * left out wherever 0.1.0 had a fallback for it (an empty interval was a minute, an empty paging
 * mode one page); free text without a fallback stays empty.
 */
function fromUnversioned(kind: NodeKind): MigrationStep {
  return {
    to: 1,
    up(config) {
      const result: SavedConfig = { ...config };
      for (const [key, fallback] of Object.entries(UNVERSIONED_FALLBACKS[kind])) {
        const value = result[key];
        if (value === undefined || value === null || (value === '' && fallback !== '')) {
          result[key] = Array.isArray(fallback) ? [...(fallback as unknown[])] : fallback;
        }
      }
      return result;
    },
  };
}

/**
 * Connection 2: requests wait in the queue at most as long as the timeout (empty `maxWait`) and at
 * most 1,000 wait; before, waiting had no bound. Saved connections get the bound too: unbounded
 * waiting was the fault this version fixes.
 */
const connectionQueueBounds: MigrationStep = {
  to: 2,
  up: (config) => ({ maxWait: '', maxQueue: 1000, ...config }),
};

/** Connection 3: acting as a member (impersonation) is allowed only where turned on. */
const connectionImpersonation: MigrationStep = {
  to: 3,
  up: (config) => ({ allowImpersonation: false, ...config }),
};

/**
 * Request 2: custom field values on answers (off), custom fields to set and a member to act as
 * (none): a saved request node sends exactly what it sent before.
 */
const requestCustomFieldsAndActAs: MigrationStep = {
  to: 2,
  up: (config) => ({
    customFieldValues: false,
    customFields: '',
    customFieldsType: 'json',
    actAs: '',
    actAsType: 'str',
    ...config,
  }),
};

/**
 * Connection 4: coordination of several instances through Redis. Connections saved before
 * coordinated nothing, and keep doing so.
 */
const connectionCoordination: MigrationStep = {
  to: 4,
  up: (config) => ({
    coordinate: false,
    redisUrlFrom: 'env',
    redisEnv: 'CW_REDIS_URL',
    leaseTime: 15,
    ...config,
  }),
};

/** Poll 2 and callback 2: custom field values on messages, off as before. */
const customFieldValuesOff: MigrationStep = {
  to: 2,
  up: (config) => ({ customFieldValues: false, ...config }),
};

/** Poll 3: watched fields and change filters; a poll saved before watches nothing and filters nothing. */
const pollWatchedFields: MigrationStep = {
  to: 3,
  up: (config) => ({ watchedFields: '', changeFilters: [], ...config }),
};

/** Callback 3: watched fields, change filters and the safety-net poll; older nodes have none. */
const callbackWatchedFields: MigrationStep = {
  to: 3,
  up: (config) => ({ watchedFields: '', changeFilters: [], safetyNet: '', ...config }),
};

/** Request 3: forward-only paging, off for flows saved before it. */
const requestForwardOnly: MigrationStep = {
  to: 3,
  up: (config) => ({ forwardOnly: false, ...config }),
};

export const MIGRATIONS: Record<NodeKind, readonly MigrationStep[]> = {
  connection: [
    fromUnversioned('connection'),
    connectionQueueBounds,
    connectionImpersonation,
    connectionCoordination,
  ],
  request: [fromUnversioned('request'), requestCustomFieldsAndActAs, requestForwardOnly],
  poll: [fromUnversioned('poll'), customFieldValuesOff, pollWatchedFields],
  callback: [fromUnversioned('callback'), customFieldValuesOff, callbackWatchedFields],
};

for (const kind of Object.keys(MIGRATIONS) as NodeKind[]) {
  const steps = MIGRATIONS[kind];
  steps.forEach((step, index) => {
    if (step.to !== index + 1)
      throw new Error(`${kind}: migration ${index} must produce ${index + 1}`);
  });
  if (steps.length !== CONFIG_VERSIONS[kind]) {
    throw new Error(`${kind}: migrations end at ${steps.length}, not ${CONFIG_VERSIONS[kind]}`);
  }
}

/** A configuration saved by a later release than this one, or with a version that is not one. */
export class ConfigVersionError extends Error {
  constructor(
    readonly kind: NodeKind,
    readonly found: unknown,
  ) {
    super(
      typeof found === 'number' && Number.isInteger(found) && found > CONFIG_VERSIONS[kind]
        ? `version: this ${NODE_TYPES[kind]} node was saved by a newer release (configuration ` +
            `version ${found}, this release reads up to ${CONFIG_VERSIONS[kind]}): update ` +
            '@msp-nodes/node-red-connectwise-manage'
        : `version: ${JSON.stringify(found)} is not a configuration version`,
    );
    this.name = 'ConfigVersionError';
  }
}

/** The version a saved configuration claims: none means 0 (saved before versions existed). */
export function versionOf(kind: NodeKind, config: SavedConfig): number {
  const version = config.version ?? 0;
  if (
    typeof version !== 'number' ||
    !Number.isInteger(version) ||
    version < 0 ||
    version > CONFIG_VERSIONS[kind]
  ) {
    throw new ConfigVersionError(kind, version);
  }
  return version;
}

export interface Migrated<Config> {
  config: Config;
  /** The version it was saved with. */
  from: number;
  /** True when any step ran. */
  changed: boolean;
}

/** The configuration at the current version; the argument is left as it was. */
export function migrateConfig<Config>(kind: NodeKind, saved: object): Migrated<Config> {
  const original = saved as SavedConfig;
  const from = versionOf(kind, original);
  let config: SavedConfig = original;
  for (const step of MIGRATIONS[kind].slice(from)) {
    config = { ...step.up(config), version: step.to };
  }
  return { config: config as Config, from, changed: config !== original };
}
