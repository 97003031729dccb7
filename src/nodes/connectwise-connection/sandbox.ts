/**
 * The Sandbox site: a simulated ConnectWise Manage inside Node-RED (the package's simulator on
 * loopback, with seed data), so every node can be built and tried without a ConnectWise account.
 * Nothing sent to it reaches ConnectWise; its records live in memory until the connection stops.
 */
import type { ClientSettings } from '../../core/http-types';
import { baseUrlFor, resolveClientSettings } from '../../core/connection-settings';
import type { ConnectionConfig } from '../../shared/node-configs';

export const SANDBOX_SITE = 'sandbox';

/** How a sandbox connection is named in status texts, messages and the log. */
export const SANDBOX_DESCRIPTION = 'Sandbox (simulated Manage in Node-RED, not ConnectWise)';

export interface Sandbox {
  settings: ClientSettings;
  stop(): Promise<void>;
}

export function isSandbox(config: Pick<ConnectionConfig, 'site'>): boolean {
  return config.site === SANDBOX_SITE;
}

/** Starts the simulated Manage and the client settings that reach it (its own keys). */
export async function startSandbox(config: ConnectionConfig): Promise<Sandbox> {
  // The simulator is loaded only by a sandbox connection.
  const { startSimulator } = await import('../../simulator');
  const simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
  const { companyId, publicKey, privateKey, clientId } = simulator.credentials;
  const settings = resolveClientSettings(
    { ...config, site: 'custom', host: simulator.url, companyId, discoverCodebase: false },
    { publicKey, privateKey, clientId },
  );
  return {
    settings: { ...settings, baseUrl: baseUrlFor(simulator.url, config.codebase ?? '') },
    stop: () => simulator.stop(),
  };
}
