/**
 * Recognising a delivery already seen. ConnectWise retries a delivery it thinks failed (twice), so
 * the same body can arrive again; a record saved twice in the same second can also be announced
 * twice. Either counts as seen within the window. Bounded: the oldest entries go first.
 */
import { createHash } from 'node:crypto';

export interface DeliveryDeduplicatorOptions {
  /** How long a delivery counts as seen; default 10 minutes. */
  windowMs?: number;
  /** Most deliveries remembered; default 5,000. */
  maxEntries?: number;
  now?: () => number;
}

export interface DeliveryIdentity {
  id?: number | string;
  action?: string;
  /** The entity's `_info.lastUpdated`, when it has one. */
  lastUpdated?: string;
}

export const DEFAULT_DEDUPE_WINDOW_MS = 600_000;

export function bodyDigest(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * The keys a delivery is known by: its exact bytes, and when it names them its record, action
 * and `lastUpdated` (a record saved twice in one second is announced twice with other bytes).
 */
export function deliveryKeys(body: Buffer | string, identity: DeliveryIdentity = {}): string[] {
  const keys = [`body:${bodyDigest(body)}`];
  if (identity.id !== undefined && identity.action && identity.lastUpdated) {
    keys.push(`record:${identity.id}:${identity.action}:${identity.lastUpdated}`);
  }
  return keys;
}

export class DeliveryDeduplicator {
  /** Key -> time seen; a Map keeps insertion order, so the first key is the oldest. */
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: DeliveryDeduplicatorOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    this.maxEntries = options.maxEntries ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * True the first time a delivery is offered within the window (and remembers it); false for a
   * repeat of the same body, or of the same record, action and `lastUpdated`.
   */
  firstTime(body: Buffer | string, identity: DeliveryIdentity = {}): boolean {
    const now = this.now();
    this.expire(now);
    const keys = deliveryKeys(body, identity);
    if (keys.some((key) => this.seen.has(key))) return false;
    for (const key of keys) this.seen.set(key, now);
    while (this.seen.size > this.maxEntries) {
      this.seen.delete(this.seen.keys().next().value as string);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) return;
      this.seen.delete(key);
    }
  }
}
