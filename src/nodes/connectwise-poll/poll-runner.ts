/**
 * One poll node's life: the timer, input-triggered polls, status, errors and close.
 *
 * Polls never overlap. The next timed poll is scheduled an interval after the previous poll ends;
 * an input message polls at once (after the running poll, if any) and restarts the interval.
 */
import { randomUUID } from 'node:crypto';

import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';

import {
  ChangePoller,
  type PollResult,
  type Watermark,
  type WatermarkStore,
} from '../../core/change-poller';
import { readBaseline } from '../../core/change-baseline';
import { ChangeTracker } from '../../core/change-tracker';
import { LeaseLostError, PollLease, type LeaseState } from '../../core/poll-lease';
import type { RedisCoordinator } from '../../core/redis-coordinator';
import {
  asError,
  reportBackgroundFailure,
  shortErrorText,
  whenFlowsStarted,
  type DoneFunction,
} from '../node-status';
import { evaluateParameterRows, fillConditionPlaceholders } from '../typed-inputs';
import { createChangeOutput, PollAbandonedError } from './change-output';
import { ContextWatermarkStore, snapshotOf, type CallbackContext } from './context-watermark';
import { withCustomFieldValues } from './custom-field-values';
import {
  ListChangeSource,
  resolveListOperation,
  type OperationLookup,
  type ParameterValue,
  type RequestSender,
} from './list-source';
import { FIRST_POLL_DELAY_MS, type PollSettings } from './poll-settings';
import { RedisWatermarkStore } from './redis-watermark';

/** What the poll node needs from its connection node. */
export interface PollConnection {
  getClient(): Promise<RequestSender>;
  getCatalog(): OperationLookup | Promise<OperationLookup>;
  /** True for a connection coordinated through Redis: one instance polls, by lease. */
  readonly coordinated?: boolean;
  getCoordinator?(): Promise<RedisCoordinator | undefined>;
}

/** How often a coordinated poll node renews its lease, or asks whether it is free: at most 1 s. */
export function leaseCheckMs(leaseMs: number): number {
  return Math.min(1000, Math.floor(leaseMs / 3));
}

export interface PollRunnerOptions {
  RED: NodeAPI;
  node: Node;
  settings: PollSettings;
  connection: PollConnection;
  /** False when the default context store is memory: a restart forgets the watermark. */
  persistentContext: boolean;
}

/** Status text is cut to this before the time is added, so the time always shows. */
const STATUS_TEXT_LENGTH = 36;

/** `10:42:05` in the local time of the machine running Node-RED. */
export function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}

function shorten(text: string, length = STATUS_TEXT_LENGTH): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > length ? `${oneLine.slice(0, length - 1)}…` : oneLine;
}

export function changesText(count: number): string {
  if (count === 0) return 'no changes';
  return count === 1 ? '1 change' : `${count} changes`;
}

export class PollRunner {
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** The end of the last queued poll: each poll starts after the one before it. */
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  /** The watermark being written; close waits for it so a redeploy reads what was sent. */
  private saving: Promise<unknown> = Promise.resolve();
  private memoryNoticeShown = false;
  /** Set when the operation cannot be polled: timed polls stop, inputs answer the error. */
  private unusable = false;
  /** The node's one poller and its list, once the operation is known. */
  private readonly polling: Promise<{ poller: ChangePoller; source: ListChangeSource }>;
  private cancelReport: () => void = () => undefined;
  /** The snapshot of the watched fields, when the node watches any. */
  private tracker: ChangeTracker | undefined;
  /** The tracker's revision as last stored or loaded: another one means it ran ahead of the store. */
  private storedRevision = -1;
  /** Set when nothing was stored: the first save reads the watched fields' values first. */
  private baselinePending = false;
  /** A coordinated connection's lease of this node, once known; undefined: not coordinated. */
  private leasing: Promise<PollLease | undefined> | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  /** The last standby or paused status shown, so the lease check does not repeat it. */
  private shownState: LeaseState | undefined;

  constructor(private readonly options: PollRunnerOptions) {
    const { node, settings, connection } = options;
    const context = new ContextWatermarkStore(
      node.context() as unknown as CallbackContext,
      settings.operationId,
    );
    // Coordinated: in Redis, written with the lease's fencing token; else in the node's context.
    const watermarks = async (): Promise<ContextWatermarkStore | RedisWatermarkStore> => {
      const lease = await this.leaseOf();
      return lease ? new RedisWatermarkStore(lease, settings.operationId) : context;
    };
    // The poller is the only writer of the watermark, and writes nothing once the node closed.
    // The snapshot travels with the watermark: read in the same get, written in the same set.
    const store: WatermarkStore = {
      load: async () => {
        const active = await watermarks();
        const stored = await active.load();
        // In Redis, another instance may have polled since: its snapshot is the one to go on.
        if (active instanceof RedisWatermarkStore) this.storedRevision = -1;
        this.resumeTracker(stored);
        return stored;
      },
      save: async (watermark) => {
        if (this.closed) throw new PollAbandonedError();
        const tracker = this.tracker;
        if (tracker && this.baselinePending) {
          const { poller, source } = await this.polling;
          await readBaseline(source, poller.options, tracker, watermark);
          this.baselinePending = false;
          if (this.closed) throw new PollAbandonedError();
        }
        const revision = tracker?.revision ?? -1;
        await this.persist(await watermarks(), watermark, tracker?.toStored());
        if (tracker === this.tracker) this.storedRevision = revision;
      },
    };
    this.polling = Promise.resolve()
      .then(() => connection.getCatalog())
      .then((catalog) => {
        const operation = resolveListOperation(
          catalog,
          settings.operationId,
          settings.rows,
          settings.change.fields !== undefined,
        );
        const source = new ListChangeSource(() => connection.getClient(), operation);
        return { poller: new ChangePoller(settings.change, source, store), source };
      });
    // Handled here once; each poll awaits it again and fails with the same error.
    this.polling.catch(() => undefined);
  }

  /**
   * Keeps the tracker in memory while it matches what is stored; rebuilds it from the stored
   * snapshot at the first poll, and after a poll that failed between a send and its save.
   */
  private resumeTracker(stored: unknown): void {
    const tracking = this.options.settings.tracking;
    if (tracking === undefined) return;
    if (this.tracker !== undefined && this.tracker.revision === this.storedRevision) return;
    this.tracker = ChangeTracker.fromStored(snapshotOf(stored), tracking.fields, tracking.filters);
    this.storedRevision = this.tracker.revision;
    this.baselinePending = stored === undefined || stored === null;
  }

  /** Checks the operation, then schedules the first poll. */
  start(): void {
    const { node, persistentContext, connection } = this.options;
    if (!persistentContext && connection.coordinated !== true) {
      node.log(
        'the watermark is kept in memory context: after a restart this node starts again as on ' +
          'first deploy; configure a persistent contextStorage to resume where it stopped',
      );
    }
    this.polling.then(
      () => {
        if (this.queued === 0 && this.timer === undefined) this.schedule(FIRST_POLL_DELAY_MS);
        if (connection.coordinated === true) this.tendLease();
      },
      (err: unknown) => {
        this.unusable = true;
        if (this.closed) return;
        node.status(this.failure(err));
        this.cancelReport = whenFlowsStarted(this.options.RED, () => this.reportFailure(err));
      },
    );
  }

  /** An input message: poll now, after any running poll, then restart the interval. */
  trigger(msg: NodeMessage, done: DoneFunction): void {
    this.cancelTimer();
    void this.enqueue(msg).then((err) => done(err));
  }

  /** Stops the timer and abandons a running poll; resolves once no watermark is being written. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer();
    if (this.leaseTimer !== undefined) clearTimeout(this.leaseTimer);
    this.cancelReport();
    await this.saving;
    // Given up at once, so another instance takes over without waiting for it to run out.
    const lease = await this.leaseOf().catch(() => undefined);
    await lease?.release();
    this.options.node.status({});
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.unusable) return;
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.queued > 0) return; // the queued poll schedules the next one when it ends
      void this.enqueue(undefined).then((err) => {
        // A Catch node still gets timed failures, on a message naming the operation.
        if (err) this.reportFailure(err);
      });
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(msg: NodeMessage | undefined): Promise<Error | undefined> {
    this.queued += 1;
    const run = this.tail
      .then(() => (this.closed ? undefined : this.pollOnce(msg)))
      .finally(() => {
        this.queued -= 1;
        if (this.queued === 0) this.schedule(this.options.settings.intervalMs);
      });
    this.tail = run;
    return run;
  }

  /** One poll; answers its error instead of throwing (undefined on success or when abandoned). */
  private async pollOnce(msg: NodeMessage | undefined): Promise<Error | undefined> {
    const { node, settings, connection } = this.options;
    try {
      const { poller, source } = await this.polling;
      const values = await this.evaluateRows(msg);
      const conditions = await fillConditionPlaceholders(
        this.options.RED,
        node,
        settings.change.conditions,
        msg,
        'conditions',
      );
      // Fails before anything is sent when the connection cannot be used.
      await connection.getClient();
      if (this.closed) return undefined;
      const lease = await this.leaseOf();
      if (lease) {
        const state = await lease.hold();
        if (state === 'other' || state === 'unavailable') {
          this.showLeaseState(state);
          return undefined;
        }
      }
      source.useValues(values);
      const output = createChangeOutput(
        settings.output,
        { operationId: settings.operationId, topic: source.resourcePath, pollId: randomUUID() },
        {
          send: (message) =>
            node.send(settings.customFieldValues ? withCustomFieldValues(message) : message),
          isClosed: () => this.closed,
        },
        () => this.tracker,
      );
      // A holder whose lease may have run out delivers nothing more: another may have taken over.
      const sink = lease
        ? {
            accept: (changes: Parameters<typeof output.accept>[0], watermark: Watermark) => {
              if (!lease.held) throw new LeaseLostError();
              return output.accept(changes, watermark);
            },
            flush: () => (lease.held ? output.flush() : Promise.resolve(undefined)),
          }
        : output;
      const result: PollResult = await poller.poll(sink, { ifBusy: 'wait', conditions });
      this.shownState = undefined;
      if (!this.closed) node.status(this.success(result, output.sent));
      return undefined;
    } catch (err) {
      if (this.closed || err instanceof PollAbandonedError) return undefined;
      if (err instanceof LeaseLostError) {
        this.showLeaseState('other');
        return undefined;
      }
      node.status(this.failure(err));
      return asError(err);
    }
  }

  /** A failure no message caused, for Catch nodes, on a message naming the operation. */
  private reportFailure(err: unknown): void {
    reportBackgroundFailure(
      this.options.node,
      err,
      { operationId: this.options.settings.operationId },
      this.failure(err),
    );
  }

  private async evaluateRows(msg: NodeMessage | undefined): Promise<ParameterValue[]> {
    const { RED, node, settings } = this.options;
    return evaluateParameterRows(RED, node, settings.rows, msg, (row) => `params.${row.name}`);
  }

  /** The lease of this node on a coordinated connection; undefined when not coordinated. */
  private leaseOf(): Promise<PollLease | undefined> {
    const { connection, node } = this.options;
    if (connection.coordinated !== true || !connection.getCoordinator) {
      return Promise.resolve(undefined);
    }
    if (!this.leasing) {
      const leasing = connection
        .getCoordinator()
        .then((coordinator) => (coordinator ? new PollLease(coordinator, node.id) : undefined));
      this.leasing = leasing;
      // A connection that failed to start is tried again on the next poll.
      leasing.catch(() => {
        if (this.leasing === leasing) this.leasing = undefined;
      });
    }
    return this.leasing;
  }

  /**
   * Renews the lease while this instance holds it, and asks for it while another does: when it
   * becomes this instance's (the holder stopped, hung, or Redis came back), it polls at once.
   */
  private tendLease(): void {
    if (this.closed || this.unusable) return;
    const next = (ms: number): void => {
      if (this.closed) return;
      this.leaseTimer = setTimeout(() => this.tendLease(), ms);
    };
    this.leaseOf().then(
      async (lease) => {
        if (!lease) return;
        const state = await lease.hold();
        if (this.closed) return;
        if (state === 'taken' && this.queued === 0) {
          this.cancelTimer();
          void this.enqueue(undefined).then((err) => {
            if (err) this.reportFailure(err);
          });
        } else if ((state === 'other' || state === 'unavailable') && this.queued === 0) {
          this.showLeaseState(state);
        }
        next(leaseCheckMs(lease.leaseMs));
      },
      () => next(1000),
    );
  }

  private showLeaseState(state: 'other' | 'unavailable'): void {
    if (this.closed || this.shownState === state) return;
    this.shownState = state;
    this.options.node.status(
      state === 'other'
        ? {
            fill: 'grey',
            shape: 'ring',
            text: `standby: another instance polls · ${clockTime(new Date())}`,
          }
        : {
            fill: 'yellow',
            shape: 'ring',
            text: `paused: Redis unavailable · ${clockTime(new Date())}`,
          },
    );
  }

  private persist(
    store: ContextWatermarkStore | RedisWatermarkStore,
    watermark: Watermark,
    snapshot: ReturnType<ChangeTracker['toStored']> | undefined,
  ): Promise<void> {
    const saved = store.save(watermark, snapshot);
    this.saving = saved.catch(() => undefined);
    return saved;
  }

  private success(result: PollResult, sent: number): NodeStatus {
    const { settings, persistentContext } = this.options;
    let text = result.established ? 'watching from now' : changesText(sent);
    let suffix = clockTime(new Date());
    if (!persistentContext && !this.memoryNoticeShown) {
      this.memoryNoticeShown = true;
      suffix = settings.change.start === 'now' ? 'restarts start from now' : 'restarts start over';
    }
    text = `${shorten(text)} · ${suffix}`;
    return { fill: 'green', shape: sent > 0 ? 'dot' : 'ring', text };
  }

  private failure(err: unknown): NodeStatus {
    return {
      fill: 'red',
      shape: 'ring',
      text: `${shorten(shortErrorText(err))} · ${clockTime(new Date())}`,
    };
  }
}
