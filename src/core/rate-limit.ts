/**
 * One limiter per connection: at most `maxConcurrent` requests on the wire, a token bucket for
 * requests a minute, and a pause every request waits out after the server asked for one (429).
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

interface Waiting {
  start: () => void;
  reject: (reason: unknown) => void;
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
  private readonly waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
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
  }

  /** Runs `task` when a slot and a token are free; its result or failure is passed through. */
  schedule<T>(task: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new LimiterStoppedError());
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
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
      });
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
      queued: this.waiting.length,
      peakRunning: this.peakRunning,
      started: this.started,
    };
  }

  /** Refuses new jobs and rejects the waiting ones; running jobs finish. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    for (const job of this.waiting.splice(0)) job.reject(new LimiterStoppedError());
  }

  private drain(): void {
    if (this.stopped) return;
    while (this.waiting.length > 0 && this.running < this.maxConcurrent) {
      const now = Date.now();
      if (now < this.pausedUntil) {
        this.wake(this.pausedUntil - now);
        return;
      }
      this.refill(now);
      if (this.tokens < 1) {
        this.wake(Math.ceil((1 - this.tokens) / this.tokensPerMs));
        return;
      }
      this.tokens -= 1;
      this.running += 1;
      this.started += 1;
      this.peakRunning = Math.max(this.peakRunning, this.running);
      const job = this.waiting.shift() as Waiting;
      job.start();
    }
  }

  private refill(now: number): void {
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.tokensPerMs);
    this.refilledAt = now;
  }

  private wake(afterMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(1, afterMs),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
