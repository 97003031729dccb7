/**
 * The watermark kept in the node's context (default store), so a persistent context store carries
 * it over restarts and redeploys. A node that watches fields keeps its snapshot of them in the same
 * value, written in the same `set`: the two can never disagree after a restart.
 */
import type { Watermark, WatermarkStore } from '../../core/change-poller';
import type { StoredSnapshot } from '../../core/change-tracker';

export const WATERMARK_KEY = 'watermark';

/** The callback half of Node-RED's context API, which every context store supports. */
export interface CallbackContext {
  get(key: string, callback: (err: Error | null | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, callback: (err?: Error | null) => void): void;
}

/** The stored shape: the watermark plus the operation it belongs to, and the snapshot if any. */
export type StoredWatermark = Watermark & { operationId: string; snapshot?: StoredSnapshot };

/** The snapshot stored beside a watermark read back by `load`, if any. */
export function snapshotOf(stored: unknown): unknown {
  return stored !== null && typeof stored === 'object'
    ? (stored as { snapshot?: unknown }).snapshot
    : undefined;
}

/**
 * A stored value as this node may use it: a watermark saved for another operation (the node was
 * switched to another list) says nothing about this one, so the node starts as if none were stored.
 */
export function storedForOperation(value: unknown, operationId: string): unknown {
  const savedFor =
    value !== null && typeof value === 'object'
      ? (value as { operationId?: unknown }).operationId
      : undefined;
  return typeof savedFor === 'string' && savedFor !== operationId ? undefined : value;
}

/** What is stored: a copy of the watermark (the poller's must stay its own), its operation, the snapshot. */
export function toStoredWatermark(
  watermark: Watermark,
  operationId: string,
  snapshot?: StoredSnapshot,
): StoredWatermark {
  const stored: StoredWatermark = { ...watermark, ids: [...watermark.ids], operationId };
  if (snapshot !== undefined) stored.snapshot = snapshot;
  return stored;
}

export class ContextWatermarkStore implements WatermarkStore {
  constructor(
    private readonly context: CallbackContext,
    private readonly operationId: string,
  ) {}

  load(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.context.get(WATERMARK_KEY, (err, value) => {
        if (err) reject(err);
        else resolve(storedForOperation(value, this.operationId));
      });
    });
  }

  save(watermark: Watermark, snapshot?: StoredSnapshot): Promise<void> {
    const stored = toStoredWatermark(watermark, this.operationId, snapshot);
    return new Promise((resolve, reject) => {
      this.context.set(WATERMARK_KEY, stored, (err) => (err ? reject(err) : resolve()));
    });
  }
}

/**
 * Only a snapshot, for a node that has no watermark yet (a callback node before its first
 * safety-net poll, or without one): the value has no `version`, so no watermark is read from it.
 */
export function saveSnapshotOnly(
  context: CallbackContext,
  operationId: string,
  snapshot: StoredSnapshot,
): Promise<void> {
  return new Promise((resolve, reject) => {
    context.set(WATERMARK_KEY, { operationId, snapshot }, (err) => (err ? reject(err) : resolve()));
  });
}

interface StoreSetting {
  module?: unknown;
}

/**
 * True when Node-RED's default context store keeps values over a restart: any configured module
 * but `memory` (`settings.contextStorage`; none configured means memory).
 */
export function usesPersistentContext(contextStorage: unknown): boolean {
  if (contextStorage === null || typeof contextStorage !== 'object') return false;
  const stores = contextStorage as Record<string, unknown>;
  const names = Object.keys(stores).filter((name) => name !== '_');
  if (names.length === 0) return false;
  let entry: unknown = names.includes('default') ? stores.default : stores[names[0]];
  // `default: "file"` names another store.
  if (typeof entry === 'string') entry = stores[entry];
  if (entry === null || typeof entry !== 'object') return false;
  return (entry as StoreSetting).module !== 'memory';
}
