/**
 * One connection's coordination with the other Node-RED instances that use the same ConnectWise
 * API member, through Redis: the shared rate limit (a counter per whole-second window) and the
 * shared concurrency (a lease-bounded semaphore), both taken by one script, the attempts that
 * start in one turn of the event loop asking together; the shared 429 pause (a key with expiry,
 * announced on a channel), the callback repeat window (SET NX with the window as expiry), and the
 * poll leases and fenced watermarks (poll-lease.ts).
 *
 * The Redis client (ioredis) is loaded only when a coordinated connection starts. While Redis
 * cannot be reached, every operation answers at once as if alone (requests keep the local limit,
 * deliveries the local repeat window; polls pause, see poll-lease.ts), and ioredis reconnects in
 * the background: `available` and `onAvailability` tell the nodes, for their status.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

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
  /**
   * KEYS[1] rate counter, KEYS[2] semaphore; ARGV: the window's points, window seconds, most
   * holders, lease ms, the count n of attempts asking, their n holder ids, then the holders this
   * instance gave back since its last call. Gives the first attempts a rate point and a slot each
   * (never one without the other) and answers {taken, wait} for the others: -1 when every slot is
   * held, else the ms until the rate window ends. The counter lives for one window (rateWindow):
   * what was taken in it is never carried into the next.
   */
  cwAcquire: {
    numberOfKeys: 2,
    lua: `local asking = tonumber(ARGV[5])
if #ARGV > 5 + asking then redis.call('zrem', KEYS[2], unpack(ARGV, 6 + asking)) end
local rate = tonumber(ARGV[1]) - tonumber(redis.call('get', KEYS[1]) or '0')
local function windowLeft()
  local ttl = redis.call('pttl', KEYS[1])
  -- 0: the window ends within the millisecond (ask again at once); -1: a counter left without
  -- an expiry, given one. Never a new expiry on a live window: that would skip the next one.
  if ttl ~= -1 then return math.max(ttl, 1) end
  redis.call('expire', KEYS[1], ARGV[2])
  return tonumber(ARGV[2]) * 1000
end
if rate <= 0 then return {0, windowLeft()} end
local most = tonumber(ARGV[3])
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = redis.call('zcard', KEYS[2])
if held + math.min(asking, rate) > most then
  -- Entries of crashed holders count until their lease ends: dropped only when they matter.
  redis.call('zremrangebyscore', KEYS[2], '-inf', now)
  held = redis.call('zcard', KEYS[2])
end
local taken = math.min(asking, rate, most - held)
if taken <= 0 then return {0, -1} end
if redis.call('incrby', KEYS[1], taken) == taken then redis.call('expire', KEYS[1], ARGV[2]) end
local entries = {}
local expires = now + tonumber(ARGV[4])
for i = 1, taken do
  entries[2 * i - 1] = expires
  entries[2 * i] = ARGV[5 + i]
end
redis.call('zadd', KEYS[2], unpack(entries))
redis.call('pexpire', KEYS[2], ARGV[4])
if taken == asking then return {taken, 0} end
if taken == rate then return {taken, windowLeft()} end
return {taken, -1}`,
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
 * The shared rate is counted in whole-second windows: the shortest window in which the
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

/** Most attempts asked for in one script call (a connection allows at most 100 at once). */
const MOST_ASKING = 100;

interface Asking {
  holder: string;
  /** 0: taken; -1: every slot held; else ms until the rate window ends. */
  resolve: (wait: number) => void;
  reject: (err: unknown) => void;
}

let holderCounter = 0;

export class RedisCoordinator implements RequestGate {
  /** This process's name in leases and semaphores: unique per coordinator. */
  readonly holderId: string;
  readonly description: string;
  readonly leaseMs: number;
  private readonly redis: ScriptClient;
  private readonly subscriber: RedisClient;
  private readonly window: { points: number; seconds: number };
  private readonly rateKey: string;
  private readonly semaphoreKey: string;
  private attempts = 0;
  /** Attempts that asked during this turn of the event loop: they go to Redis together. */
  private asking: Asking[] = [];
  /** Slots given back and not yet sent: they go with the next ask, or on their own soon. */
  private released: string[] = [];
  private sendScheduled = false;
  /** Attempts of this instance waiting for a slot: a slot given back here wakes the first. */
  private readonly slotWaiters: (() => void)[] = [];
  private readonly pauseListeners = new Set<(ms: number) => void>();
  private readonly availabilityListeners = new Set<(available: boolean) => void>();
  private pausedUntil = 0;
  private isAvailable = false;
  private closed = false;

  private constructor(
    private readonly settings: RedisSettings,
    private readonly options: CoordinatorOptions,
    Redis: typeof RedisClient,
  ) {
    this.holderId = `${process.pid}-${Date.now().toString(36)}-${(holderCounter += 1)}`;
    this.description = describeRedis(settings);
    this.leaseMs = settings.leaseMs;
    const redisOptions: RedisOptions = {
      password: settings.password,
      // Sent at once: asks and releases are already gathered per turn (see sendAsks).
      autoPipeliningIgnoredCommands: ['cwAcquire', 'zrem'],
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
    this.redis = new Redis(settings.url, redisOptions) as ScriptClient;
    for (const [name, script] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, script);
    this.subscriber = new Redis(settings.url, {
      ...redisOptions,
      // The subscription is re-made on reconnect, so it may queue until then.
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    this.window = rateWindow(options.ratePerMinute);
    this.rateKey = this.key('rate:all');
    this.semaphoreKey = this.key('running');
    this.watch();
  }

  /** Loads the Redis client and connects; nothing of it is loaded before a coordinated connection. */
  static async connect(
    settings: RedisSettings,
    options: CoordinatorOptions,
  ): Promise<RedisCoordinator> {
    const { Redis } = await import('ioredis');
    return new RedisCoordinator(settings, options, Redis);
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
    const holder = `${this.holderId}:${(this.attempts += 1)}`;
    for (;;) {
      let wait: number;
      try {
        wait = await this.ask(holder);
      } catch (err) {
        // Redis went away mid-way: the local limit holds.
        this.options.log?.(
          'debug',
          `${this.description}: shared limit check failed: ${(err as Error).message}`,
        );
        return noRelease;
      }
      if (wait === 0) break;
      if (!this.available) return noRelease;
      if (wait > 0) {
        wait += Math.random() * 3;
        this.checkDeadline(since, deadline, wait);
        await sleep(wait);
      } else {
        // Slots held elsewhere show up by asking again; one given back here wakes a waiter at once.
        wait = 2 + Math.random() * 4;
        this.checkDeadline(since, deadline, wait);
        await this.slotFreed(wait);
      }
    }
    const done = (): void => this.release(holder);
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

  /** Asks for a rate point and a slot together with the other attempts asking in this turn. */
  private ask(holder: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.asking.push({ holder, resolve, reject });
      this.scheduleSend();
    });
  }

  private release(holder: string): void {
    this.released.push(holder);
    // A waiter woken here asks at once, and takes this release along.
    this.slotWaiters.shift()?.();
    this.scheduleSend();
  }

  /**
   * Once per turn of the event loop: attempts finish and the next ones start in the same turn,
   * so one script call answers all of them and carries the slots given back: one round trip,
   * one script run and one reply however many are in flight.
   */
  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      this.sendAsks();
    });
  }

  private sendAsks(): void {
    const released = this.released;
    this.released = [];
    if (this.asking.length === 0) {
      if (released.length > 0) {
        this.redis.zrem(this.semaphoreKey, ...released).catch(() => undefined);
      }
      return;
    }
    const asking = this.asking.splice(0, MOST_ASKING);
    if (this.asking.length > 0) this.scheduleSend();
    this.redis
      .cwAcquire(
        this.rateKey,
        this.semaphoreKey,
        this.window.points,
        this.window.seconds,
        this.options.concurrency,
        this.options.attemptMs,
        asking.length,
        ...asking.map((attempt) => attempt.holder),
        ...released,
      )
      .then(
        (answer) => {
          const [taken, wait] = answer as [number, number];
          asking.forEach((attempt, index) => attempt.resolve(index < taken ? 0 : wait));
        },
        (err: unknown) => {
          for (const attempt of asking) attempt.reject(err);
        },
      );
  }

  /** Resolves after `ms`, or sooner when this instance gives a slot back. */
  private slotFreed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        const at = this.slotWaiters.indexOf(wake);
        if (at >= 0) this.slotWaiters.splice(at, 1);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.slotWaiters.push(wake);
    });
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
    this.sendAsks();
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
