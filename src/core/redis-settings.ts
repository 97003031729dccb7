/**
 * Where a coordinated connection's Redis is, and the name its shared state goes under. The URL
 * comes from an environment variable or a credential (`rediss://` for TLS); the password may be
 * in the URL or a credential of its own. Neither ever appears in a message: `describeRedis` is
 * the only text about the server that leaves this file.
 */
import { createHash } from 'node:crypto';

import { CONNECTION_RANGES, rangeProblem } from '../shared/limits';
import {
  CONNECTION_DEFAULTS,
  type ConnectionConfig,
  type ConnectionCredentials,
} from '../shared/node-configs';
import { CwError } from './errors';

export interface RedisSettings {
  /** The URL without its password (`redis://host:6379/0`). */
  url: string;
  password?: string;
  tls: boolean;
  /** `cwm:<hash of site, company and public key>:`: every key of this connection starts with it. */
  prefix: string;
  leaseMs: number;
}

function configError(field: string, problem: string): CwError {
  return new CwError('CONFIG', `${field}: ${problem}`, { field });
}

/**
 * The name a ConnectWise API member's shared state goes under: instances with the same site,
 * company and public key share it, as ConnectWise counts them together. A hash: never a secret.
 */
export function coordinationPrefix(baseUrl: string, companyId: string, publicKey: string): string {
  const origin = new URL(baseUrl).origin.toLowerCase();
  const digest = createHash('sha256')
    .update(`${origin}\n${companyId.toLowerCase()}\n${publicKey}`)
    .digest('hex')
    .slice(0, 24);
  return `cwm:${digest}:`;
}

function readLease(config: ConnectionConfig): number {
  const raw = config.leaseTime;
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    return CONNECTION_DEFAULTS.leaseTime * 1000;
  }
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  const problem = rangeProblem(CONNECTION_RANGES.leaseTime, value);
  if (problem) throw configError('leaseTime', problem);
  return Math.round(value * 1000);
}

/** The Redis of a coordinated connection; undefined when coordination is off. */
export function resolveRedisSettings(
  config: ConnectionConfig,
  credentials: ConnectionCredentials,
  env: NodeJS.ProcessEnv,
  prefix: string,
): RedisSettings | undefined {
  if (config.coordinate !== true) return undefined;
  let raw: string;
  if (config.redisUrlFrom === 'credential') {
    raw = (credentials.redisUrl ?? '').trim();
    if (!raw) throw configError('redisUrl', 'is required when the Redis URL is a credential');
  } else {
    const name = (config.redisEnv ?? '').trim() || CONNECTION_DEFAULTS.redisEnv;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw configError('redisEnv', `"${name}" is not an environment variable name`);
    }
    raw = (env[name] ?? '').trim();
    if (!raw) throw configError('redisEnv', `the environment variable ${name} is not set`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The text may hold a password: never quoted.
    throw configError('redisUrl', 'is not a URL (expected redis://host:6379 or rediss://host)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw configError('redisUrl', `must start with redis:// or rediss://, not ${url.protocol}//`);
  }
  const password = url.password
    ? decodeURIComponent(url.password)
    : (credentials.redisPassword ?? '').trim() || undefined;
  url.password = '';
  return {
    url: url.toString(),
    password,
    tls: url.protocol === 'rediss:',
    prefix,
    leaseMs: readLease(config),
  };
}

/** `redis 127.0.0.1:6379`: for status and log text, without user or password. */
export function describeRedis(settings: Pick<RedisSettings, 'url'>): string {
  const url = new URL(settings.url);
  return `redis ${url.host}`;
}
