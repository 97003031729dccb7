/**
 * Turns a connection node's saved config and credentials into the settings the client runs with,
 * refusing anything incomplete or malformed with a CONFIG error that names the field.
 */

import {
  CONNECTION_DEFAULTS,
  type ConnectionConfig,
  type ConnectionCredentials,
} from '../shared/node-configs';
import { CONNECTION_RANGES, rangeProblem } from '../shared/limits';
import { SITES, type CloudSite } from '../shared/modes';
import { CwError, type CwErrorOptions } from './errors';
import type { ClientSettings } from './http-types';

export const DEFAULT_CODEBASE = CONNECTION_DEFAULTS.codebase;

type NumberField = keyof typeof CONNECTION_RANGES;

/** What an empty number setting means: its default, or for `maxWait` the timeout. */
function fallbackOf(field: NumberField, config: ConnectionConfig): number {
  if (field === 'maxWait') return readNumber(config, 'timeout');
  return CONNECTION_DEFAULTS[field];
}

function configError(field: string, problem: string): CwError {
  return new CwError('CONFIG', `${field}: ${problem}`, { field });
}

function readNumber(config: ConnectionConfig, field: NumberField): number {
  const rule = CONNECTION_RANGES[field];
  const raw = config[field];
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    return fallbackOf(field, config);
  }
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isFinite(value)) {
    throw configError(field, `must be a number, got ${JSON.stringify(raw)}`);
  }
  const problem = rangeProblem(rule, value);
  if (problem) {
    throw configError(field, Number.isInteger(value) ? problem : `${problem}, got ${value}`);
  }
  return value;
}

function requireText(value: string | undefined, field: string): string {
  const text = (value ?? '').trim();
  if (!text) throw configError(field, 'is required');
  return text;
}

const CLOUD_HOST_WITHOUT_PREFIX = /^(na|eu|au|aus|za)\.myconnectwise\.net$/i;

/** The site's origin (`https://api-na.myconnectwise.net`, `http://127.0.0.1:8080`). */
export function resolveSiteOrigin(config: Pick<ConnectionConfig, 'site' | 'host'>): string {
  const site = config.site || 'na';
  if (site !== 'custom') {
    if (!Object.prototype.hasOwnProperty.call(SITES, site)) {
      throw configError(
        'site',
        `unknown site "${site}" (use one of ${Object.keys(SITES).join(', ')} or custom)`,
      );
    }
    return `https://${SITES[site as CloudSite]}`;
  }
  const host = (config.host ?? '').trim();
  if (!host) throw configError('host', 'is required for a custom site');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw configError('host', `"${host}" is not a valid host name or URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError('host', `must use https or http, got ${url.protocol.replace(':', '')}`);
  }
  if (url.username || url.password) {
    throw configError(
      'host',
      'must not contain a user name or password (keys go in the credentials)',
    );
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw configError(
      'host',
      'give the host only (for example api-na.myconnectwise.net), without a path; the codebase is set separately',
    );
  }
  if (CLOUD_HOST_WITHOUT_PREFIX.test(url.hostname)) {
    throw configError(
      'host',
      `${url.hostname} is the web site; the API of cloud sites is at api-${url.hostname} (or pick the cloud site)`,
    );
  }
  return url.origin;
}

/** `v4_6_release`, `/v2025_1/` and `v2025_1/` all become the bare path segment. */
export function normaliseCodebase(codebase: string | undefined): string {
  const trimmed = (codebase ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (!trimmed) return DEFAULT_CODEBASE;
  if (!/^[A-Za-z0-9_.-]+$/.test(trimmed) || /^\.+$/.test(trimmed)) {
    throw configError(
      'codebase',
      `"${trimmed}" is not a codebase (expected something like v4_6_release)`,
    );
  }
  return trimmed;
}

export function baseUrlFor(origin: string, codebase: string): string {
  return `${origin}/${normaliseCodebase(codebase)}/apis/3.0`;
}

export function resolveClientSettings(
  config: ConnectionConfig,
  credentials: ConnectionCredentials,
): ClientSettings {
  const companyId = requireText(config.companyId, 'companyId');
  const publicKey = requireText(credentials.publicKey, 'publicKey');
  const privateKey = requireText(credentials.privateKey, 'privateKey');
  const clientId = requireText(credentials.clientId, 'clientId');
  const origin = resolveSiteOrigin(config);
  const apiVersion = (config.apiVersion ?? '').trim();
  if (apiVersion && !/^\d{4}\.\d+$/.test(apiVersion)) {
    throw configError('apiVersion', `"${apiVersion}" is not an API version (expected like 2025.1)`);
  }
  const timeoutMs = Math.round(readNumber(config, 'timeout') * 1000);
  return {
    baseUrl: baseUrlFor(origin, config.codebase ?? ''),
    companyId,
    publicKey,
    privateKey,
    clientId,
    apiVersion: apiVersion || undefined,
    timeoutMs,
    retries: readNumber(config, 'retries'),
    concurrency: readNumber(config, 'concurrency'),
    ratePerMinute: readNumber(config, 'rateLimit'),
    maxWaitMs: Math.round(readNumber(config, 'maxWait') * 1000),
    maxQueue: readNumber(config, 'maxQueue'),
    removeNulls: config.removeNulls !== false,
    allowImpersonation: config.allowImpersonation === true,
  };
}

/** The origin part of a base URL built by `baseUrlFor`. */
export function originOf(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

/** What `/login/companyinfo/{companyId}` answers (fields we use). */
export interface CompanyInfo {
  CompanyName?: string;
  Codebase?: string;
  VersionCode?: string;
  VersionNumber?: string;
  CompanyID?: string;
  IsCloud?: boolean;
}

const CLOUD_HOST = /(^|\.)(myconnectwise\.net|connectwisedev\.com)$/i;

/**
 * What to check when `url` answered something other than the API: on a cloud site the `api-`
 * prefix; on an own host the host itself and the codebase in the path, the usual causes there.
 */
export function notApiAdvice(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || CLOUD_HOST.test(parsed.hostname)) {
    return 'check the site (cloud sites need the api- prefix)';
  }
  const codebase = /^\/([^/]+)\/apis\/3\.0(\/|$)/.exec(parsed.pathname)?.[1];
  return (
    `check the host ${parsed.host} (it must be the Manage server's API, not a login page, ` +
    'portal or proxy in front of it) and the codebase' +
    (codebase ? ` ${codebase}` : '') +
    ' (v4_6_release routes to the current one; "discover codebase" asks the server)'
  );
}

export function notApiError(
  url: string,
  statusCode?: number,
  details: CwErrorOptions = {},
): CwError {
  return new CwError('NOT_API', `the site answered a web page, not the API: ${notApiAdvice(url)}`, {
    ...details,
    url,
    statusCode,
  });
}

/** Reads the company's record from the site's login service (no credentials needed). */
export async function fetchCompanyInfo(
  origin: string,
  companyId: string,
  timeoutMs = 30000,
): Promise<CompanyInfo> {
  const url = `${origin}/login/companyinfo/${encodeURIComponent(companyId)}`;
  let status: number;
  let contentType: string;
  let text: string;
  try {
    // Loaded on first use: requiring axios costs Node-RED's start-up over 100 ms.
    const { default: axios } = await import('axios');
    const response = await axios.get<string>(url, {
      timeout: timeoutMs,
      responseType: 'text',
      transformResponse: [(data: string) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
    status = response.status;
    contentType = String(response.headers['content-type'] ?? '');
    text = typeof response.data === 'string' ? response.data : String(response.data ?? '');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    throw new CwError(
      timedOut ? 'TIMEOUT' : 'NETWORK',
      timedOut
        ? `GET ${url} failed: no answer within ${timeoutMs} ms`
        : `GET ${url} failed: ${code ?? 'network error'}`,
      { url, method: 'GET' },
    );
  }
  if (contentType.includes('text/html') || text.trimStart().startsWith('<')) {
    throw notApiError(url, status);
  }
  if (status < 200 || status >= 300) {
    throw new CwError('HTTP', `GET ${url} failed: ${status}`, {
      url,
      method: 'GET',
      statusCode: status,
    });
  }
  let info: unknown;
  try {
    info = text.trim() === '' ? null : JSON.parse(text);
  } catch {
    throw new CwError('INVALID_RESPONSE', `GET ${url}: the answer is not JSON`, {
      url,
      method: 'GET',
    });
  }
  if (info === null || typeof info !== 'object') {
    throw new CwError('CONFIG', `companyId: company id ${companyId} is not known to this site`, {
      field: 'companyId',
      url,
    });
  }
  return info as CompanyInfo;
}

/** Asks the site which codebase serves the company: `v2025_1`. */
export async function discoverCodebase(
  origin: string,
  companyId: string,
  timeoutMs?: number,
): Promise<string> {
  const info = await fetchCompanyInfo(origin, companyId, timeoutMs);
  const codebase = (info.Codebase ?? '').replace(/^\/+|\/+$/g, '');
  if (!codebase) {
    throw new CwError(
      'INVALID_RESPONSE',
      `the site did not say which codebase company ${companyId} uses`,
      {
        url: `${origin}/login/companyinfo/${encodeURIComponent(companyId)}`,
      },
    );
  }
  return normaliseCodebase(codebase);
}
