/**
 * Shared fixtures for node tests: a connectwise-connection pointed at a running simulator, the
 * credentials node-red-node-test-helper passes to `helper.load`, and request and poll nodes on
 * that connection with the settings the editor saves by default.
 */
import {
  CONNECTION_DEFAULTS,
  POLL_DEFAULTS,
  REQUEST_DEFAULTS,
  type ConnectionConfig,
  type PollConfig,
  type RequestConfig,
} from '../../src/shared/node-configs';

export interface SimulatorAddress {
  url: string;
  credentials: { companyId: string; publicKey: string; privateKey: string; clientId: string };
}

export const CONNECTION_ID = 'cw-connection';

export type ConnectionFlowNode = ConnectionConfig & {
  id: string;
  type: 'connectwise-connection';
  [key: string]: unknown;
};

export function connectionNode(
  sim: SimulatorAddress,
  overrides: Partial<ConnectionConfig> & { id?: string } = {},
): ConnectionFlowNode {
  return {
    ...CONNECTION_DEFAULTS,
    id: CONNECTION_ID,
    type: 'connectwise-connection',
    name: 'simulator',
    site: 'custom',
    host: sim.url,
    companyId: sim.credentials.companyId,
    // Shorter waits and a higher budget than a user's defaults keep the tests quick.
    timeout: 5,
    retries: 2,
    concurrency: 8,
    rateLimit: 6000,
    ...overrides,
  };
}

/** Credentials keyed by node id, as `helper.load(nodes, flow, credentials)` takes them. */
export function connectionCredentials(
  sim: SimulatorAddress,
  id: string = CONNECTION_ID,
): Record<string, { publicKey: string; privateKey: string; clientId: string }> {
  return {
    [id]: {
      publicKey: sim.credentials.publicKey,
      privateKey: sim.credentials.privateKey,
      clientId: sim.credentials.clientId,
    },
  };
}

/** Settings over a node's defaults; tests also set flow fields (`z`, `wires`) and odd values. */
type NodeSettings<Config> = Partial<Config> & { id?: string; [key: string]: unknown };

export type RequestFlowNode = RequestConfig & { id: string; type: 'connectwise-request' };
export type PollFlowNode = PollConfig & { id: string; type: 'connectwise-poll' };

/** A connectwise-request node on the shared connection. */
export function requestNode(
  settings: NodeSettings<RequestConfig> & { operationId: string },
): RequestFlowNode & Record<string, unknown> {
  return {
    ...REQUEST_DEFAULTS,
    id: 'request',
    type: 'connectwise-request',
    connection: CONNECTION_ID,
    params: [],
    ...settings,
  };
}

/** A connectwise-poll node on the shared connection: service tickets hourly, from now on. */
export function pollNode(
  settings: NodeSettings<PollConfig> = {},
): PollFlowNode & Record<string, unknown> {
  return {
    ...POLL_DEFAULTS,
    id: 'poll',
    type: 'connectwise-poll',
    connection: CONNECTION_ID,
    operationId: 'getServiceTickets',
    params: [],
    // Long enough that only the test's own triggers poll.
    interval: 1,
    intervalUnit: 'h',
    ...settings,
  };
}
