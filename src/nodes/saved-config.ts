/**
 * A node's saved configuration brought up to the version this package writes, as the node is
 * created: the runtime half of the migrations the editor also runs when a dialog opens.
 */
import type { Node } from 'node-red';

import { CwError } from '../core/errors';
import { ConfigVersionError, migrateConfig } from '../shared/config-migrations';
import { CONFIG_VERSIONS, type NodeKind } from '../shared/node-configs';

/** The current configuration; a version this release cannot read is a CONFIG error. */
export function currentConfig<Config>(kind: NodeKind, node: Node, saved: object): Config {
  try {
    const { config, from, changed } = migrateConfig<Config>(kind, saved);
    if (changed) {
      node.debug(`read a configuration of version ${from} as version ${CONFIG_VERSIONS[kind]}`);
    }
    return config;
  } catch (err) {
    if (err instanceof ConfigVersionError) {
      throw new CwError('CONFIG', err.message, { field: 'version' });
    }
    throw err;
  }
}
