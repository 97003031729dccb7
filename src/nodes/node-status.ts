/**
 * The node status ring and the one error path every node shares: a short red status, and the
 * error with a message (the input's, or one of its own for a failure no message caused), so a
 * Catch node receives it with `msg.error`. Success and close clear the ring.
 */
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';

import { CwError, isCwError } from '../core/errors';

/** Longest status text: the editor cuts longer ones anyway, and a ring should be glanceable. */
export const MAX_STATUS_LENGTH = 48;

export type SendFunction = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
export type DoneFunction = (err?: Error) => void;

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_STATUS_LENGTH
    ? `${oneLine.slice(0, MAX_STATUS_LENGTH - 1)}…`
    : oneLine;
}

export function busyStatus(text = 'requesting'): NodeStatus {
  return { fill: 'blue', shape: 'ring', text: shorten(text) };
}

export function successStatus(text: string): NodeStatus {
  return { fill: 'green', shape: 'dot', text: shorten(text) };
}

export function failureStatus(text: string): NodeStatus {
  return { fill: 'red', shape: 'ring', text: shorten(text) };
}

/** `404 NotFound`, `params.id: is required`, `timeout`: what went wrong, in a few words. */
export function shortErrorText(err: unknown): string {
  if (isCwError(err)) {
    if (err.code === 'HTTP' && err.statusCode !== undefined) {
      return [String(err.statusCode), err.cwCode ?? ''].join(' ').trim();
    }
    if (err.code === 'INPUT' || err.code === 'CONFIG') return err.message;
    if (err.code === 'TIMEOUT') return 'timeout';
    if (err.code === 'NOT_API') return 'not the ConnectWise API';
    if (err.code === 'NETWORK') return 'network error';
    if (err.code === 'INVALID_RESPONSE') return 'invalid response';
    if (err.code === 'CATALOG') return 'catalog error';
    if (err.code === 'QUEUE_TIMEOUT') return 'waited too long in the queue';
    if (err.code === 'QUEUE_FULL') return 'queue full';
  }
  return err instanceof Error ? err.message : String(err);
}

/** Any thrown value as an Error (a CwError stays as it is). */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new CwError('INPUT', String(err));
}

/** The one error path for a message: a short red ring, then `done(err)` so Catch nodes get it. */
export function reportFailure(
  node: Node,
  err: unknown,
  done: DoneFunction,
  status: NodeStatus = failureStatus(shortErrorText(err)),
): void {
  node.status(status);
  done(asError(err));
}

/** What a failure no message caused is about: copied into the `msg.cw` Catch nodes receive. */
export type FailureContext = Record<string, unknown>;

/**
 * The same path for a failure no input message caused (a setting refused at deploy, a failed
 * registration, a timed poll): the red ring, then `node.error` with a message of its own, so
 * Catch nodes get it with `msg.error` and `msg.cw` saying what it was about.
 */
export function reportBackgroundFailure(
  node: Node,
  err: unknown,
  context: FailureContext,
  status: NodeStatus = failureStatus(shortErrorText(err)),
): void {
  node.status(status);
  node.error(asError(err), { payload: undefined, cw: { ...context } } as NodeMessage);
}

/** The part of Node-RED's runtime events the nodes listen to. */
interface RuntimeEvents {
  on(event: 'flows:starting' | 'flows:started', listener: () => void): unknown;
  once(event: 'flows:started', listener: () => void): unknown;
  removeListener(event: 'flows:started', listener: () => void): unknown;
}

/** Per runtime: whether its flows have started (false from `flows:starting` to `flows:started`). */
const flowStates = new WeakMap<object, { started: boolean }>();

/** Starts following the runtime's flow starts; each node type's registration calls it. */
export function followFlowStarts(RED: NodeAPI): void {
  const events = RED.events as unknown as RuntimeEvents;
  if (flowStates.has(events)) return;
  // Registered before the first start, or installed while flows run: started either way.
  const state = { started: true };
  flowStates.set(events, state);
  events.on('flows:starting', () => (state.started = false));
  events.on('flows:started', () => (state.started = true));
}

/**
 * Runs `report` now if the flows have started, else once they have. Node-RED builds its table of
 * Catch nodes only after every node of a flow is created, so a failure found while the flows start
 * (at deploy) would otherwise reach no Catch node. Answers a function that cancels a wait (for a
 * node closed before the flows started).
 */
export function whenFlowsStarted(RED: NodeAPI, report: () => void): () => void {
  const events = RED.events as unknown as RuntimeEvents;
  if (flowStates.get(events)?.started !== false) {
    report();
    return () => undefined;
  }
  events.once('flows:started', report);
  return () => events.removeListener('flows:started', report);
}

/**
 * A setting refused at deploy: the red ring now, the error for Catch nodes once the flows have
 * started. The node keeps answering its inputs with the same error.
 */
export function reportSetupFailure(
  RED: NodeAPI,
  node: Node,
  err: unknown,
  context: FailureContext,
): void {
  node.status(failureStatus(shortErrorText(err)));
  const cancel = whenFlowsStarted(RED, () => reportBackgroundFailure(node, err, context));
  node.on('close', cancel);
}
