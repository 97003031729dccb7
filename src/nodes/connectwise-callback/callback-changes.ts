/**
 * The callback node as one exactly-once trigger over two sources: deliveries (fast, but lost while
 * Node-RED is down or when ConnectWise gives up) and a safety-net poll of the same list every N
 * minutes (complete, but slow). Both go through one ChangeTracker, which sends each version of a
 * record, by id and `lastUpdated`, once: the delivery within a second when callbacks work, the
 * poll when a delivery was lost; a duplicate, a late delivery or a poll that sees a version
 * already delivered sends nothing.
 *
 * The snapshot is kept in the node's context in one value with the safety net's watermark, so a
 * restart neither repeats nor misses a change. The ChangePoller alone moves the watermark; a
 * delivery writes the snapshot beside the watermark as it was last saved.
 */
import type { NodeMessage } from 'node-red';

import { readBaseline } from '../../core/change-baseline';
import {
  ChangePoller,
  readFieldPath,
  type Change,
  type ChangeQuery,
  type ChangeSink,
  type ChangeSource,
  type Watermark,
} from '../../core/change-poller';
import { ChangeTracker, type TrackedChange } from '../../core/change-tracker';
import type { CwClient } from '../../core/client';
import { CwError } from '../../core/errors';
import { fitToUrlLimit } from '../../core/long-url-search';
import { parseWatermark } from '../../core/watermark';
import { afterDelivery } from '../connectwise-poll/change-output';
import {
  ContextWatermarkStore,
  saveSnapshotOnly,
  snapshotOf,
  type CallbackContext,
} from '../connectwise-poll/context-watermark';
import type { CallbackSettings } from './callback-settings';

/** What a tracked delivery or poll adds to its message. */
export interface TrackedFields {
  event: 'created' | 'updated' | 'deleted';
  changes: TrackedChange['changes'] | undefined;
  lastUpdated: string | undefined;
}

export interface CallbackChangeHooks {
  client(): Promise<CwClient>;
  send(msg: NodeMessage): void;
  isClosed(): boolean;
}

/** Reads the first page of a change query straight from the type's collection. */
class CollectionSource implements ChangeSource {
  constructor(
    private readonly collection: string,
    private readonly client: () => Promise<CwClient>,
  ) {}

  async fetch(query: ChangeQuery): Promise<unknown[]> {
    const client = await this.client();
    const params: Record<string, string | number> = {
      orderBy: query.orderBy,
      pageSize: query.pageSize,
      page: 1,
    };
    if (query.conditions !== '') params.conditions = query.conditions;
    if (query.fields !== undefined) params.fields = query.fields;
    const response = await client.request(
      fitToUrlLimit(
        { method: 'get', path: this.collection, query: params },
        client.settings.baseUrl,
      ),
    );
    if (!Array.isArray(response.data)) {
      throw new CwError('INVALID_RESPONSE', `GET ${this.collection}: expected a list of records`);
    }
    return response.data;
  }
}

function eventOf(action: string): 'created' | 'updated' | 'deleted' {
  if (action === 'deleted') return 'deleted';
  return action === 'added' || action === 'created' ? 'created' : 'updated';
}

export class CallbackChanges {
  private tracker: ChangeTracker;
  private readonly context: ContextWatermarkStore;
  private readonly poller: ChangePoller | undefined;
  private readonly source: CollectionSource;
  /** The safety net's watermark as last saved: deliveries write the snapshot beside it. */
  private watermark: Watermark | undefined;
  /** Every write, in order: a delivery's never overtakes a poll's. */
  private writing: Promise<void> = Promise.resolve();
  /** Read on first use, not at deploy: by then every context store is open. */
  private loading: Promise<void> | undefined;
  private baselinePending = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly settings: CallbackSettings,
    private readonly contextApi: CallbackContext,
    private readonly hooks: CallbackChangeHooks,
    private readonly onPollResult: (err: unknown, sent: number) => void,
  ) {
    const tracking = settings.tracking;
    this.tracker = new ChangeTracker(tracking?.fields ?? [], tracking?.filters ?? []);
    this.context = new ContextWatermarkStore(contextApi, settings.typeInfo.collection);
    this.source = new CollectionSource(settings.typeInfo.collection, () => hooks.client());
    if (settings.safetyNetMs > 0) {
      this.poller = new ChangePoller(
        { conditions: settings.levelConditions, start: 'now' },
        this.source,
        {
          load: async () => {
            await this.loaded();
            return this.watermark;
          },
          save: (watermark) => this.save(watermark),
        },
      );
    }
  }

  get hasSafetyNet(): boolean {
    return this.poller !== undefined;
  }

  /** The first safety-net poll shortly after deploy, then every N minutes after each ends. */
  start(firstDelayMs: number): void {
    if (this.poller) this.schedule(firstDelayMs);
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    return this.writing;
  }

  /** A safety-net poll now, after any running one; resolves with its error, if any. */
  pollNow(): Promise<unknown> {
    if (!this.poller) return Promise.resolve(undefined);
    if (this.timer) clearTimeout(this.timer);
    const run = this.polling.then(() => this.runPoll());
    this.polling = run.catch(() => undefined);
    return run;
  }

  /**
   * A verified delivery's record: what to add to its message, or undefined when it sends
   * nothing (this version was sent before, by a delivery or a poll, or the filters refuse it).
   * `persist` is called once the message was handed on.
   */
  async delivery(
    action: string,
    id: number | string | undefined,
    record: unknown,
  ): Promise<{ fields: TrackedFields; persist: () => Promise<void> } | undefined | 'untracked'> {
    await this.loaded();
    const numericId = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
    if (typeof numericId !== 'number') return 'untracked';
    const event = eventOf(action);
    let tracked: TrackedChange | undefined;
    if (event === 'deleted') {
      tracked = this.tracker.forget(numericId);
    } else {
      const lastUpdated = readFieldPath(record, '_info/lastUpdated');
      // Without a date this version cannot be told from another: sent as it came.
      if (typeof lastUpdated !== 'string') return 'untracked';
      tracked = this.tracker.observe(numericId, lastUpdated, record, event);
    }
    if (!tracked) return undefined;
    const persist = () => this.save(this.watermark);
    if (!tracked.matches) {
      await persist();
      return undefined;
    }
    return {
      fields: {
        event: tracked.event,
        changes: this.settings.tracking ? tracked.changes : undefined,
        lastUpdated: tracked.lastUpdated,
      },
      persist,
    };
  }

  private loaded(): Promise<void> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    const stored = await this.context.load();
    const snapshot = snapshotOf(stored);
    const tracking = this.settings.tracking;
    this.tracker = ChangeTracker.fromStored(snapshot, tracking?.fields ?? [], tracking?.filters);
    const hasWatermark =
      stored !== null && typeof stored === 'object' && 'version' in (stored as object);
    this.watermark = hasWatermark ? parseWatermark(stored) : undefined;
    this.baselinePending = snapshot === undefined && this.settings.tracking !== undefined;
  }

  private save(watermark: Watermark | undefined): Promise<void> {
    const write = this.writing.then(async () => {
      if (watermark && this.baselinePending && this.poller) {
        this.baselinePending = false;
        await readBaseline(this.source, this.poller.options, this.tracker, watermark);
      }
      const snapshot = this.tracker.toStored();
      if (watermark) {
        await this.context.save(watermark, snapshot);
        this.watermark = watermark;
      } else {
        await saveSnapshotOnly(this.contextApi, this.settings.typeInfo.collection, snapshot);
      }
    });
    this.writing = write.catch(() => undefined);
    return write;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollNow();
    }, ms);
  }

  private async runPoll(): Promise<unknown> {
    if (this.closed || !this.poller) return undefined;
    let sent = 0;
    const sink: ChangeSink = {
      accept: async (changes: Change[], watermark: Watermark) => {
        if (this.hooks.isClosed()) throw new Error('closed');
        for (const change of changes) {
          const tracked = this.tracker.observe(
            change.id,
            change.lastUpdated,
            change.record,
            change.event,
          );
          if (!tracked?.matches) continue;
          this.hooks.send(this.pollMessage(change, tracked));
          sent += 1;
        }
        await afterDelivery();
        if (this.hooks.isClosed()) throw new Error('closed');
        return watermark;
      },
      flush: async () => undefined,
    };
    let failure: unknown;
    try {
      await this.poller.poll(sink, { ifBusy: 'wait' });
    } catch (err) {
      failure = err;
    }
    if (!this.closed) {
      this.onPollResult(failure, sent);
      this.schedule(this.settings.safetyNetMs);
    }
    return failure;
  }

  private pollMessage(change: Change, tracked: TrackedChange): NodeMessage {
    return {
      payload: change.record,
      topic: this.settings.typeInfo.type,
      event: tracked.event,
      ...(this.settings.tracking ? { changes: tracked.changes } : {}),
      cw: {
        id: change.id,
        lastUpdated: change.lastUpdated,
        type: this.settings.typeInfo.type.toLowerCase(),
        source: 'poll',
      },
    } as NodeMessage;
  }
}
