/**
 * "Test connection" for the editor: resolves the settings being edited, asks the site who it is,
 * and answers a verdict the form can show. Failures are answers, not exceptions, and carry no
 * secrets.
 */
import type { CwClient } from '../../core/client';
import {
  baseUrlFor,
  fetchCompanyInfo,
  resolveClientSettings,
  resolveSiteOrigin,
} from '../../core/connection-settings';
import { isCwError } from '../../core/errors';
import { connectionSecrets, redactSecrets } from '../../core/redaction';
import type { ConnectionConfig, ConnectionCredentials } from '../../shared/node-configs';
import { SANDBOX_DESCRIPTION, isSandbox, startSandbox, type Sandbox } from './sandbox';

export type ConnectionCheckResult =
  | {
      ok: true;
      version?: string;
      companyName?: string;
      isCloud?: boolean;
      codebase: string;
      baseUrl: string;
    }
  | { ok: false; code: string; statusCode?: number; error: string };

/** What Node-RED's editor sends in place of a password field the user did not change. */
export const UNCHANGED_PASSWORD = '__PWRD__';

const CREDENTIAL_FIELDS = ['publicKey', 'privateKey', 'clientId'] as const;

/** Fields left empty or unchanged in the form are taken from the deployed node's credentials. */
export function mergeCredentials(
  edited: ConnectionCredentials | undefined,
  stored: ConnectionCredentials | undefined,
): ConnectionCredentials {
  const merged: ConnectionCredentials = {};
  for (const field of CREDENTIAL_FIELDS) {
    const value = edited?.[field];
    const usable = typeof value === 'string' && value !== '' && value !== UNCHANGED_PASSWORD;
    merged[field] = usable ? value : stored?.[field];
  }
  return merged;
}

/** Longest single wait of a connection test: the editor should not hang on a dead site. */
const CHECK_TIMEOUT_MS = 15_000;

interface SystemInfo {
  version?: string;
  isCloud?: boolean;
}

export async function checkConnection(
  config: ConnectionConfig,
  credentials: ConnectionCredentials,
): Promise<ConnectionCheckResult> {
  const secrets = CREDENTIAL_FIELDS.map((field) => credentials[field] ?? '');
  let client: CwClient | undefined;
  let sandbox: Sandbox | undefined;
  try {
    if (isSandbox(config)) sandbox = await startSandbox(config);
    const settings = sandbox ? sandbox.settings : resolveClientSettings(config, credentials);
    secrets.push(...connectionSecrets(settings));
    const timeoutMs = Math.min(settings.timeoutMs, CHECK_TIMEOUT_MS);
    let companyName: string | undefined = sandbox ? SANDBOX_DESCRIPTION : undefined;
    let isCloud: boolean | undefined;
    if (config.discoverCodebase && !sandbox) {
      const origin = resolveSiteOrigin(config);
      const info = await fetchCompanyInfo(origin, settings.companyId, timeoutMs);
      companyName = info.CompanyName;
      isCloud = info.IsCloud;
      if (info.Codebase) settings.baseUrl = baseUrlFor(origin, info.Codebase);
    }
    const { CwClient } = await import('../../core/client');
    client = new CwClient({ ...settings, timeoutMs, retries: Math.min(settings.retries, 1) });
    const response = await client.request<SystemInfo | null>({
      method: 'get',
      path: '/system/info',
      operationId: 'getSystemInfo',
    });
    const info = response.data ?? {};
    return {
      ok: true,
      version: typeof info.version === 'string' ? info.version : undefined,
      companyName,
      isCloud: typeof info.isCloud === 'boolean' ? info.isCloud : isCloud,
      codebase: codebaseOf(settings.baseUrl),
      baseUrl: settings.baseUrl,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      code: isCwError(err) ? err.code : 'ERROR',
      statusCode: isCwError(err) ? err.statusCode : undefined,
      error: redactSecrets(message, secrets),
    };
  } finally {
    client?.close();
    await sandbox?.stop();
  }
}

function codebaseOf(baseUrl: string): string {
  const segments = new URL(baseUrl).pathname.split('/').filter(Boolean);
  return segments[segments.length - 3] ?? '';
}
