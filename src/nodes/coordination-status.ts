/**
 * The status a node shows while its connection's Redis cannot be reached, and when it is back:
 * what the node does meanwhile (the request node keeps this instance's own rate limit, the
 * callback node recognises repeats on this instance only). Nothing happens for a connection that
 * does not coordinate.
 */
import type { Node } from 'node-red';

import type { RedisCoordinator } from '../core/redis-coordinator';
import { clockTime } from './connectwise-poll/poll-runner';

export interface CoordinatedConnection {
  readonly coordinated?: boolean;
  getCoordinator?(): Promise<RedisCoordinator | undefined>;
}

/** Shows `unavailable` while Redis is away; answers the function that stops following it. */
export function followCoordination(
  node: Node,
  connection: CoordinatedConnection,
  unavailable: string,
): () => void {
  if (connection.coordinated !== true || !connection.getCoordinator) return () => undefined;
  let stopped = false;
  let stop: () => void = () => undefined;
  connection.getCoordinator().then(
    (coordinator) => {
      if (stopped || !coordinator) return;
      const show = (available: boolean): void => {
        const time = clockTime(new Date());
        node.status(
          available
            ? { fill: 'green', shape: 'ring', text: `${coordinator.description} back · ${time}` }
            : { fill: 'yellow', shape: 'ring', text: `${unavailable} · ${time}` },
        );
      };
      if (!coordinator.available) show(false);
      stop = coordinator.onAvailability(show);
    },
    // The connection's own failure reaches the node with its first use.
    () => undefined,
  );
  return () => {
    stopped = true;
    stop();
  };
}

/** True when the connection coordinates but its Redis cannot be reached now. */
export async function coordinationDown(connection: CoordinatedConnection): Promise<boolean> {
  if (connection.coordinated !== true || !connection.getCoordinator) return false;
  const coordinator = await connection.getCoordinator();
  return coordinator !== undefined && !coordinator.available;
}

export const REQUEST_WITHOUT_REDIS = 'Redis unavailable: own rate limit';
export const CALLBACK_WITHOUT_REDIS = 'Redis unavailable: repeats checked here only';
