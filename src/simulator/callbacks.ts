/**
 * Callbacks (webhooks) in the simulator: records of `/system/callbacks` are watched like Manage
 * does. A change of a matching record (level Owner: every record of the type; Board, Status,
 * Company, Type, Territory, Member: the record's reference with that id; the type's own name: that
 * record) is POSTed, signed, to the callback's url, asynchronously, retried twice on failure.
 * The signing key is served on the simulator's own host at `key_url`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

import { signCallbackBody, SIGNATURE_HEADER } from '../core/callback-signature';
import { CALLBACK_TYPES, type CallbackTypeInfo } from '../core/callback-types';
import { fieldValue } from './field-paths';
import { invalidObject } from './manage-errors';
import { apiBaseUrl } from './site';
import { collectionKey, type MemoryStore, type SimRecord, type StoreChange } from './store';
import type { SimTimers } from './timers';

export const CALLBACKS_COLLECTION = 'system/callbacks';
/** `GET {apiBase}/system/callbackKeys/{n}` answers `{signing_key}`. */
export const CALLBACK_KEY_PATTERN = /^\/system\/callbackkeys\/(\d+)\/?$/i;
const DELIVERY_TIMEOUT_MS = 5000;
const RETRIES = 2;

export interface DeliveryAttempt {
  /** 0 when no answer came (refused, timeout). */
  status: number;
  error?: string;
}

export interface CallbackDeliveryEntry {
  index: number;
  callbackId: number;
  url: string;
  type: string;
  action: string;
  id: number;
  /** The exact bytes sent (as text) and their signature. */
  body: string;
  signature: string;
  keyUrl: string;
  attempts: DeliveryAttempt[];
  state: 'pending' | 'delivered' | 'failed';
}

export interface ForgedDelivery {
  url: string;
  /** A payload object or exact text; default a ticket update naming the simulator's key_url. */
  body?: unknown;
  /** Default: a signature made with a key that is not the simulator's. */
  signature?: string | null;
}

export interface SimCallbacks {
  /** Every delivery, oldest first. */
  readonly deliveries: CallbackDeliveryEntry[];
  /** The key deliveries are signed with now (what `key_url` answers). */
  readonly signingKey: string;
  readonly keyUrl: string;
  /** Posts a delivery that is not validly signed; answers the HTTP status (0: no answer). */
  sendForged(delivery: ForgedDelivery): Promise<number>;
  /** Sends delivery `index` again, byte for byte, as ConnectWise's retries do. */
  replay(index: number): Promise<number>;
  /**
   * Deliveries name this key_url (a host that is not the simulator) and are signed with
   * `signingKey`, as a forger who serves his own key would; undefined returns to the real one.
   */
  useForeignKeyUrl(keyUrl: string | undefined, signingKey?: string): void;
  /** A new signing key under a new key_url; older key_urls keep answering their key. */
  rotateKey(): void;
  /** Delay before a retry; default 500 ms. */
  retryDelayMs: number;
  /** Resolves when no delivery is pending. */
  idle(): Promise<void>;
  /**
   * Marks a callback inactive, as Manage does after days of failed deliveries: nothing is
   * delivered to it until it is activated again (`inactiveFlag: false`). False when none has the id.
   */
  disable(callbackId: number): boolean;
}

interface DispatcherOptions {
  store: MemoryStore;
  siteUrl(): string;
  companyId: string;
  timers: SimTimers;
}

function reference(record: SimRecord, level: string): unknown {
  const value = fieldValue(record, level);
  return value !== null && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
}

/** True when a change of `record` of `info`'s type is announced to `callback`. */
export function callbackMatches(
  callback: SimRecord,
  info: CallbackTypeInfo,
  record: SimRecord,
): boolean {
  if (callback.inactiveFlag === true) return false;
  if (String(callback.type ?? '').toLowerCase() !== info.type.toLowerCase()) return false;
  const level = String(callback.level ?? '').toLowerCase();
  if (level === 'owner') return true;
  const objectId = Number(callback.objectId);
  if (level === info.type.toLowerCase()) return record.id === objectId;
  return reference(record, level) === objectId;
}

/** Manage refuses a second record with the same url, type, level and objectId. */
export function assertNewCallback(store: MemoryStore, fields: Record<string, unknown>): void {
  const same = (a: unknown, b: unknown): boolean =>
    String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
  const existing = store
    .list(CALLBACKS_COLLECTION)
    .find(
      (record) =>
        same(record.url, fields.url) &&
        same(record.type, fields.type) &&
        same(record.level, fields.level) &&
        Number(record.objectId) === Number(fields.objectId),
    );
  if (existing) {
    throw invalidObject('CallbackEntry', [
      {
        code: 'ObjectExists',
        message: `A callback with this url, type, level and objectId already exists (id ${existing.id})`,
        resource: 'callbackEntry',
        field: 'url',
      },
    ]);
  }
}

function post(url: string, body: string, signature: string | null): Promise<DeliveryAttempt> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ status: 0, error: 'invalid url' });
      return;
    }
    const transport = target.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (signature !== null) headers[SIGNATURE_HEADER] = signature;
    const request = transport.request(
      target,
      { method: 'POST', headers, agent: false, timeout: DELIVERY_TIMEOUT_MS },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        response.on('error', (err) => resolve({ status: 0, error: err.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (err) => resolve({ status: 0, error: err.message }));
    request.end(body);
  });
}

export class CallbackDispatcher implements SimCallbacks {
  readonly deliveries: CallbackDeliveryEntry[] = [];
  retryDelayMs = 500;
  private readonly keys = new Map<number, string>();
  private currentKeyId = 0;
  private foreign: { keyUrl: string; signingKey: string } | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly watched = new Map<string, CallbackTypeInfo>(
    CALLBACK_TYPES.map((info) => [collectionKey(info.collection), info]),
  );
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.rotateKey();
    options.store.onChange((change) => this.onChange(change));
  }

  get signingKey(): string {
    return this.foreign?.signingKey ?? (this.keys.get(this.currentKeyId) as string);
  }

  get keyUrl(): string {
    return this.foreign?.keyUrl ?? this.keyUrlFor(this.currentKeyId);
  }

  keyUrlFor(keyId: number): string {
    return `${apiBaseUrl(this.options.siteUrl())}/system/callbackKeys/${keyId}`;
  }

  /** What `GET key_url` answers, or undefined for an unknown key. */
  signingKeyAnswer(keyId: number): { signing_key: string } | undefined {
    const key = this.keys.get(keyId);
    return key === undefined ? undefined : { signing_key: key };
  }

  rotateKey(): void {
    this.currentKeyId += 1;
    this.keys.set(this.currentKeyId, randomBytes(24).toString('hex'));
  }

  useForeignKeyUrl(keyUrl: string | undefined, signingKey = 'foreign-signing-key'): void {
    this.foreign = keyUrl === undefined ? undefined : { keyUrl, signingKey };
  }

  async sendForged(delivery: ForgedDelivery): Promise<number> {
    const payload = delivery.body ?? {
      Action: 'updated',
      CompanyId: this.options.companyId,
      Entity: JSON.stringify({ id: 1, summary: 'forged' }),
      FromUrl: `${this.options.siteUrl()}/`,
      ID: 1,
      MemberId: 'forger',
      Metadata: { key_url: this.keyUrl },
      Type: 'ticket',
    };
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const signature =
      delivery.signature === undefined ? signCallbackBody('not-the-key', body) : delivery.signature;
    return (await this.track(post(delivery.url, body, signature))).status;
  }

  async replay(index: number): Promise<number> {
    const entry = this.deliveries[index];
    if (!entry) throw new Error(`callbacks.replay: no delivery ${index}`);
    const attempt = await this.track(post(entry.url, entry.body, entry.signature));
    entry.attempts.push(attempt);
    return attempt.status;
  }

  disable(callbackId: number): boolean {
    return (
      this.options.store.update(CALLBACKS_COLLECTION, callbackId, { inactiveFlag: true }) !==
      undefined
    );
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  stop(): void {
    this.stopped = true;
    this.options.store.onChange(undefined);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return work;
  }

  private onChange(change: StoreChange): void {
    if (this.stopped) return;
    const info = this.watched.get(change.collection);
    if (!info || this.options.store.count(CALLBACKS_COLLECTION) === 0) return;
    const callbacks = this.options.store.list(CALLBACKS_COLLECTION);
    for (const callback of callbacks) {
      if (callbackMatches(callback, info, change.record)) this.enqueue(callback, info, change);
    }
  }

  private enqueue(callback: SimRecord, info: CallbackTypeInfo, change: StoreChange): void {
    const { record } = change;
    const body = JSON.stringify({
      Action: change.action,
      CompanyId: this.options.companyId,
      Entity: JSON.stringify(record),
      FromUrl: `${this.options.siteUrl()}/`,
      ID: record.id,
      MemberId: record._info.updatedBy ?? record._info.enteredBy ?? 'simapi',
      Metadata: { key_url: this.keyUrl },
      Type: info.type.toLowerCase(),
    });
    const entry: CallbackDeliveryEntry = {
      index: this.deliveries.length,
      callbackId: callback.id,
      url: String(callback.url),
      type: info.type,
      action: change.action,
      id: record.id,
      body,
      signature: signCallbackBody(this.signingKey, body),
      keyUrl: this.keyUrl,
      attempts: [],
      state: 'pending',
    };
    this.deliveries.push(entry);
    // After the change's own answer, as Manage sends callbacks once the save is done.
    void this.track(this.deliver(entry));
  }

  private async deliver(entry: CallbackDeliveryEntry): Promise<void> {
    await this.options.timers.delay(0);
    for (let attempt = 0; attempt <= RETRIES && !this.stopped; attempt++) {
      if (attempt > 0) await this.options.timers.delay(this.retryDelayMs);
      if (this.stopped) break;
      const result = await post(entry.url, entry.body, entry.signature);
      entry.attempts.push(result);
      if (result.status >= 200 && result.status < 300) {
        entry.state = 'delivered';
        return;
      }
    }
    entry.state = 'failed';
  }
}
