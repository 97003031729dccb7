/**
 * The node status ring and the one error path every node shares: a short red status and
 * `done(err)` with the message, so a Catch node receives it with `msg.error`.
 */
import type { Node, NodeMessage, NodeStatus } from 'node-red';

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
  }
  return err instanceof Error ? err.message : String(err);
}

/** Any thrown value as an Error (a CwError stays as it is). */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new CwError('INPUT', String(err));
}

/** Node-RED >= 1.0 passes `send` and `done`; 0.x does not, so fall back to the node's own. */
export function sendFor(node: Node, send: SendFunction | undefined): SendFunction {
  return send ?? ((msg) => node.send(msg));
}

export function doneFor(
  node: Node,
  msg: NodeMessage,
  done: DoneFunction | undefined,
): DoneFunction {
  return (
    done ??
    ((err?: Error) => {
      if (err) node.error(err, msg);
    })
  );
}

/** The one error path: a short red ring, then `done(err)` so Catch nodes get the message. */
export function reportFailure(node: Node, err: unknown, done: DoneFunction): void {
  node.status(failureStatus(shortErrorText(err)));
  done(asError(err));
}
