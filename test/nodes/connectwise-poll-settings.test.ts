/** The poll node's settings and watermark storage, without a Node-RED runtime. */
import { strict as assert } from 'node:assert';

import { createWatermark } from '../../src/core/watermark';
import {
  ContextWatermarkStore,
  usesPersistentContext,
  type CallbackContext,
} from '../../src/nodes/connectwise-poll/context-watermark';
import {
  intervalMilliseconds,
  resolvePollSettings,
} from '../../src/nodes/connectwise-poll/poll-settings';
import type { PollConfig } from '../../src/shared/node-configs';

function config(overrides: Partial<PollConfig> = {}): PollConfig {
  return { connection: 'c', operationId: 'getServiceTickets', ...overrides };
}

function memoryContext(): CallbackContext & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: (key, callback) => setImmediate(() => callback(null, values.get(key))),
    set: (key, value, callback) => {
      values.set(key, value);
      setImmediate(() => callback(null));
    },
  };
}

describe('connectwise-poll settings', () => {
  it('turns interval and unit into milliseconds, a minute by default', () => {
    assert.equal(intervalMilliseconds(undefined, undefined), 60_000);
    assert.equal(intervalMilliseconds('', 'm'), 60_000);
    assert.equal(intervalMilliseconds(10, 's'), 10_000);
    assert.equal(intervalMilliseconds('2', 'h'), 7_200_000);
    assert.equal(intervalMilliseconds(0.5, 'm'), 30_000);
  });

  it('refuses intervals under ten seconds or over a day, and unknown units', () => {
    assert.throws(() => intervalMilliseconds(9, 's'), {
      message: /^interval: 9s is too short: poll every 10 s or more$/,
    });
    assert.throws(() => intervalMilliseconds(0.1, 'm'), {
      message: /interval: 0\.1m is too short/,
    });
    assert.throws(() => intervalMilliseconds(25, 'h'), { message: /interval: 25h is too long/ });
    assert.throws(() => intervalMilliseconds('soon', 's'), {
      message: /interval: must be a positive number/,
    });
    assert.throws(() => intervalMilliseconds(5, 'd'), {
      message: /intervalUnit: must be s, m or h/,
    });
  });

  it('fills in the defaults of a saved config', () => {
    const settings = resolvePollSettings(config());
    assert.equal(settings.output, 'per-record');
    assert.equal(settings.intervalMs, 60_000);
    assert.equal(settings.change.pageSize, 100);
    assert.equal(settings.change.start, 'now');
    assert.deepEqual(settings.rows, []);
  });

  it('names the setting at fault', () => {
    assert.throws(() => resolvePollSettings(config({ operationId: '' })), {
      message: /operationId:/,
    });
    assert.throws(() => resolvePollSettings(config({ pageSize: 1001 })), {
      message: /pageSize: must be/,
    });
    assert.throws(() => resolvePollSettings(config({ pageSize: 'many' })), {
      message: /pageSize: must be/,
    });
    assert.throws(() => resolvePollSettings(config({ start: 'since' })), {
      message: /since: a date is required/,
    });
    assert.throws(() => resolvePollSettings(config({ conditions: 'board/name = "Help' })), {
      message: /conditions:/,
    });
    assert.throws(
      () => resolvePollSettings(config({ output: 'sometimes' as PollConfig['output'] })),
      { message: /output: must be per-record or per-poll/ },
    );
  });

  it('refuses rows for the parameters the poller sets itself, or given twice', () => {
    assert.throws(
      () =>
        resolvePollSettings(
          config({ params: [{ name: 'orderBy', type: 'str', value: 'id desc' }] }),
        ),
      { message: /params\.orderBy: is set by the poller/ },
    );
    assert.throws(
      () =>
        resolvePollSettings(
          config({
            params: [
              { name: 'childConditions', type: 'str', value: 'a=1' },
              { name: 'childconditions', type: 'str', value: 'a=2' },
            ],
          }),
        ),
      { message: /params\.childconditions: is given twice/ },
    );
    const blank = resolvePollSettings(
      config({ params: [{ name: 'parentId', type: 'str', value: ' ' }] }),
    );
    assert.deepEqual(blank.rows, [], 'blank rows are left out');
  });
});

describe('connectwise-poll watermark storage', () => {
  it('knows which context stores survive a restart', () => {
    assert.equal(usesPersistentContext(undefined), false);
    assert.equal(usesPersistentContext({}), false);
    assert.equal(usesPersistentContext({ default: { module: 'memory' } }), false);
    assert.equal(usesPersistentContext({ default: { module: 'localfilesystem' } }), true);
    assert.equal(
      usesPersistentContext({
        default: 'file',
        memoryOnly: { module: 'memory' },
        file: { module: 'localfilesystem' },
      }),
      true,
    );
    assert.equal(usesPersistentContext({ default: 'fast', fast: { module: 'memory' } }), false);
    assert.equal(usesPersistentContext({ redis: { module: { name: 'custom' } } }), true);
  });

  it('saves the watermark with its operation and ignores one saved for another', async () => {
    const context = memoryContext();
    const tickets = new ContextWatermarkStore(context, 'getServiceTickets');
    assert.equal(await tickets.load(), undefined);
    await tickets.save(createWatermark('2025-03-01T10:00:00Z', [3, 1]));
    assert.deepEqual(context.values.get('watermark'), {
      version: 1,
      lastUpdated: '2025-03-01T10:00:00Z',
      ids: [1, 3],
      operationId: 'getServiceTickets',
    });
    assert.deepEqual(await tickets.load(), context.values.get('watermark'));
    const companies = new ContextWatermarkStore(context, 'getCompanyCompanies');
    assert.equal(await companies.load(), undefined);
  });
});
