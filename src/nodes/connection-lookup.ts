/**
 * The connection a node names, found among the deployed config nodes and checked to be a
 * ConnectWise connection, or a CONFIG error that says what to fix.
 */
import type { NodeAPI } from 'node-red';

import { CwError } from '../core/errors';

/** What every node uses of its connection, at least. */
interface AnyConnection {
  getClient(): Promise<unknown>;
}

export function findConnection<Connection extends AnyConnection>(
  RED: NodeAPI,
  id: string | undefined,
): Connection {
  const fail = (problem: string): CwError =>
    new CwError('CONFIG', `connection: ${problem}`, { field: 'connection' });
  if (!id) throw fail('not set');
  const found = RED.nodes.getNode(id) as unknown as Partial<AnyConnection> | null;
  if (!found) throw fail('the chosen connection is not deployed');
  if (typeof found.getClient !== 'function') {
    throw fail('the node chosen is not a ConnectWise connection');
  }
  return found as Connection;
}
