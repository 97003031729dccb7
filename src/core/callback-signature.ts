/**
 * Verifying ConnectWise callback deliveries. A delivery names a `key_url` answering
 * `{signing_key}`; the key is SHA-256(signing_key) and the `x-content-signature` header is
 * base64(HMAC-SHA256(key, raw body)). Only a `key_url` on the connection's own site is trusted:
 * otherwise anyone could sign a forged delivery with a key of their own.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-content-signature';

/** SHA-256 of the signing key text: the raw 32 bytes the HMAC uses. */
export function callbackHmacKey(signingKey: string): Buffer {
  return createHash('sha256').update(signingKey, 'utf8').digest();
}

/** The `x-content-signature` ConnectWise sends for `body` signed with `signingKey`. */
export function signCallbackBody(signingKey: string, body: Buffer | string): string {
  return createHmac('sha256', callbackHmacKey(signingKey)).update(body).digest('base64');
}

/** Constant-time check of a delivery's signature; a missing or malformed one is false. */
export function verifyCallbackSignature(
  signingKey: string,
  body: Buffer | string,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature.trim(), 'base64');
  const expected = Buffer.from(signCallbackBody(signingKey, body), 'base64');
  // timingSafeEqual throws on different lengths; the length says nothing about the key.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function siteHosts(baseUrl: string): { protocol: string; hosts: Set<string> } {
  const base = new URL(baseUrl);
  const hosts = new Set([base.host.toLowerCase()]);
  // `api-na.myconnectwise.net` serves the API of the site whose web host is `na.myconnectwise.net`.
  if (/^api-/i.test(base.hostname)) hosts.add(base.host.toLowerCase().replace(/^api-/, ''));
  return { protocol: base.protocol, hosts };
}

/**
 * True when `keyUrl` is on the connection's site: the same host and port as the API base URL (or
 * the site's web host without `api-`), over the same scheme.
 */
export function isTrustedKeyUrl(keyUrl: string, connectionBaseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(keyUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  const site = siteHosts(connectionBaseUrl);
  return url.protocol === site.protocol && site.hosts.has(url.host.toLowerCase());
}

export type SigningKeyFetcher = (keyUrl: string) => Promise<string>;

/** Why a key_url is read. */
export type KeyFetchReason = 'new' | 'expired' | 'recheck';

export interface SigningKeyCacheOptions {
  /** How long a fetched key is used before it is fetched again; default 1 hour. */
  ttlMs?: number;
  /**
   * After a signature mismatch, a key_url is read again (the key may have been rotated) at most
   * once in this time; default 1 minute. Forged deliveries thus cost at most one fetch a minute.
   */
  recheckIntervalMs?: number;
  /** Most key fetches a minute over all key_urls, so made-up key_urls cannot spend the rate limit. */
  maxFetchesPerMinute?: number;
  /** Most keys kept; default 32. */
  maxEntries?: number;
  /** Told of every fetch, for the log. */
  onFetch?: (keyUrl: string, reason: KeyFetchReason) => void;
  now?: () => number;
}

export const SIGNING_KEY_DEFAULTS = {
  ttlMs: 3_600_000,
  recheckIntervalMs: 60_000,
  maxFetchesPerMinute: 10,
  maxEntries: 32,
} as const;

/** Too many key fetches in the last minute: the delivery is to be retried later. */
export class KeyFetchLimitError extends Error {
  constructor(readonly perMinute: number) {
    super(`more than ${perMinute} signing-key reads in the last minute`);
  }
}

interface CachedKey {
  key: Promise<string>;
  fetchedAt: number;
  /** A recheck in flight, shared by the deliveries that asked for it. */
  recheck?: Promise<string | undefined>;
}

/**
 * Signing keys per `key_url`, fetched once and kept for a while; concurrent deliveries naming the
 * same new `key_url` share one fetch, and a failed fetch is not kept (an expired key stays in use
 * until it can be read again). A delivery that fails its
 * check never evicts a key: it may only ask for a recheck, which happens at most once per
 * interval, and all fetches together stay within a per-minute budget.
 */
export class SigningKeyCache {
  private readonly entries = new Map<string, CachedKey>();
  private readonly fetchTimes: number[] = [];
  private readonly ttlMs: number;
  private readonly recheckIntervalMs: number;
  private readonly maxFetchesPerMinute: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchKey: SigningKeyFetcher,
    private readonly options: SigningKeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? SIGNING_KEY_DEFAULTS.ttlMs;
    this.recheckIntervalMs = options.recheckIntervalMs ?? SIGNING_KEY_DEFAULTS.recheckIntervalMs;
    this.maxFetchesPerMinute =
      options.maxFetchesPerMinute ?? SIGNING_KEY_DEFAULTS.maxFetchesPerMinute;
    this.maxEntries = options.maxEntries ?? SIGNING_KEY_DEFAULTS.maxEntries;
    this.now = options.now ?? Date.now;
  }

  /** The key of `keyUrl`, fetched when it is not known or has expired. */
  get(keyUrl: string): Promise<string> {
    const now = this.now();
    const cached = this.entries.get(keyUrl);
    if (cached && cached.fetchedAt + this.ttlMs > now) return cached.key;
    const fetched = this.fetch(keyUrl, cached ? 'expired' : 'new');
    // An expired key that cannot be read again right now is still better than none.
    const key = cached ? fetched.catch(() => cached.key) : fetched;
    this.entries.delete(keyUrl);
    this.entries.set(keyUrl, { key, fetchedAt: now });
    key.catch(() => {
      if (this.entries.get(keyUrl)?.key === key) this.entries.delete(keyUrl);
    });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    return key;
  }

  /**
   * After a signature mismatch: reads `keyUrl` again if it was not read within the recheck
   * interval, and answers the new key if it changed; undefined when nothing new was learnt (too
   * soon, the same key, or the read failed: the known key stays).
   */
  recheck(keyUrl: string): Promise<string | undefined> {
    const cached = this.entries.get(keyUrl);
    if (!cached) return Promise.resolve(undefined);
    if (cached.recheck) return cached.recheck;
    const now = this.now();
    if (cached.fetchedAt + this.recheckIntervalMs > now) return Promise.resolve(undefined);
    const recheck = (async () => {
      const known = await cached.key.catch(() => undefined);
      let fresh: string;
      try {
        fresh = await this.fetch(keyUrl, 'recheck');
      } catch {
        return undefined;
      }
      if (this.entries.get(keyUrl) === cached) {
        this.entries.set(keyUrl, { key: Promise.resolve(fresh), fetchedAt: now });
      }
      return fresh === known ? undefined : fresh;
    })();
    cached.recheck = recheck;
    // Whatever the answer, the next recheck waits a whole interval.
    cached.fetchedAt = now;
    void recheck.finally(() => {
      if (cached.recheck === recheck) cached.recheck = undefined;
    });
    return recheck;
  }

  get size(): number {
    return this.entries.size;
  }

  private fetch(keyUrl: string, reason: KeyFetchReason): Promise<string> {
    const now = this.now();
    while (this.fetchTimes.length > 0 && this.fetchTimes[0] <= now - 60_000)
      this.fetchTimes.shift();
    if (this.fetchTimes.length >= this.maxFetchesPerMinute) {
      return Promise.reject(new KeyFetchLimitError(this.maxFetchesPerMinute));
    }
    this.fetchTimes.push(now);
    this.options.onFetch?.(keyUrl, reason);
    return this.fetchKey(keyUrl);
  }
}

/** The `signing_key` of a key_url answer, or an error naming what is missing. */
export function signingKeyOf(answer: unknown): string {
  const key =
    answer !== null && typeof answer === 'object'
      ? (answer as Record<string, unknown>).signing_key
      : undefined;
  if (typeof key !== 'string' || key === '') {
    throw new Error('key_url: the answer has no signing_key');
  }
  return key;
}
