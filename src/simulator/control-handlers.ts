/**
 * `/_simulator/faults`, `/_simulator/clock` and `/_simulator/callbacks/{id}/disable`: drive a
 * simulator running in another process.
 */
import { errorAnswer, jsonAnswer, type Answer } from './answers';
import { manageTimestamp } from './clock';
import type { FaultSpec } from './faults';
import { badRequest, notFound } from './manage-errors';
import { readJsonBody, type SimRequest } from './sim-request';
import type { SimContext } from './simulator-context';

const CONTROL_PREFIX = '/_simulator/';

/** Control requests are never answered by a fault. */
export const isControlPath = (pathname: string): boolean => pathname.startsWith(CONTROL_PREFIX);

/** Runs `change`, turning a refused value into a 400. */
function applying(change: () => void): void {
  try {
    change();
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

export function handleControl(context: SimContext, request: SimRequest): Answer {
  const what = request.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '');
  if (what === 'faults') {
    if (request.method === 'GET') return jsonAnswer(200, context.faults.pending());
    if (request.method === 'DELETE') {
      context.faults.clear();
      return { status: 204 };
    }
    if (request.method === 'POST') {
      const spec = readJsonBody(request) as FaultSpec;
      applying(() => context.faults.add(spec));
      return jsonAnswer(201, context.faults.pending());
    }
  }
  if (what === 'clock') {
    if (request.method === 'POST') {
      const command = readJsonBody(request) as {
        set?: string;
        advance?: number;
        freeze?: boolean;
        resume?: boolean;
      };
      applying(() => {
        if (command.set !== undefined) context.clock.set(command.set);
        if (typeof command.advance === 'number') context.clock.advance(command.advance);
        if (command.freeze) context.clock.freeze();
        if (command.resume) context.clock.resume();
      });
    }
    return jsonAnswer(200, { now: manageTimestamp(context.clock.now()) });
  }
  const disable = /^callbacks\/(\d+)\/disable$/.exec(what);
  if (disable && request.method === 'POST') {
    if (!context.callbacks.disable(Number(disable[1]))) {
      return errorAnswer(notFound(`No callback ${disable[1]}`));
    }
    return jsonAnswer(200, context.store.get('system/callbacks', Number(disable[1])));
  }
  return errorAnswer(notFound(`Unknown simulator control ${request.pathname}`));
}
