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

export interface SigningKeyCacheOptions {
  /** How long a fetched key is used before it is fetched again; default 1 hour. */
  ttlMs?: number;
  /** Most keys kept; default 32. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Signing keys per `key_url`, fetched once and kept for a while; concurrent deliveries naming the
 * same new `key_url` share one fetch, and a failed fetch is not kept.
 */
export class SigningKeyCache {
  private readonly entries = new Map<string, { key: Promise<string>; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchKey: SigningKeyFetcher,
    options: SigningKeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.maxEntries = options.maxEntries ?? 32;
    this.now = options.now ?? Date.now;
  }

  get(keyUrl: string): Promise<string> {
    const now = this.now();
    const cached = this.entries.get(keyUrl);
    if (cached && cached.expires > now) return cached.key;
    const key = this.fetchKey(keyUrl);
    this.entries.delete(keyUrl);
    this.entries.set(keyUrl, { key, expires: now + this.ttlMs });
    key.catch(() => {
      if (this.entries.get(keyUrl)?.key === key) this.entries.delete(keyUrl);
    });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    return key;
  }

  /** Forgets a key, so the next delivery fetches it again (after a key rotation). */
  forget(keyUrl: string): void {
    this.entries.delete(keyUrl);
  }

  get size(): number {
    return this.entries.size;
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
