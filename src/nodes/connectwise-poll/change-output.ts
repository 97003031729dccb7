/**
 * Turns each page of changes into messages (`per-record`: one per change; `per-poll`: one per page)
 * and tells the poller a watermark is delivered only once the messages that carry it have reached
 * the next nodes, so a poll abandoned at close never stores a watermark past what the flow
 * received.
 */
import type { NodeMessage } from 'node-red';

import type { Change, ChangeSink, Watermark } from '../../core/change-poller';
import type { ChangeTracker, FieldChanges, TrackedChange } from '../../core/change-tracker';
import type { PollOutput } from '../../shared/modes';

/**
 * Resolves after Node-RED has handed the messages sent so far to the next nodes: the runtime
 * delivers on a later turn (setImmediate, in order), and a flow stopped before then closes those
 * nodes and drops the messages. Saving a watermark only after this turn, and only if the node is
 * still open, keeps a stop right after a send from storing a watermark past messages never
 * received (the page is sent again after the restart instead).
 */
export function afterDelivery(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Thrown into the poller when the node closed: the poll ends without sending or saving. */
export class PollAbandonedError extends Error {
  constructor() {
    super('the node closed during the poll');
    this.name = 'PollAbandonedError';
  }
}

export interface PollIdentity {
  operationId: string;
  /** The collection polled (`/service/tickets`). */
  topic: string;
  pollId: string;
}

export interface OutputHooks {
  send(msg: NodeMessage): void;
  isClosed(): boolean;
}

/** A poll's messages: a sink for the poller, which saves what it answers as delivered. */
export interface ChangeOutput extends ChangeSink {
  /** Changes sent so far. */
  readonly sent: number;
}

export interface ChangeSummary {
  id: number;
  event: Change['event'];
  lastUpdated: string;
  /** The watched fields that changed, when the node watches fields. */
  changes?: FieldChanges;
}

/** A change as it is sent: with its diff when the node watches fields. */
interface SentChange {
  change: Change;
  tracked: TrackedChange | undefined;
}

/**
 * The changes to send: all of them when no field is watched; otherwise each is compared with the
 * snapshot (which moves on) and only those the filters let through are kept.
 */
function changesToSend(
  changes: readonly Change[],
  tracker: ChangeTracker | undefined,
): SentChange[] {
  if (tracker === undefined) return changes.map((change) => ({ change, tracked: undefined }));
  const sent: SentChange[] = [];
  for (const change of changes) {
    const tracked = tracker.observe(change.id, change.lastUpdated, change.record, change.event);
    if (tracked?.matches) sent.push({ change, tracked });
  }
  return sent;
}

/**
 * The watermark as messages carry it: a frozen copy, so a flow that changes `msg.cw.watermark`
 * cannot change what the poller resumes from. One copy serves every message of a page.
 */
export function messageWatermark(watermark: Watermark): Watermark {
  return Object.freeze({ ...watermark, ids: Object.freeze([...watermark.ids]) as number[] });
}

export function recordMessage(
  change: Change,
  watermark: Watermark,
  identity: PollIdentity,
  tracked?: TrackedChange,
): NodeMessage {
  return {
    payload: change.record,
    topic: identity.topic,
    event: change.event,
    ...(tracked ? { changes: tracked.changes } : {}),
    cw: {
      operationId: identity.operationId,
      watermark,
      pollId: identity.pollId,
      id: change.id,
      lastUpdated: change.lastUpdated,
    },
  } as NodeMessage;
}

export function pageMessage(
  changes: readonly Change[],
  watermark: Watermark,
  identity: PollIdentity,
  page: number,
  last: boolean,
  tracked?: readonly TrackedChange[],
): NodeMessage {
  const summaries: ChangeSummary[] = changes.map(({ id, event, lastUpdated }, index) => ({
    id,
    event,
    lastUpdated,
    ...(tracked ? { changes: tracked[index].changes } : {}),
  }));
  return {
    payload: changes.map((change) => change.record),
    topic: identity.topic,
    ...(tracked ? { changes: tracked.map((change) => change.changes) } : {}),
    cw: {
      operationId: identity.operationId,
      watermark,
      pollId: identity.pollId,
      page,
      last,
      changes: summaries,
    },
  } as NodeMessage;
}

/** Resolves once sent messages are delivered; throws when the node closed meanwhile. */
async function delivered(hooks: OutputHooks): Promise<void> {
  await afterDelivery();
  if (hooks.isClosed()) throw new PollAbandonedError();
}

/** One message per change, sent as soon as its page arrives. */
class PerRecordOutput implements ChangeOutput {
  sent = 0;

  constructor(
    private readonly identity: PollIdentity,
    private readonly hooks: OutputHooks,
    private readonly tracker: CurrentTracker,
  ) {}

  async accept(changes: Change[], watermark: Watermark): Promise<Watermark> {
    if (this.hooks.isClosed()) throw new PollAbandonedError();
    const carried = messageWatermark(watermark);
    const sending = changesToSend(changes, this.tracker());
    for (const { change, tracked } of sending) {
      this.hooks.send(recordMessage(change, carried, this.identity, tracked));
    }
    this.sent += sending.length;
    await delivered(this.hooks);
    return watermark;
  }

  async flush(): Promise<undefined> {
    // Every page was delivered as it came.
    return undefined;
  }
}

/**
 * One message per page. Each page is held until the next one arrives or the poll ends, so the
 * last message of a poll says `last: true` even when its page was exactly full; at most two pages
 * are in memory.
 */
class PerPageOutput implements ChangeOutput {
  sent = 0;
  private held: { changes: Change[]; watermark: Watermark } | undefined;
  private page = 0;

  constructor(
    private readonly identity: PollIdentity,
    private readonly hooks: OutputHooks,
    private readonly tracker: CurrentTracker,
  ) {}

  async accept(changes: Change[], watermark: Watermark): Promise<Watermark | undefined> {
    if (this.hooks.isClosed()) throw new PollAbandonedError();
    const previous = this.held;
    this.held = { changes, watermark };
    return previous ? this.sendPage(previous, false) : undefined;
  }

  async flush(): Promise<Watermark | undefined> {
    const held = this.held;
    this.held = undefined;
    if (!held || this.hooks.isClosed()) return undefined;
    return this.sendPage(held, true);
  }

  private async sendPage(
    page: { changes: Change[]; watermark: Watermark },
    last: boolean,
  ): Promise<Watermark> {
    // Compared only as the page is sent, so the snapshot never runs ahead of the watermark.
    const sending = changesToSend(page.changes, this.tracker());
    // A page whose changes the filters all turned down sends nothing.
    if (sending.length === 0) return page.watermark;
    this.page += 1;
    const carried = messageWatermark(page.watermark);
    const tracked = this.tracker()
      ? sending.map((entry) => entry.tracked as TrackedChange)
      : undefined;
    this.hooks.send(
      pageMessage(
        sending.map((entry) => entry.change),
        carried,
        this.identity,
        this.page,
        last,
        tracked,
      ),
    );
    this.sent += sending.length;
    await delivered(this.hooks);
    return page.watermark;
  }
}

/**
 * The node's snapshot of its watched fields, undefined when it watches none; asked on each page,
 * as the poll's first read of the store may replace it.
 */
export type CurrentTracker = () => ChangeTracker | undefined;

export function createChangeOutput(
  mode: PollOutput,
  identity: PollIdentity,
  hooks: OutputHooks,
  tracker: CurrentTracker = () => undefined,
): ChangeOutput {
  return mode === 'per-poll'
    ? new PerPageOutput(identity, hooks, tracker)
    : new PerRecordOutput(identity, hooks, tracker);
}
