import { strict as assert } from 'node:assert';

import {
  LimiterStoppedError,
  QueueFullError,
  QueueTimeoutError,
  RateLimiter,
} from '../../src/core/rate-limit';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('RateLimiter', () => {
  const limiters: RateLimiter[] = [];
  function limiter(options: ConstructorParameters<typeof RateLimiter>[0]): RateLimiter {
    const created = new RateLimiter(options);
    limiters.push(created);
    return created;
  }
  afterEach(() => {
    for (const created of limiters.splice(0)) created.stop();
  });

  it('starts a job in the same tick when a slot and a token are free', async () => {
    const limit = limiter({ maxConcurrent: 2, ratePerMinute: 600 });
    let started = false;
    const done = limit.schedule(async () => {
      started = true;
      return 42;
    });
    assert.equal(started, true);
    assert.equal(await done, 42);
  });

  it('never runs more than maxConcurrent jobs at once', async () => {
    const limit = limiter({ maxConcurrent: 3, ratePerMinute: 100000 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        limit.schedule(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(5);
          running -= 1;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(limit.counts().peakRunning, 3);
    assert.equal(limit.counts().started, 30);
  });

  it('passes failures through and frees the slot', async () => {
    const limit = limiter({ maxConcurrent: 1, ratePerMinute: 100000 });
    await assert.rejects(
      limit.schedule(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    await assert.rejects(
      limit.schedule(() => {
        throw new Error('sync boom');
      }),
      /sync boom/,
    );
    assert.equal(await limit.schedule(async () => 'next'), 'next');
  });

  it('lets a burst through, then spaces jobs to the rate', async () => {
    // 600 a minute = one every 100 ms, after a burst of 2.
    const limit = limiter({ maxConcurrent: 10, ratePerMinute: 600, burst: 2 });
    const started: number[] = [];
    const origin = Date.now();
    await Promise.all(
      Array.from({ length: 5 }, () =>
        limit.schedule(async () => started.push(Date.now() - origin)),
      ),
    );
    assert.ok(started[1] < 50, `the burst went at once: ${started.join(', ')}`);
    assert.ok(started[2] >= 90, `the third waited for a token: ${started.join(', ')}`);
    assert.ok(started[4] >= 280 && started[4] < 600, `spaced to the rate: ${started.join(', ')}`);
  });

  it('holds jobs that have not started while paused', async () => {
    const limit = limiter({ maxConcurrent: 4, ratePerMinute: 100000 });
    const origin = Date.now();
    limit.pauseUntil(origin + 200);
    const startedAt = await limit.schedule(async () => Date.now() - origin);
    assert.ok(startedAt >= 190, `started after ${startedAt} ms`);
  });

  it('rejects waiting and new jobs once stopped', async () => {
    const limit = limiter({ maxConcurrent: 1, ratePerMinute: 100000 });
    const running = limit.schedule(() => sleep(30).then(() => 'finished'));
    const waiting = limit.schedule(async () => 'never');
    assert.equal(limit.counts().queued, 1);
    limit.stop();
    await assert.rejects(waiting, LimiterStoppedError);
    await assert.rejects(
      limit.schedule(async () => 'late'),
      LimiterStoppedError,
    );
    assert.equal(await running, 'finished');
  });

  it('refuses nonsense settings', () => {
    assert.throws(() => new RateLimiter({ maxConcurrent: 0, ratePerMinute: 10 }), RangeError);
    assert.throws(() => new RateLimiter({ maxConcurrent: 1, ratePerMinute: 0 }), RangeError);
  });

  it('fails a job that waited maxWaitMs without starting, and starts the others as before', async () => {
    const limit = limiter({ maxConcurrent: 1, ratePerMinute: 100000, maxWaitMs: 100 });
    limit.pauseUntil(Date.now() + 10_000);
    const started = Date.now();
    const waiting = limit.schedule(async () => 'never');
    await assert.rejects(waiting, (err: unknown) => {
      assert.ok(err instanceof QueueTimeoutError);
      assert.ok(err.waitedMs >= 100 && err.waitedMs < 1000, String(err.waitedMs));
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 95 && elapsed < 1000, `failed after ${elapsed} ms`);
    assert.equal(limit.counts().queued, 0);
  });

  it('times out a job waiting for a slot too, not only for the rate or a pause', async () => {
    const limit = limiter({ maxConcurrent: 1, ratePerMinute: 100000, maxWaitMs: 50 });
    let release: () => void = () => undefined;
    const long = limit.schedule(() => new Promise<void>((resolve) => (release = resolve)));
    await assert.rejects(
      limit.schedule(async () => 'late'),
      QueueTimeoutError,
    );
    release();
    await long;
    assert.equal(await limit.schedule(async () => 'next'), 'next');
  });

  it('refuses new jobs at once past maxQueue, and still lets retries in', async () => {
    const limit = limiter({ maxConcurrent: 1, ratePerMinute: 100000, maxQueue: 2 });
    limit.pauseUntil(Date.now() + 200);
    const queued = [limit.schedule(async () => 1), limit.schedule(async () => 2)];
    await assert.rejects(
      limit.schedule(async () => 3),
      (err: unknown) => {
        assert.ok(err instanceof QueueFullError);
        assert.equal(err.queued, 2);
        assert.match(err.message, /2 requests are already waiting/);
        return true;
      },
    );
    const retry = limit.schedule(async () => 'retry', { retry: true });
    assert.deepEqual(await Promise.all([...queued, retry]), [1, 2, 'retry']);
  });

  it('starts retries of requests already sent before new ones', async () => {
    const limit = limiter({ maxConcurrent: 1, ratePerMinute: 100000 });
    limit.pauseUntil(Date.now() + 50);
    const order: string[] = [];
    const jobs = [
      limit.schedule(async () => order.push('new 1')),
      limit.schedule(async () => order.push('new 2')),
      limit.schedule(async () => order.push('retry 1'), { retry: true }),
      limit.schedule(async () => order.push('new 3')),
      limit.schedule(async () => order.push('retry 2'), { retry: true }),
    ];
    await Promise.all(jobs);
    assert.deepEqual(order, ['retry 1', 'retry 2', 'new 1', 'new 2', 'new 3']);
  });
});
