/**
 * Shared fixtures for node tests: a connectwise-connection pointed at a running simulator, and
 * the credentials node-red-node-test-helper passes to `helper.load`.
 */
import type { ConnectionConfig } from '../../src/shared/node-configs';

export interface SimulatorAddress {
  url: string;
  credentials: { companyId: string; publicKey: string; privateKey: string; clientId: string };
}

export const CONNECTION_ID = 'cw-connection';

export type ConnectionFlowNode = ConnectionConfig & { id: string; type: 'connectwise-connection' };

export function connectionNode(
  sim: SimulatorAddress,
  overrides: Partial<ConnectionConfig> & { id?: string } = {},
): ConnectionFlowNode {
  return {
    id: CONNECTION_ID,
    type: 'connectwise-connection',
    name: 'simulator',
    site: 'custom',
    host: sim.url,
    codebase: 'v4_6_release',
    discoverCodebase: false,
    companyId: sim.credentials.companyId,
    apiVersion: '',
    timeout: 5,
    retries: 2,
    concurrency: 8,
    rateLimit: 6000,
    returnFailures: false,
    removeNulls: true,
    openapiSource: 'bundled',
    openapiPath: '',
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
