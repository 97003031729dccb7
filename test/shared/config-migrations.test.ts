/**
 * Saved node configurations are brought up to the current version: what a node saved by 0.1.0
 * left out is written out as 0.1.0 used it, a current one is left alone, a newer or malformed
 * version is refused with a message that says what to do.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ConfigVersionError, MIGRATIONS, migrateConfig } from '../../src/shared/config-migrations';
import {
  CONFIG_VERSIONS,
  NODE_DEFAULTS,
  NODE_TYPES,
  type NodeKind,
} from '../../src/shared/node-configs';

const KINDS = Object.keys(NODE_TYPES) as NodeKind[];
const SAVED_0_1_0 = path.resolve(__dirname, '../fixtures/saved-0.1.0');

type FlowNode = Record<string, unknown> & { type: string };

function kindOf(type: string): NodeKind | undefined {
  return KINDS.find((kind) => NODE_TYPES[kind] === type);
}

/** Every node of this package in the flows saved by 0.1.0 (the examples and the demo flow). */
function savedNodes(): FlowNode[] {
  const files = [
    ...readdirSync(path.join(SAVED_0_1_0, 'examples')).map((file) => path.join('examples', file)),
    'demo-flow.json',
  ];
  return files
    .flatMap((file) => JSON.parse(readFileSync(path.join(SAVED_0_1_0, file), 'utf8')) as FlowNode[])
    .filter((node) => kindOf(node.type) !== undefined);
}

describe('node configuration versions', () => {
  it('has one step per version for each node type, and new nodes start at the last', () => {
    for (const kind of KINDS) {
      assert.deepEqual(
        MIGRATIONS[kind].map((step) => step.to),
        Array.from({ length: CONFIG_VERSIONS[kind] }, (_, index) => index + 1),
      );
      assert.equal(NODE_DEFAULTS[kind].version, CONFIG_VERSIONS[kind]);
    }
  });

  it('reads every node saved by 0.1.0 as a current configuration that keeps its settings', () => {
    const nodes = savedNodes();
    assert.ok(nodes.length >= 20, `${nodes.length} nodes`);
    for (const node of nodes) {
      const kind = kindOf(node.type) as NodeKind;
      const { config, from, changed } = migrateConfig<Record<string, unknown>>(kind, node);
      assert.equal(from, 0);
      assert.equal(changed, true);
      assert.equal(config.version, CONFIG_VERSIONS[kind]);
      for (const [key, value] of Object.entries(node)) {
        if (value !== '' && value !== null)
          assert.deepEqual(config[key], value, `${node.id}.${key}`);
      }
      for (const key of Object.keys(NODE_DEFAULTS[kind])) {
        assert.notEqual(config[key], undefined, `${node.id}.${key} is written out`);
      }
    }
  });

  it('writes out what 0.1.0 used for a setting left out, whatever the defaults are now', () => {
    const poll = migrateConfig<Record<string, unknown>>('poll', {
      operationId: 'getServiceTickets',
      interval: '',
    }).config;
    // 0.1.0 polled once a minute when no interval was saved.
    assert.equal(poll.interval, 1);
    assert.equal(poll.intervalUnit, 'm');
    assert.equal(poll.output, 'per-record');
    const request = migrateConfig<Record<string, unknown>>('request', {
      operationId: 'getServiceTickets',
      paging: '',
    }).config;
    assert.equal(request.paging, 'page');
    assert.equal(request.bodySource, 'payload');
    assert.equal(request.recordLimit, '', 'an empty limit keeps its meaning (10,000 for all)');
    const connection = migrateConfig<Record<string, unknown>>('connection', {
      companyId: 'msp',
      timeout: '',
    }).config;
    assert.equal(connection.timeout, 30);
    assert.equal(connection.site, 'na');
    assert.equal(connection.companyId, 'msp');
    const callback = migrateConfig<Record<string, unknown>>('callback', {
      callbackType: 'Ticket',
      description: '',
    }).config;
    assert.equal(callback.description, '', 'empty text without a fallback stays empty');
    assert.equal(callback.level, 'Owner');
  });

  it('bounds the queue of a connection saved before the queue had bounds', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('connection', {
      version: 1,
      site: 'na',
      companyId: 'msp',
      timeout: 45,
    });
    assert.equal(from, 1);
    assert.equal(config.version, CONFIG_VERSIONS.connection);
    assert.equal(config.maxWait, '', 'waits at most the timeout');
    assert.equal(config.maxQueue, 1000);
    assert.equal(config.timeout, 45);
  });

  it('does not let a connection saved before impersonation act as a member', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('connection', {
      version: 2,
      site: 'na',
      companyId: 'msp',
      maxQueue: 50,
    });
    assert.equal(from, 2);
    assert.equal(config.version, 4);
    assert.equal(config.allowImpersonation, false);
    assert.equal(config.maxQueue, 50);
  });

  it('keeps a connection saved before coordination existed to itself (no Redis)', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('connection', {
      version: 3,
      site: 'na',
      companyId: 'msp',
      maxWait: 20,
      maxQueue: 50,
      allowImpersonation: true,
    });
    assert.equal(from, 3);
    assert.equal(config.version, 4);
    assert.equal(config.coordinate, false, 'coordination stays off');
    assert.equal(config.redisUrlFrom, 'env');
    assert.equal(config.redisEnv, 'CW_REDIS_URL');
    assert.equal(config.leaseTime, 15);
    assert.equal(config.maxQueue, 50, 'settings it had are kept');
    assert.equal(config.allowImpersonation, true, 'settings it had are kept');
  });

  it('reads poll and callback nodes saved before custom field values as sending none', () => {
    for (const kind of ['poll', 'callback'] as const) {
      const { config, from } = migrateConfig<Record<string, unknown>>(kind, {
        version: 1,
        connection: 'c',
      });
      assert.equal(from, 1);
      assert.equal(config.version, CONFIG_VERSIONS[kind]);
      assert.equal(config.customFieldValues, false, kind);
      assert.equal(config.connection, 'c');
    }
  });

  it('reads a request node saved before custom fields and actAs as sending what it sent', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('request', {
      version: 1,
      operationId: 'patchCompanyCompaniesById',
      paging: 'page',
    });
    assert.equal(from, 1);
    assert.equal(config.version, 3);
    assert.equal(config.forwardOnly, false);
    assert.equal(config.customFieldValues, false);
    assert.equal(config.customFields, '');
    assert.equal(config.customFieldsType, 'json');
    assert.equal(config.actAs, '');
    assert.equal(config.actAsType, 'str');
    assert.equal(config.operationId, 'patchCompanyCompaniesById');
  });

  it('keeps the custom field values choice of a poll and callback saved at version 2', () => {
    for (const kind of ['poll', 'callback'] as const) {
      const { config, from } = migrateConfig<Record<string, unknown>>(kind, {
        version: 2,
        connection: 'c',
        customFieldValues: true,
      });
      assert.equal(from, 2);
      assert.equal(config.version, 3);
      assert.equal(config.customFieldValues, true, kind);
      assert.equal(config.watchedFields, '', kind);
      assert.deepEqual(config.changeFilters, [], kind);
    }
  });

  it('gives a poll saved before watched fields none, and no filters', () => {
    const saved = {
      version: 1,
      operationId: 'getServiceTickets',
      conditions: 'board/id = 1',
      interval: 5,
      intervalUnit: 'm',
    };
    const { config, from } = migrateConfig<Record<string, unknown>>('poll', saved);
    assert.equal(from, 1);
    assert.equal(config.version, 3);
    assert.equal(config.customFieldValues, false);
    assert.equal(config.watchedFields, '');
    assert.deepEqual(config.changeFilters, []);
    assert.equal(config.conditions, 'board/id = 1');
    assert.equal(config.interval, 5);
  });

  it('gives a callback saved before watched fields none, no filters and no safety-net poll', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('callback', {
      version: 1,
      callbackType: 'Ticket',
      level: 'Board',
      objectId: 3,
    });
    assert.equal(from, 1);
    assert.equal(config.version, 3);
    assert.equal(config.customFieldValues, false);
    assert.equal(config.watchedFields, '');
    assert.deepEqual(config.changeFilters, []);
    assert.equal(config.safetyNet, '', 'no safety-net poll');
    assert.equal(config.objectId, 3);
  });

  it('keeps the custom fields and member of a request node saved at version 2, paging by page', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('request', {
      version: 2,
      operationId: 'patchCompanyCompaniesById',
      customFields: '{"Seats": 5}',
      actAs: 'jsmith',
    });
    assert.equal(from, 2);
    assert.equal(config.version, 3);
    assert.equal(config.forwardOnly, false);
    assert.equal(config.customFields, '{"Seats": 5}');
    assert.equal(config.actAs, 'jsmith');
  });

  it('turns forward-only paging off for a request node saved before it existed', () => {
    const { config, from } = migrateConfig<Record<string, unknown>>('request', {
      version: 1,
      operationId: 'getServiceTickets',
      paging: 'all',
      recordLimit: '5000',
      params: [{ name: 'pagination-type', type: 'str', value: 'forward-only' }],
    });
    assert.equal(from, 1);
    assert.equal(config.version, 3);
    assert.equal(config.forwardOnly, false);
    assert.equal(config.customFieldValues, false);
    assert.equal(config.paging, 'all');
    assert.equal(config.recordLimit, '5000');
  });

  it('leaves a current configuration alone, and never changes the one it is given', () => {
    for (const kind of KINDS) {
      const current = { ...NODE_DEFAULTS[kind], name: 'mine' };
      const result = migrateConfig(kind, current);
      assert.equal(result.changed, false);
      assert.equal(result.config, current);
    }
    const saved = Object.freeze({ operationId: 'getServiceTickets', params: Object.freeze([]) });
    const { config } = migrateConfig<Record<string, unknown>>('request', saved);
    assert.equal((saved as Record<string, unknown>).version, undefined);
    assert.equal(config.version, CONFIG_VERSIONS.request);
  });

  it('refuses a configuration saved by a newer release, saying what to do', () => {
    assert.throws(
      () => migrateConfig('poll', { version: CONFIG_VERSIONS.poll + 1 }),
      (err: unknown) =>
        err instanceof ConfigVersionError &&
        /version: this connectwise-poll node was saved by a newer release/.test(err.message) &&
        /update @msp-nodes\/node-red-connectwise-manage/.test(err.message),
    );
    for (const version of ['1', 1.5, -1]) {
      assert.throws(
        () => migrateConfig('request', { version }),
        /version: .* is not a configuration version/,
        String(version),
      );
    }
  });
});
