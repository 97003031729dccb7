/**
 * One callback endpoint's handling of a delivery, without Node-RED: parse, check that the key_url
 * is on the connection's site, verify the signature with the (cached) signing key, and drop
 * deliveries already seen. The answer says which HTTP status to send and, when accepted, what
 * was delivered.
 */
import { DeliveryDeduplicator } from './callback-dedup';
import { parseCallbackDelivery, type CallbackDelivery } from './callback-payload';
import {
  isTrustedKeyUrl,
  SigningKeyCache,
  verifyCallbackSignature,
  type SigningKeyFetcher,
} from './callback-signature';

export type ReceiveOutcome =
  | { status: 200; accepted: true; duplicate: boolean; delivery: CallbackDelivery }
  | { status: 400 | 403; accepted: false; reason: string };

export interface CallbackReceiverOptions {
  /** The connection's API base URL: only a key_url on its site is trusted. */
  connectionBaseUrl: () => Promise<string> | string;
  fetchKey: SigningKeyFetcher;
  keyTtlMs?: number;
  dedupeWindowMs?: number;
  dedupeMaxEntries?: number;
  now?: () => number;
}

export class CallbackReceiver {
  private readonly keys: SigningKeyCache;
  private readonly seen: DeliveryDeduplicator;

  constructor(private readonly options: CallbackReceiverOptions) {
    this.keys = new SigningKeyCache(options.fetchKey, {
      ttlMs: options.keyTtlMs,
      now: options.now,
    });
    this.seen = new DeliveryDeduplicator({
      windowMs: options.dedupeWindowMs,
      maxEntries: options.dedupeMaxEntries,
      now: options.now,
    });
  }

  async receive(body: Buffer, signature: string | undefined): Promise<ReceiveOutcome> {
    const refuse = (status: 400 | 403, reason: string): ReceiveOutcome => ({
      status,
      accepted: false,
      reason,
    });
    if (!signature) return refuse(403, 'unsigned delivery (no x-content-signature header)');
    let delivery: CallbackDelivery;
    try {
      delivery = parseCallbackDelivery(body);
    } catch (err) {
      return refuse(400, (err as Error).message);
    }
    const { keyUrl } = delivery;
    if (!keyUrl) return refuse(403, 'the delivery names no Metadata.key_url');
    const baseUrl = await this.options.connectionBaseUrl();
    if (!isTrustedKeyUrl(keyUrl, baseUrl)) {
      return refuse(403, `key_url on ${hostOf(keyUrl)} is not the connection's site`);
    }
    let signingKey: string;
    try {
      signingKey = await this.keys.get(keyUrl);
    } catch (err) {
      return refuse(403, `the signing key could not be read: ${(err as Error).message}`);
    }
    if (!verifyCallbackSignature(signingKey, body, signature)) {
      // The key may have been rotated under the same URL: read it once more before refusing.
      this.keys.forget(keyUrl);
      return refuse(403, 'the signature does not match the body');
    }
    const duplicate = !this.seen.firstTime(body, {
      id: delivery.id,
      action: delivery.action,
      lastUpdated: delivery.lastUpdated,
    });
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
