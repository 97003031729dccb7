/**
 * Coordinated connections against a real redis-server and the simulator: clients that stand for
 * separate Node-RED instances (each with its own coordinator, so its own Redis connections) share
 * one rate limit, one concurrency limit and every 429 pause; without Redis they keep their own.
 */
import { strict as assert } from 'node:assert';

import { CwClient } from '../../src/core/client';
import { RedisCoordinator, rateWindow } from '../../src/core/redis-coordinator';
import { coordinationPrefix, resolveRedisSettings } from '../../src/core/redis-settings';
import { CONNECTION_DEFAULTS } from '../../src/shared/node-configs';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { checkRate, measuredRate } from '../helpers/request-rate';

describe('coordination through Redis', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let redis: RedisServer;
  const open: { client: CwClient; coordinator: RedisCoordinator }[] = [];

  async function instance(settings: { ratePerMinute: number; concurrency: number }) {
    const base = {
      baseUrl: sim.baseUrl(),
      ...sim.credentials,
      timeoutMs: 5000,
      retries: 3,
      removeNulls: false,
      maxWaitMs: 20_000,
      maxQueue: 10_000,
      ...settings,
    };
    const redisSettings = resolveRedisSettings(
      { ...CONNECTION_DEFAULTS, coordinate: true },
      {},
      { CW_REDIS_URL: redis.url },
      coordinationPrefix(base.baseUrl, base.companyId, base.publicKey),
    );
    assert.ok(redisSettings);
    const coordinator = await RedisCoordinator.connect(redisSettings, {
      ...settings,
      attemptMs: 10_000,
    });
    assert.ok(await coordinator.whenAvailable(5_000), 'connected to Redis');
    const client = new CwClient(base, { gate: coordinator, retryBaseDelayMs: 20 });
    open.push({ client, coordinator });
    return { client, coordinator };
  }

  /** The simulator's request times (ms), in order. */
  function requestTimes(path: string): number[] {
    return sim.log
      .filter((entry) => entry.path.endsWith(path))
      .map((entry) => entry.receivedAt)
      .sort((a, b) => a - b);
  }

  before(async () => {
    [sim, redis] = await Promise.all([startSimulator(), startRedisServer()]);
  });

  afterEach(async () => {
    for (const { client, coordinator } of open.splice(0)) {
      client.close();
      await coordinator.close();
    }
    sim.faults.clear();
    sim.clearLog();
  });

  after(async () => {
    await Promise.all([sim.stop(), redis.stop()]);
  });

  it('splits the budget of a minute into whole-second windows that add up to it', () => {
    assert.deepEqual(rateWindow(600), { points: 10, seconds: 1 });
    assert.deepEqual(rateWindow(1000), { points: 50, seconds: 3 });
    assert.deepEqual(rateWindow(7), { points: 7, seconds: 60 });
  });

  it('three instances together stay within one rate limit (±5%)', async function () {
    this.timeout(60_000);
    const ratePerMinute = 3000;
    const instances = await Promise.all(
      [0, 1, 2].map(() => instance({ ratePerMinute, concurrency: 16 })),
    );
    const { rate, stalls } = await checkRate(ratePerMinute, 0.05, async () => {
      sim.clearLog();
      // Each instance alone would be allowed the whole budget: 100 each is six seconds' worth.
      await Promise.all(
        instances.flatMap(({ client }) =>
          Array.from({ length: 100 }, () =>
            client.request({ method: 'get', path: '/system/info' }),
          ),
        ),
      );
      const times = requestTimes('/system/info');
      assert.equal(times.length, 300);
      return measuredRate(times, 4);
    });
    assert.ok(
      Math.abs(rate.perMinute - ratePerMinute) <= ratePerMinute * 0.05,
      `${rate.requests} requests in ${rate.ms} ms (${Math.round(rate.perMinute)} a minute, ${rate.bursts} bursts), expected ${ratePerMinute} ±5%; longest pauses of this process: ${stalls.join(', ')} ms`,
    );
  });

  it('shares the concurrency limit: never more on the wire than the connection allows', async () => {
    const instances = await Promise.all(
      [0, 1, 2].map(() => instance({ ratePerMinute: 60000, concurrency: 3 })),
    );
    sim.faults.add({ kind: 'slow', delayMs: 40, count: Infinity, match: { path: '/system/info' } });
    await Promise.all(
      instances.flatMap(({ client }) =>
        Array.from({ length: 10 }, () => client.request({ method: 'get', path: '/system/info' })),
      ),
    );
    // Each answer takes 40 ms: no 35 ms span may see more than three arrive.
    const times = requestTimes('/system/info');
    let peak = 0;
    for (const start of times) {
      peak = Math.max(peak, times.filter((time) => time >= start && time < start + 35).length);
    }
    assert.ok(peak <= 3, `${peak} requests overlapped`);
    assert.ok(times.at(-1)! - times[0] >= 8 * 40, 'thirty 40 ms requests three at a time');
  });

  it('a 429 seen by one instance pauses the others for its Retry-After', async () => {
    const [first, second] = await Promise.all(
      [0, 1].map(() => instance({ ratePerMinute: 60000, concurrency: 4 })),
    );
    sim.faults.add({ kind: '429', retryAfter: 1, count: 1, match: { path: '/system/info' } });
    const throttledAt = Date.now();
    const firstDone = first.client.request({ method: 'get', path: '/system/info' });
    // The pause travels through Redis: give it a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await second.client.request({ method: 'get', path: '/service/tickets/1' });
    const secondSentAt = requestTimes('/service/tickets/1')[0];
    await firstDone;
    assert.ok(
      secondSentAt - throttledAt >= 900,
      `the other instance waited ${secondSentAt - throttledAt} ms, not the Retry-After of 1 s`,
    );
  });
});
