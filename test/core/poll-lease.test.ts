/**
 * Poll leases against a real redis-server: one holder at a time, a takeover only once the lease
 * ran out, and the fencing token that keeps a holder who lost the lease from writing the
 * watermark.
 */
import { strict as assert } from 'node:assert';

import { LeaseLostError, PollLease } from '../../src/core/poll-lease';
import { RedisCoordinator } from '../../src/core/redis-coordinator';
import { createWatermark } from '../../src/core/watermark';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

describe('poll leases in Redis', function () {
  this.timeout(20_000);
  let redis: RedisServer;
  const open: RedisCoordinator[] = [];

  let prefix = '';

  /** One instance's coordinator; the instances of one test share the connection's prefix. */
  async function instance(leaseMs = 600): Promise<RedisCoordinator> {
    const coordinator = await RedisCoordinator.connect(
      { url: redis.url, tls: false, prefix, leaseMs },
      { ratePerMinute: 600, concurrency: 4, attemptMs: 5000 },
    );
    assert.ok(await coordinator.whenAvailable(5000));
    open.push(coordinator);
    return coordinator;
  }

  const watermark = (second: string, ids: number[]) => ({
    ...createWatermark(`2026-01-01T00:00:${second}Z`, ids),
    operationId: 'getServiceTickets',
  });

  before(async () => {
    redis = await startRedisServer();
  });

  beforeEach(function () {
    prefix = `cwm:lease-test-${Date.now()}:`;
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((coordinator) => coordinator.close()));
  });

  after(async () => {
    await redis.stop();
  });

  it('has one holder at a time, who renews it; the other takes it only when it runs out', async () => {
    const first = await instance();
    const second = await instance();
    const a = new PollLease(first, 'poll-1');
    const b = new PollLease(second, 'poll-1');
    assert.equal(await a.hold(), 'taken');
    assert.equal(await b.hold(), 'other');
    await sleep(300);
    assert.equal(await a.hold(), 'held', 'the holder renews');
    await sleep(400);
    assert.equal(await b.hold(), 'other', 'renewed: still the first one');
    // The first stops renewing (stopped or hung): after the lease time the second takes over.
    await sleep(700);
    assert.equal(await b.hold(), 'taken');
    assert.ok(b.fencingToken > a.fencingToken, 'a larger fencing token');
  });

  it('keeps a holder who lost the lease from writing the watermark, even if it thinks it holds', async () => {
    const first = await instance(800);
    const second = await instance(800);
    const a = new PollLease(first, 'poll-2');
    const b = new PollLease(second, 'poll-2');
    assert.equal(await a.hold(), 'taken');
    await a.saveWatermark(watermark('05', [1, 2]));
    // The holder hangs: its lease runs out in Redis and the other takes over and writes.
    await sleep(900);
    assert.equal(await b.hold(), 'taken');
    await b.saveWatermark(watermark('09', [7]));
    // Woken up, the first one's write is refused by its old token, and it knows it lost.
    (a as unknown as { renewedAt: number }).renewedAt = Date.now();
    assert.ok(a.held, 'by its own clock it still holds the lease');
    await assert.rejects(a.saveWatermark(watermark('06', [3])), LeaseLostError);
    assert.equal(a.held, false);
    assert.deepEqual(JSON.parse((await b.loadWatermark()) ?? 'null'), watermark('09', [7]));
  });

  it('gives the lease up on close, so another takes it at once', async () => {
    const first = await instance(10_000);
    const second = await instance(10_000);
    const a = new PollLease(first, 'poll-3');
    const b = new PollLease(second, 'poll-3');
    assert.equal(await a.hold(), 'taken');
    assert.equal(await b.hold(), 'other');
    await a.release();
    assert.equal(await b.hold(), 'taken');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
