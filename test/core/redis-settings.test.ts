/** Where a coordinated connection's Redis is: from the environment or a credential, never shown. */
import { strict as assert } from 'node:assert';

import {
  coordinationPrefix,
  describeRedis,
  resolveRedisSettings,
} from '../../src/core/redis-settings';
import { CONNECTION_DEFAULTS, type ConnectionConfig } from '../../src/shared/node-configs';

const PREFIX = 'cwm:test:';
const config = (settings: Partial<ConnectionConfig> = {}): ConnectionConfig => ({
  ...CONNECTION_DEFAULTS,
  coordinate: true,
  ...settings,
});

describe('Redis settings of a coordinated connection', () => {
  it('is nothing at all when coordination is off', () => {
    assert.equal(resolveRedisSettings(config({ coordinate: false }), {}, {}, PREFIX), undefined);
  });

  it('reads the URL from the named environment variable, the password out of it', () => {
    const settings = resolveRedisSettings(
      config({ redisEnv: 'MY_REDIS' }),
      {},
      { MY_REDIS: 'rediss://:s3cr%40t@redis.example.com:6380/2' },
      PREFIX,
    );
    assert.deepEqual(settings, {
      url: 'rediss://redis.example.com:6380/2',
      password: 's3cr@t',
      tls: true,
      prefix: PREFIX,
      leaseMs: 15_000,
    });
    assert.equal(describeRedis(settings), 'redis redis.example.com:6380');
  });

  it('reads the URL and the password from the credentials', () => {
    const settings = resolveRedisSettings(
      config({ redisUrlFrom: 'credential', leaseTime: 5 }),
      { redisUrl: 'redis://10.0.0.5:6379', redisPassword: 'pw-of-redis' },
      {},
      PREFIX,
    );
    assert.equal(settings?.url, 'redis://10.0.0.5:6379');
    assert.equal(settings?.password, 'pw-of-redis');
    assert.equal(settings?.tls, false);
    assert.equal(settings?.leaseMs, 5_000);
  });

  it('names the field at fault, and never quotes a URL that may hold a password', () => {
    assert.throws(
      () => resolveRedisSettings(config(), {}, {}, PREFIX),
      /redisEnv: the environment variable CW_REDIS_URL is not set/,
    );
    assert.throws(
      () => resolveRedisSettings(config({ redisUrlFrom: 'credential' }), {}, {}, PREFIX),
      /redisUrl: is required/,
    );
    assert.throws(
      () =>
        resolveRedisSettings(
          config({ redisUrlFrom: 'credential' }),
          { redisUrl: 'http://:hunter2secret@host' },
          {},
          PREFIX,
        ),
      (err: Error) =>
        /redisUrl: must start with redis:\/\//.test(err.message) && !/hunter2/.test(err.message),
    );
    assert.throws(
      () =>
        resolveRedisSettings(
          config({ redisUrlFrom: 'credential' }),
          { redisUrl: 'not a url hunter2secret' },
          {},
          PREFIX,
        ),
      (err: Error) => /redisUrl: is not a URL/.test(err.message) && !/hunter2/.test(err.message),
    );
    assert.throws(
      () =>
        resolveRedisSettings(config({ leaseTime: 60 }), {}, { CW_REDIS_URL: 'redis://h' }, PREFIX),
      /leaseTime: must be between 2 and 30 seconds/,
    );
  });

  it('shares state between connections to the same member, and hides the key in a hash', () => {
    const base = 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0';
    const prefix = coordinationPrefix(base, 'msp', 'PUBLICKEY123');
    assert.equal(prefix, coordinationPrefix(`${base}/`, 'MSP', 'PUBLICKEY123'));
    assert.notEqual(prefix, coordinationPrefix(base, 'msp', 'OTHERKEY456'));
    assert.notEqual(
      prefix,
      coordinationPrefix('https://api-eu.myconnectwise.net/x', 'msp', 'PUBLICKEY123'),
    );
    assert.doesNotMatch(prefix, /PUBLICKEY123/);
  });
});
