/**
 * The watermark of a poll node on a coordinated connection, kept in Redis beside the node's
 * lease and written only with its fencing token: whichever instance polls next resumes from it.
 * The same shape as in context (the watermark plus its operation, and the snapshot of the
 * watched fields if the node watches any), written in one SET.
 */
import type { Watermark, WatermarkStore } from '../../core/change-poller';
import type { StoredSnapshot } from '../../core/change-tracker';
import type { PollLease } from '../../core/poll-lease';
import type { StoredWatermark } from './context-watermark';

export class RedisWatermarkStore implements WatermarkStore {
  constructor(
    private readonly lease: PollLease,
    private readonly operationId: string,
  ) {}

  /** As in context: a watermark saved for another operation says nothing about this one. */
  async load(): Promise<unknown> {
    const text = await this.lease.loadWatermark();
    if (text === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return text; // the poller's check reports it
    }
    const savedFor =
      value !== null && typeof value === 'object'
        ? (value as { operationId?: unknown }).operationId
        : undefined;
    return typeof savedFor === 'string' && savedFor !== this.operationId ? undefined : value;
  }

  save(watermark: Watermark, snapshot?: StoredSnapshot): Promise<void> {
    const stored: StoredWatermark = {
      ...watermark,
      ids: [...watermark.ids],
      operationId: this.operationId,
    };
    if (snapshot !== undefined) stored.snapshot = snapshot;
    return this.lease.saveWatermark(stored);
  }
}
