/**
 * One callback endpoint's handling of a delivery, without Node-RED: parse, check that the key_url
 * is on the connection's site, verify the signature with the (cached) signing key, and drop
 * deliveries already seen. The answer says which HTTP status to send and, when accepted, what
 * was delivered.
 */
import {
  DEFAULT_DEDUPE_WINDOW_MS,
  DeliveryDeduplicator,
  deliveryKeys,
  type DeliveryIdentity,
} from './callback-dedup';
import { parseCallbackDelivery, type CallbackDelivery } from './callback-payload';
import {
  isTrustedKeyUrl,
  KeyFetchLimitError,
  SigningKeyCache,
  verifyCallbackSignature,
  type SigningKeyCacheOptions,
  type SigningKeyFetcher,
} from './callback-signature';

export type ReceiveOutcome =
  | { status: 200; accepted: true; duplicate: boolean; delivery: CallbackDelivery }
  /** 503: the delivery could not be checked now; ConnectWise sends it again later. */
  | { status: 400 | 403 | 503; accepted: false; kind: RefusalKind; reason: string };

/** Why a delivery was refused, in a word (the reason text may name hosts). */
export type RefusalKind =
  | 'unsigned'
  | 'malformed'
  | 'no-key-url'
  | 'foreign-key-url'
  | 'key-unreadable'
  | 'key-reads-limited'
  | 'bad-signature';

export interface CallbackReceiverOptions {
  /** The connection's API base URL: only a key_url on its site is trusted. */
  connectionBaseUrl: () => Promise<string> | string;
  fetchKey: SigningKeyFetcher;
  /** The signing-key cache's limits and its fetch notices. */
  keys?: Omit<SigningKeyCacheOptions, 'now'>;
  dedupeWindowMs?: number;
  dedupeMaxEntries?: number;
  /**
   * The repeat window shared with other instances: true the first time any of them offers one
   * of these keys within the window; undefined when it cannot say (then this instance's own
   * window decides).
   */
  sharedFirstTime?: (keys: string[], windowMs: number) => Promise<boolean | undefined>;
  now?: () => number;
}

export class CallbackReceiver {
  private readonly keys: SigningKeyCache;
  private readonly seen: DeliveryDeduplicator;

  constructor(private readonly options: CallbackReceiverOptions) {
    this.keys = new SigningKeyCache(options.fetchKey, { ...options.keys, now: options.now });
    this.seen = new DeliveryDeduplicator({
      windowMs: options.dedupeWindowMs,
      maxEntries: options.dedupeMaxEntries,
      now: options.now,
    });
  }

  async receive(body: Buffer, signature: string | undefined): Promise<ReceiveOutcome> {
    const refuse = (
      status: 400 | 403 | 503,
      kind: RefusalKind,
      reason: string,
    ): ReceiveOutcome => ({ status, accepted: false, kind, reason });
    if (!signature) {
      return refuse(403, 'unsigned', 'unsigned delivery (no x-content-signature header)');
    }
    let delivery: CallbackDelivery;
    try {
      delivery = parseCallbackDelivery(body);
    } catch (err) {
      return refuse(400, 'malformed', (err as Error).message);
    }
    const { keyUrl } = delivery;
    if (!keyUrl) return refuse(403, 'no-key-url', 'the delivery names no Metadata.key_url');
    const baseUrl = await this.options.connectionBaseUrl();
    if (!isTrustedKeyUrl(keyUrl, baseUrl)) {
      return refuse(
        403,
        'foreign-key-url',
        `key_url on ${hostOf(keyUrl)} is not the connection's site`,
      );
    }
    let signingKey: string;
    try {
      signingKey = await this.keys.get(keyUrl);
    } catch (err) {
      if (err instanceof KeyFetchLimitError) {
        return refuse(503, 'key-reads-limited', `the signing key was not read: ${err.message}`);
      }
      return refuse(
        403,
        'key-unreadable',
        `the signing key could not be read: ${(err as Error).message}`,
      );
    }
    if (!verifyCallbackSignature(signingKey, body, signature)) {
      // The key may have been rotated under the same URL; a recheck happens at most once per
      // interval, so forged deliveries cannot make the node read the key again and again.
      const rotated = await this.keys.recheck(keyUrl);
      if (rotated === undefined || !verifyCallbackSignature(rotated, body, signature)) {
        return refuse(403, 'bad-signature', 'the signature does not match the body');
      }
    }
    const identity: DeliveryIdentity = {
      id: delivery.id,
      action: delivery.action,
      lastUpdated: delivery.lastUpdated,
    };
    let duplicate = !this.seen.firstTime(body, identity);
    const windowMs = this.options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    if (!duplicate && this.options.sharedFirstTime && windowMs > 0) {
      const first = await this.options.sharedFirstTime(deliveryKeys(body, identity), windowMs);
      duplicate = first === false;
    }
    return { status: 200, accepted: true, duplicate, delivery };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || 'an unknown host';
  } catch {
    return 'an invalid URL';
  }
}
