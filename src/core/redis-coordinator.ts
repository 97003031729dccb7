/**
 * One connection's coordination with the other Node-RED instances that use the same ConnectWise
 * API member, through Redis: the shared rate limit (rate-limiter-flexible's RateLimiterRedis),
 * the shared concurrency (a lease-bounded semaphore), the shared 429 pause (a key with expiry,
 * announced on a channel), the callback repeat window (SET NX with the window as expiry), and the
 * poll leases and fenced watermarks (poll-lease.ts).
 *
 * The Redis client (ioredis) is loaded only when a coordinated connection starts. While Redis
 * cannot be reached, every operation answers at once as if alone (requests keep the local limit,
 * deliveries the local repeat window; polls pause, see poll-lease.ts), and ioredis reconnects in
 * the background: `available` and `onAvailability` tell the nodes, for their status.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import { QueueTimeoutError } from './rate-limit';
import { describeRedis, type RedisSettings } from './redis-settings';

/** What the client asks of the shared limit before each attempt goes on the wire. */
export interface RequestGate {
  /**
   * Waits for a shared permit for an attempt queued at `since`; answers its release. Past
   * `deadline` (epoch ms): QueueTimeoutError.
   */
  acquire(since: number, deadline: number): Promise<() => void>;
  /** A 429 seen here: every instance holds its requests for `ms`. */
  pause(ms: number): void;
  /** Called when another instance saw a 429: hold for `ms`. */
  onPause(listener: (ms: number) => void): () => void;
}

export interface CoordinatorOptions {
  ratePerMinute: number;
  concurrency: number;
  /** How long one attempt can last: a semaphore entry of a crashed instance expires after it. */
  attemptMs: number;
  log?: (level: 'debug' | 'warn', message: string) => void;
}

/** Scripts sent once per connection and then run by hash (ioredis `defineCommand`). */
const SCRIPTS = {
  /** KEYS[1] semaphore; ARGV: most holders, lease ms, holder id. 1 when taken. */
  cwSemaphore: {
    numberOfKeys: 1,
    lua: `local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('zadd', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
return 0`,
  },
  /** KEYS: the delivery's keys; ARGV[1] window ms. 1 the first time any instance offers it. */
  cwFirstTime: {
    // As many keys as the delivery has: their count goes first.
    numberOfKeys: undefined,
    lua: `for i = 1, #KEYS do
  if redis.call('exists', KEYS[i]) == 1 then return 0 end
end
for i = 1, #KEYS do redis.call('set', KEYS[i], '1', 'PX', ARGV[1]) end
return 1`,
  },
  /**
   * KEYS[1] lease, KEYS[2] fence counter; ARGV: holder id, lease ms. Takes a free lease with a new
   * fencing token, or renews one this holder has; answers the token, 0 when another holds it.
   */
  cwLease: {
    numberOfKeys: 2,
    lua: `local current = redis.call('get', KEYS[1])
if current then
  local at = string.find(current, ':', 1, true)
  if at and string.sub(current, at + 1) == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return tonumber(string.sub(current, 1, at - 1))
  end
  return 0
end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token`,
  },
  /** KEYS[1] lease; ARGV[1] token:holder. Gives the lease up if it is still this holder's. */
  cwRelease: {
    numberOfKeys: 1,
    lua: `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`,
  },
  /**
   * KEYS[1] lease, KEYS[2] watermark; ARGV: token:holder, value, lease ms. Writes only while the
   * lease is this holder's with this token (and renews it); 0 otherwise.
   */
  cwFencedSet: {
    numberOfKeys: 2,
    lua: `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[2], ARGV[2])
redis.call('pexpire', KEYS[1], ARGV[3])
return 1`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptClient = RedisClient &
  Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

/**
 * Rate-limiter-flexible counts in whole-second windows: the shortest window in which the
 * minute's budget divides evenly, so any minute sees at most the budget plus one window's share.
 */
export function rateWindow(ratePerMinute: number): { points: number; seconds: number } {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const rate = Math.max(1, Math.round(ratePerMinute));
  const seconds = 60 / gcd(rate, 60);
  return { points: (rate * seconds) / 60, seconds };
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const noRelease = (): void => undefined;

let holderCounter = 0;

export class RedisCoordinator implements RequestGate {
  /** This process's name in leases and semaphores: unique per coordinator. */
  readonly holderId: string;
  readonly description: string;
  readonly leaseMs: number;
  private readonly redis: ScriptClient;
  private readonly subscriber: RedisClient;
  private readonly limiter: RateLimiterRedis;
  private readonly pauseListeners = new Set<(ms: number) => void>();
  private readonly availabilityListeners = new Set<(available: boolean) => void>();
  private pausedUntil = 0;
  private isAvailable = false;
  private closed = false;

  private constructor(
    private readonly settings: RedisSettings,
    private readonly options: CoordinatorOptions,
    modules: { Redis: typeof RedisClient; RateLimiterRedis: typeof RateLimiterRedis },
  ) {
    this.holderId = `${process.pid}-${Date.now().toString(36)}-${(holderCounter += 1)}`;
    this.description = describeRedis(settings);
    this.leaseMs = settings.leaseMs;
    const redisOptions: RedisOptions = {
      password: settings.password,
      // Fail at once while disconnected, so requests fall back instead of queueing on Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: 1_000,
      retryStrategy: (times) => Math.min(100 * times, 1_000),
      lazyConnect: false,
      // Commands of requests in flight together share one write to the socket.
      enableAutoPipelining: true,
      ...(settings.tls ? { tls: {} } : {}),
    };
    this.redis = new modules.Redis(settings.url, redisOptions) as ScriptClient;
    for (const [name, script] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, script);
    this.subscriber = new modules.Redis(settings.url, {
      ...redisOptions,
      // The subscription is re-made on reconnect, so it may queue until then.
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    const window = rateWindow(options.ratePerMinute);
    this.limiter = new modules.RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${settings.prefix}rate`,
      points: window.points,
      duration: window.seconds,
      rejectIfRedisNotReady: true,
    });
    this.watch();
  }

  /** Loads the Redis client and connects; nothing of it is loaded before a coordinated connection. */
  static async connect(
    settings: RedisSettings,
    options: CoordinatorOptions,
  ): Promise<RedisCoordinator> {
    const [{ Redis }, { RateLimiterRedis: Limiter }] = await Promise.all([
      import('ioredis'),
      import('rate-limiter-flexible'),
    ]);
    return new RedisCoordinator(settings, options, { Redis, RateLimiterRedis: Limiter });
  }

  get available(): boolean {
    return this.isAvailable && !this.closed;
  }

  key(name: string): string {
    return `${this.settings.prefix}${name}`;
  }

  onAvailability(listener: (available: boolean) => void): () => void {
    this.availabilityListeners.add(listener);
    return () => this.availabilityListeners.delete(listener);
  }

  onPause(listener: (ms: number) => void): () => void {
    this.pauseListeners.add(listener);
    return () => this.pauseListeners.delete(listener);
  }

  /** Resolves once Redis answers (or after `ms`, whichever comes first); true when it does. */
  whenAvailable(ms: number): Promise<boolean> {
    if (this.available) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(this.available);
      }, ms);
      const stop = this.onAvailability((available) => {
        if (!available) return;
        clearTimeout(timer);
        stop();
        resolve(true);
      });
    });
  }

  async acquire(since: number, deadline: number): Promise<() => void> {
    if (!this.available) return noRelease;
    const holder = `${this.holderId}-${Math.random().toString(36).slice(2)}`;
    const semaphore = this.key('running');
    const release = (): void => {
      this.redis.zrem(semaphore, holder).catch(() => undefined);
    };
    let rated = false;
    let slotted = false;
    /** A check that failed (Redis went away mid-way) counts as passed: the local limit holds. */
    let slotFailed = false;
    for (;;) {
      // Both asked at once, in one round trip; a permit already had is kept while the other waits.
      const [rate, slot] = await Promise.allSettled([
        rated ? Promise.resolve() : this.limiter.consume('all', 1),
        slotted
          ? Promise.resolve(1)
          : this.redis.cwSemaphore(
              semaphore,
              this.options.concurrency,
              this.options.attemptMs,
              holder,
            ),
      ]);
      let wait = 0;
      if (!rated) {
        if (rate.status === 'fulfilled' || rate.reason instanceof Error) rated = true;
        else wait = (rate.reason as RateLimiterRes).msBeforeNext + Math.random() * 3;
      }
      if (!slotted) {
        if (slot.status === 'rejected') {
          this.options.log?.(
            'debug',
            `${this.description}: concurrency check failed: ${(slot.reason as Error).message}`,
          );
          slotted = true;
          slotFailed = true;
        } else if (slot.value === 1) {
          slotted = true;
        } else {
          wait = Math.max(wait, 2 + Math.random() * 4);
        }
      }
      if (rated && slotted) break;
      if (!this.available) {
        if (slotted && !slotFailed) release();
        return noRelease;
      }
      // A slot held while waiting for the rate would keep others off the wire: give it back.
      if (slotted && !rated) {
        if (!slotFailed) release();
        slotted = false;
        slotFailed = false;
      }
      this.checkDeadline(since, deadline, wait);
      await sleep(wait);
    }
    const done = slotFailed ? noRelease : release;
    // Another instance's 429 may have arrived while this one waited for its permits.
    const paused = this.pausedUntil - Date.now();
    if (paused > 0) {
      try {
        this.checkDeadline(since, deadline, paused);
      } catch (err) {
        done();
        throw err;
      }
      await sleep(paused);
    }
    return done;
  }

  pause(ms: number): void {
    this.holdFor(ms);
    if (!this.available) return;
    const ttl = Math.max(1, Math.round(ms));
    this.redis
      .multi()
      .set(this.key('pause'), String(ttl), 'PX', ttl)
      .publish(this.key('pause'), `${this.holderId} ${ttl}`)
      .exec()
      .catch(() => undefined);
  }

  /** True the first time any instance offers one of these keys within `windowMs`. */
  async firstTime(keys: readonly string[], windowMs: number): Promise<boolean | undefined> {
    if (!this.available || keys.length === 0) return undefined;
    try {
      const result = await this.redis.cwFirstTime(
        keys.length,
        ...keys.map((key) => this.key(`seen:${key}`)),
        Math.max(1, Math.round(windowMs)),
      );
      return result === 1;
    } catch (err) {
      this.options.log?.(
        'debug',
        `${this.description}: repeat check failed: ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  /** Runs one of the lease scripts; throws when Redis cannot be reached. */
  runScript(
    name: 'cwLease' | 'cwRelease' | 'cwFencedSet',
    ...args: (string | number)[]
  ): Promise<unknown> {
    return this.redis[name](...args);
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Closing is not an outage: nobody is told Redis went away.
    this.availabilityListeners.clear();
    this.isAvailable = false;
    await Promise.all(
      [this.redis.quit(), this.subscriber.quit()].map((p) => p.catch(() => undefined)),
    );
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  private checkDeadline(since: number, deadline: number, wait: number): void {
    const now = Date.now();
    if (now + wait > deadline) throw new QueueTimeoutError(now - since, 0);
  }

  private holdFor(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    for (const listener of this.pauseListeners) listener(ms);
  }

  private watch(): void {
    const log = this.options.log ?? (() => undefined);
    let lastProblem = '';
    this.redis.on('ready', () => {
      lastProblem = '';
      this.setAvailable(true);
      // A pause announced while this instance was away still holds.
      this.redis
        .pttl(this.key('pause'))
        .then((ttl) => {
          if (ttl > 0) this.holdFor(ttl);
        })
        .catch(() => undefined);
    });
    this.redis.on('error', (err: Error) => {
      // ioredis repeats the error on each reconnect attempt: one line per new problem.
      const problem = (err as { code?: string }).code ?? err.message;
      if (problem !== lastProblem) {
        lastProblem = problem;
        log('warn', `${this.description} is unavailable (${problem}): trying again`);
      }
    });
    this.redis.on('close', () => this.setAvailable(false));
    this.redis.on('end', () => this.setAvailable(false));
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, message: string) => {
      const [from, ms] = message.split(' ');
      if (from !== this.holderId && Number(ms) > 0) this.holdFor(Number(ms));
    });
    this.subscriber.subscribe(this.key('pause')).catch(() => undefined);
  }

  private setAvailable(available: boolean): void {
    if (this.closed && available) return;
    if (available === this.isAvailable) return;
    this.isAvailable = available;
    for (const listener of this.availabilityListeners) listener(available);
  }
}
