/**
 * One poller across instances: a poll node polls only on the instance that holds its lease in
 * Redis. The lease is taken with a fencing token (a counter that only grows), renewed by its
 * holder, and lost when the holder stops renewing (it stopped or hangs): after at most the lease
 * time another instance takes it, with a larger token.
 *
 * The watermark lives in Redis next to the lease and is written only by a script that checks the
 * lease still carries the writer's token, so a holder that hung and woke up after a takeover can
 * no longer move it: the new holder resumes exactly where the last committed page ended. The
 * holder also stops delivering once its lease, by its own clock, may have run out.
 */
import type { Watermark } from './watermark';
import type { RedisCoordinator } from './redis-coordinator';

/** What a poll may do now. */
export type LeaseState =
  /** This instance polls; `taken`: it has only just become the one. */
  | 'held'
  | 'taken'
  /** Another instance polls. */
  | 'other'
  /** Redis cannot be reached: nobody can be sure to be the only poller, so none polls. */
  | 'unavailable';

/** The lease was lost (or ran out) during a poll: it ends without delivering or saving more. */
export class LeaseLostError extends Error {
  constructor() {
    super('another instance took over this poll node');
    this.name = 'LeaseLostError';
  }
}

/** Part of the lease time kept in hand: the holder stops delivering this long before it ends. */
const SAFETY_FRACTION = 0.2;

export type LeaseBackend = Pick<
  RedisCoordinator,
  'available' | 'holderId' | 'leaseMs' | 'key' | 'runScript' | 'get'
>;

export class PollLease {
  private token = 0;
  private renewedAt = 0;
  private readonly leaseKey: string;
  private readonly fenceKey: string;
  readonly watermarkKey: string;

  constructor(
    private readonly redis: LeaseBackend,
    /** The poll node's id: the same flow deployed on every instance gives the same name. */
    name: string,
  ) {
    this.leaseKey = redis.key(`poll:${name}:lease`);
    this.fenceKey = redis.key(`poll:${name}:fence`);
    this.watermarkKey = redis.key(`poll:${name}:watermark`);
  }

  get leaseMs(): number {
    return this.redis.leaseMs;
  }

  /** The fencing token this instance holds; 0 when it holds none. */
  get fencingToken(): number {
    return this.token;
  }

  /** True while the lease, as last renewed, cannot have run out yet by this process's clock. */
  get held(): boolean {
    return (
      this.token > 0 && Date.now() < this.renewedAt + this.redis.leaseMs * (1 - SAFETY_FRACTION)
    );
  }

  /** Takes the lease when it is free, renews it when this instance has it. */
  async hold(): Promise<LeaseState> {
    if (!this.redis.available) {
      this.token = 0;
      return 'unavailable';
    }
    const askedAt = Date.now();
    let token: number;
    try {
      token = Number(
        await this.redis.runScript(
          'cwLease',
          this.leaseKey,
          this.fenceKey,
          this.redis.holderId,
          this.redis.leaseMs,
        ),
      );
    } catch {
      this.token = 0;
      return 'unavailable';
    }
    if (!(token > 0)) {
      this.token = 0;
      return 'other';
    }
    const taken = token !== this.token;
    this.token = token;
    this.renewedAt = askedAt;
    return taken ? 'taken' : 'held';
  }

  /** Gives the lease up (on close), so another instance need not wait for it to run out. */
  async release(): Promise<void> {
    const token = this.token;
    this.token = 0;
    if (token === 0 || !this.redis.available) return;
    await this.redis
      .runScript('cwRelease', this.leaseKey, `${token}:${this.redis.holderId}`)
      .catch(() => undefined);
  }

  /** The stored watermark text, or null. */
  loadWatermark(): Promise<string | null> {
    return this.redis.get(this.watermarkKey);
  }

  /** Writes the watermark if this instance still holds the lease with its token (and renews it). */
  async saveWatermark(watermark: Watermark & { operationId: string }): Promise<void> {
    if (!this.held) throw new LeaseLostError();
    const askedAt = Date.now();
    const written = await this.redis.runScript(
      'cwFencedSet',
      this.leaseKey,
      this.watermarkKey,
      `${this.token}:${this.redis.holderId}`,
      JSON.stringify(watermark),
      this.redis.leaseMs,
    );
    if (written !== 1) {
      this.token = 0;
      throw new LeaseLostError();
    }
    this.renewedAt = askedAt;
  }
}
