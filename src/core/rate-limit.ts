/**
 * One limiter per connection: at most `maxConcurrent` requests on the wire, a token bucket for
 * requests a minute, and a pause every request waits out after the server asked for one (429).
 * Waiting is bounded: a job waits at most `maxWaitMs`, and at most `maxQueue` new jobs wait; past
 * either it fails at once. Retries of requests already sent go ahead of new ones, so a recovery
 * after an outage drains in the order the requests came.
 *
 * Hand-written rather than Bottleneck: Bottleneck passes each job through several
 * `setTimeout(0)` hops (SGrondin/bottleneck#144), which measured over 1 ms per request on
 * loopback, more than the request itself. Here a job with a free slot and a token starts in the
 * same tick, and a timer exists only while jobs wait.
 */

export interface RateLimitOptions {
  maxConcurrent: number;
  ratePerMinute: number;
  /** Requests that may go at once after a quiet spell; default a tenth of the minute's budget. */
  burst?: number;
  /** Longest a job waits to start; unset: no bound. */
  maxWaitMs?: number;
  /** Most new jobs waiting at once; unset: no bound. Retries are always let in. */
  maxQueue?: number;
}

export interface ScheduleOptions {
  /** A retry of a job that already ran once: it goes ahead of new jobs. */
  retry?: boolean;
}

export interface RateLimitCounts {
  running: number;
  queued: number;
  /** Most jobs ever running at once. */
  peakRunning: number;
  /** Jobs started so far. */
  started: number;
}

export class LimiterStoppedError extends Error {
  constructor() {
    super('the limiter was stopped');
    this.name = 'LimiterStoppedError';
  }
}

/** A job that waited its longest without starting. */
export class QueueTimeoutError extends Error {
  constructor(
    readonly waitedMs: number,
    /** Jobs still waiting when it gave up. */
    readonly queued: number,
  ) {
    super(`waited ${Math.round(waitedMs / 100) / 10} s in the queue (${queued} waiting)`);
    this.name = 'QueueTimeoutError';
  }
}

/** A new job refused because the queue is full. */
export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`${queued} requests are already waiting`);
    this.name = 'QueueFullError';
  }
}

interface Waiting {
  start: () => void;
  reject: (reason: unknown) => void;
  /** When it was queued. */
  since: number;
}

export class RateLimiter {
  readonly maxConcurrent: number;
  readonly ratePerMinute: number;
  readonly burst: number;
  private readonly tokensPerMs: number;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private running = 0;
  private peakRunning = 0;
  private started = 0;
  /** Retries, then new jobs: each first in, first out, so each queue's head waited longest. */
  private readonly retries: Waiting[] = [];
  private readonly fresh: Waiting[] = [];
  private readonly maxWaitMs: number;
  private readonly maxQueue: number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(options: RateLimitOptions) {
    if (!(options.maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be 1 or more');
    if (!(options.ratePerMinute > 0)) throw new RangeError('ratePerMinute must be more than 0');
    this.maxConcurrent = Math.floor(options.maxConcurrent);
    this.ratePerMinute = options.ratePerMinute;
    this.burst = Math.max(1, Math.floor(options.burst ?? Math.ceil(options.ratePerMinute / 10)));
    this.tokensPerMs = options.ratePerMinute / 60_000;
    this.tokens = this.burst;
    this.refilledAt = Date.now();
    this.maxWaitMs = options.maxWaitMs ?? Infinity;
    this.maxQueue = options.maxQueue ?? Infinity;
  }

  /**
   * Runs `task` when a slot and a token are free; its result or failure is passed through. Fails
   * with QueueFullError when too many new jobs wait, QueueTimeoutError when it waited too long.
   */
  schedule<T>(task: () => Promise<T>, options: ScheduleOptions = {}): Promise<T> {
    if (this.stopped) return Promise.reject(new LimiterStoppedError());
    if (!options.retry && this.fresh.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(this.queued));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Waiting = {
        start: () => {
          let result: Promise<T>;
          try {
            result = task();
          } catch (err) {
            result = Promise.reject(err);
          }
          result.then(resolve, reject).finally(() => {
            this.running -= 1;
            this.drain();
          });
        },
        reject,
        since: Date.now(),
      };
      (options.retry ? this.retries : this.fresh).push(job);
      this.drain();
    });
  }

  /** Holds every job that has not started yet until `until` (epoch ms), e.g. for Retry-After. */
  pauseUntil(until: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.drain();
  }

  counts(): RateLimitCounts {
    return {
      running: this.running,
      queued: this.queued,
      peakRunning: this.peakRunning,
      started: this.started,
    };
  }

  /** Refuses new jobs and rejects the waiting ones; running jobs finish. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    for (const job of [...this.retries.splice(0), ...this.fresh.splice(0)]) {
      job.reject(new LimiterStoppedError());
    }
  }

  private get queued(): number {
    return this.retries.length + this.fresh.length;
  }

  /** Fails the jobs that waited their longest; answers when the next one will have. */
  private expire(now: number): number {
    let next = Infinity;
    for (const queue of [this.retries, this.fresh]) {
      while (queue.length > 0 && now - queue[0].since >= this.maxWaitMs) {
        const job = queue.shift() as Waiting;
        job.reject(new QueueTimeoutError(now - job.since, this.queued));
      }
      if (queue.length > 0) next = Math.min(next, queue[0].since + this.maxWaitMs);
    }
    return next;
  }

  private drain(): void {
    if (this.stopped) return;
    let now = Date.now();
    let deadline = this.maxWaitMs === Infinity ? Infinity : this.expire(now);
    while (this.queued > 0 && this.running < this.maxConcurrent) {
      if (now < this.pausedUntil) {
        this.wake(Math.min(this.pausedUntil, deadline) - now);
        return;
      }
      this.refill(now);
      if (this.tokens < 1) {
        const tokenAt = now + Math.ceil((1 - this.tokens) / this.tokensPerMs);
        this.wake(Math.min(tokenAt, deadline) - now);
        return;
      }
      this.tokens -= 1;
      this.running += 1;
      this.started += 1;
      this.peakRunning = Math.max(this.peakRunning, this.running);
      const job = (this.retries.shift() ?? this.fresh.shift()) as Waiting;
      job.start();
      now = Date.now();
      if (deadline !== Infinity) deadline = this.expire(now);
    }
    // Waiting for a slot: the jobs still need failing when their wait runs out.
    if (this.queued > 0 && deadline !== Infinity) this.wake(deadline - now);
  }

  private refill(now: number): void {
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.tokensPerMs);
    this.refilledAt = now;
  }

  private wake(afterMs: number): void {
    const at = Date.now() + Math.max(1, afterMs);
    // One timer, at the earliest moment anything can change.
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.drain();
      },
      Math.max(1, afterMs),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
