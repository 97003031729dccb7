/**
 * When an attempt is tried again, and after how long: 429 always (the server refused it), and
 * the whole connection pauses for its Retry-After; 5xx and dropped connections only for reads
 * (a POST may have been carried out); never other 4xx. Waits grow with jitter and honour
 * Retry-After, capped.
 */
import type { AxiosError, AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';

import type { ClientLog } from './http-types';
import type { RateLimiter } from './rate-limit';
import { isCutOff } from './transport-errors';

export const DEFAULT_RETRY_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

export interface RetryPolicyOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** First retry waits about this long, each further one twice as long (plus jitter). */
  baseDelayMs: number;
  /** Longest wait between attempts, Retry-After included. */
  maxDelayMs: number;
  /** For log lines: paths are shown relative to it. */
  baseUrl: string;
  /** Paused for a 429's Retry-After, so every request of the connection waits. */
  limiter: Pick<RateLimiter, 'pauseUntil'>;
  log: ClientLog;
  /** A closed client retries nothing. */
  isClosed: () => boolean;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; undefined when absent. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function pathOf(url: string | undefined, baseUrl: string): string {
  const text = url ?? '';
  const relative = text.startsWith(baseUrl) ? text.slice(baseUrl.length) : text;
  return relative.split('?')[0] || '/';
}

class RetryPolicy {
  constructor(private readonly options: RetryPolicyOptions) {}

  shouldRetry(error: AxiosError): boolean {
    if (this.options.isClosed()) return false;
    const method = String(error.config?.method ?? '').toUpperCase();
    // A search is a read, whatever its method.
    const readOnly = method !== 'POST' || /\/search(\?|$)/.test(String(error.config?.url ?? ''));
    // An answer cut off mid-body is a dropped connection, whatever status its headers gave.
    const status = isCutOff(error) ? undefined : error.response?.status;
    if (status !== undefined) {
      if (status === 429) {
        this.throttled(error);
        return true;
      }
      return status >= 500 && readOnly;
    }
    if (error.code === 'ERR_CANCELED') return false;
    if (error.code === 'ECONNREFUSED') return true; // nothing reached the server
    return readOnly;
  }

  delay(retryCount: number, error: AxiosError): number {
    const { baseDelayMs, maxDelayMs } = this.options;
    const retryAfter = parseRetryAfter(error.response?.headers['retry-after']);
    if (retryAfter !== undefined) {
      // Honour the server's wait, spread a little so waiting requests do not return together.
      const spread = Math.random() * Math.min(250, baseDelayMs);
      return Math.min(retryAfter, maxDelayMs) + spread;
    }
    const backoff = Math.min(baseDelayMs * 2 ** (retryCount - 1), maxDelayMs);
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  logRetry(retryCount: number, error: AxiosError, method: unknown, url: string | undefined): void {
    const reason = error.response ? String(error.response.status) : (error.code ?? 'network error');
    this.options.log(
      'debug',
      `retrying ${String(method).toUpperCase()} ${pathOf(url, this.options.baseUrl)} ` +
        `(retry ${retryCount} of ${this.options.retries}) after ${reason}`,
    );
  }

  /** Every request of this connection waits, not only the refused one. */
  private throttled(error: AxiosError): void {
    const wait = parseRetryAfter(error.response?.headers['retry-after']);
    const capped = wait === undefined ? undefined : Math.min(wait, this.options.maxDelayMs);
    if (capped !== undefined) this.options.limiter.pauseUntil(Date.now() + capped);
    this.options.log(
      'warn',
      `ConnectWise is throttling this connection (429)` +
        (capped === undefined ? '' : `: waiting ${Math.ceil(capped / 1000)} s`),
    );
  }
}

/** Makes `instance` retry by the policy; the timeout applies to each attempt. */
export function installRetryPolicy(instance: AxiosInstance, options: RetryPolicyOptions): void {
  const policy = new RetryPolicy(options);
  axiosRetry(instance, {
    retries: options.retries,
    shouldResetTimeout: true,
    retryCondition: (error) => policy.shouldRetry(error),
    retryDelay: (retryCount, error) => policy.delay(retryCount, error),
    onRetry: (retryCount, error, config) =>
      policy.logRetry(retryCount, error, config.method, config.url),
  });
}
