/**
 * The watermark of a poll node on a coordinated connection, kept in Redis beside the node's
 * lease and written only with its fencing token: whichever instance polls next resumes from it.
 * The same shape as in context (the watermark plus its operation, and the snapshot of the
 * watched fields if the node watches any), written in one SET.
 */
import type { Watermark, WatermarkStore } from '../../core/change-poller';
import type { StoredSnapshot } from '../../core/change-tracker';
import type { PollLease } from '../../core/poll-lease';
import { storedForOperation, toStoredWatermark } from './context-watermark';

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
    return storedForOperation(value, this.operationId);
  }

  save(watermark: Watermark, snapshot?: StoredSnapshot): Promise<void> {
    return this.lease.saveWatermark(toStoredWatermark(watermark, this.operationId, snapshot));
  }
}
