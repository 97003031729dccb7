/**
 * The transport: one client per connection, with its own keep-alive agents, one limiter (every
 * attempt, retries included, passes through it), retries with backoff that honour Retry-After,
 * and one place that turns every failure into a CwError without credentials in it.
 */
import * as http from 'node:http';
import * as https from 'node:https';

import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
} from 'axios';
import axiosRetry from 'axios-retry';

import { notApiError } from './connection-settings';
import { CwError, type CwErrorDetail, type CwErrorOptions } from './errors';
import type { ClientSettings, CwResponse, PreparedRequest, QueryValue } from './http-types';
import { pageThrough, type CwPage, type PagingOptions } from './paging';
import { LimiterStoppedError, RateLimiter } from './rate-limit';
import { connectionSecrets, redactSecrets } from './redaction';

export type { CwPage, PagingOptions } from './paging';

export type LogLevel = 'debug' | 'warn';

export interface CwClientOptions {
  log?: (level: LogLevel, message: string) => void;
  /** First retry waits about this long, each further one twice as long (plus jitter). */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included. */
  maxRetryDelayMs?: number;
}

export interface LimiterStats {
  /** Attempts on the wire now. */
  running: number;
  /** Attempts waiting for a slot or for the rate limit. */
  queued: number;
  /** Most attempts ever on the wire at once. */
  peakRunning: number;
  /** Attempts sent so far, retries included. */
  attempts: number;
  maxConcurrent: number;
  ratePerMinute: number;
}

/** URLs longer than this go as `POST .../search` when they carry conditions. */
export const MAX_URL_LENGTH = 2000;
const DEFAULT_RETRY_BASE_DELAY_MS = 500;
const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

const SEARCH_BODY_KEYS: Record<string, string> = {
  conditions: 'conditions',
  orderby: 'orderBy',
  childconditions: 'childconditions',
  customfieldconditions: 'customfieldconditions',
};

/** Content types that are certainly not JSON: answered as a Buffer even when JSON was expected. */
const BINARY_CONTENT_TYPE =
  /^(application\/(octet-stream|pdf|zip|x-zip-compressed|vnd\.openxmlformats[^;]*|msword)|image\/|audio\/|video\/)/i;

/** Percent-encodes everything but unreserved characters (ConnectWise chokes on raw `'`, `*`). */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function buildQueryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${encodeQueryComponent(key)}=${encodeQueryComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
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

/** `attachment; filename="a b.pdf"` or RFC 5987 `filename*=UTF-8''a%20b.pdf`. */
export function fileNameFromDisposition(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(value);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;]+))/i.exec(value);
  if (!plain) return undefined;
  const name = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim();
  return name || undefined;
}

/** Drops null fields at any depth (`removeNulls`); nulls inside lists stay, to keep positions. */
export function removeNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(removeNullFields);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (field !== null) result[key] = removeNullFields(field);
    }
    return result;
  }
  return value;
}

function flattenHeaders(headers: AxiosResponse['headers'] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  const source =
    typeof (headers as { toJSON?: () => unknown }).toJSON === 'function'
      ? ((headers as { toJSON: () => Record<string, unknown> }).toJSON() as Record<string, unknown>)
      : (headers as Record<string, unknown>);
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    result[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}

function looksLikeHtml(contentType: string, text: string): boolean {
  return /text\/html|application\/xhtml/i.test(contentType) || text.trimStart().startsWith('<');
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data);
  return Buffer.alloc(0);
}

interface SendPlan {
  method: string;
  /** Path relative to the base, as shown in messages. */
  path: string;
  url: string;
  headers: Record<string, string>;
  data?: unknown;
  responseType: 'json' | 'binary';
  operationId?: string;
}

interface ConnectWiseErrorBody {
  code?: unknown;
  error?: unknown;
  message?: unknown;
  errors?: unknown;
}

export class CwClient {
  readonly settings: ClientSettings;
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly secrets: string[];
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly limiter: RateLimiter;
  private readonly http: AxiosInstance;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly authorization: string;
  private closed = false;

  constructor(settings: ClientSettings, options: CwClientOptions = {}) {
    this.settings = { ...settings, baseUrl: settings.baseUrl.replace(/\/+$/, '') };
    this.secrets = connectionSecrets(settings);
    const log = options.log;
    this.log = log
      ? (level, message) => log(level, redactSecrets(message, this.secrets))
      : () => undefined;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    this.authorization = `Basic ${Buffer.from(
      `${settings.companyId}+${settings.publicKey}:${settings.privateKey}`,
    ).toString('base64')}`;

    this.httpAgent = new http.Agent({ keepAlive: true });
    this.httpsAgent = new https.Agent({ keepAlive: true });
    this.limiter = new RateLimiter({
      maxConcurrent: settings.concurrency,
      ratePerMinute: settings.ratePerMinute,
    });

    const httpAdapter: AxiosAdapter = axios.getAdapter('http');
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      timeout: settings.timeoutMs,
      maxRedirects: 0,
      responseType: 'arraybuffer',
      transformResponse: [(data: unknown) => data],
      validateStatus: (status) => status >= 200 && status < 300,
      // Every attempt, retries included, waits for the limiter.
      adapter: (config) => this.limiter.schedule(() => httpAdapter(config)),
    });
    axiosRetry(this.http, {
      retries: settings.retries,
      shouldResetTimeout: true, // the timeout is per attempt
      retryCondition: (error) => this.shouldRetry(error),
      retryDelay: (retryCount, error) => this.retryDelay(retryCount, error),
      onRetry: (retryCount, error, config) => {
        const reason = error.response
          ? String(error.response.status)
          : (error.code ?? 'network error');
        this.log(
          'debug',
          `retrying ${String(config.method).toUpperCase()} ${pathOf(config.url, this.settings.baseUrl)} ` +
            `(retry ${retryCount} of ${settings.retries}) after ${reason}`,
        );
      },
    });
  }

  get limiterStats(): LimiterStats {
    const counts = this.limiter.counts();
    return {
      running: counts.running,
      queued: counts.queued,
      peakRunning: counts.peakRunning,
      attempts: counts.started,
      maxConcurrent: this.limiter.maxConcurrent,
      ratePerMinute: this.limiter.ratePerMinute,
    };
  }

  async request<T = unknown>(req: PreparedRequest): Promise<CwResponse<T>> {
    const plan = this.plan(req);
    if (this.closed) throw this.closedError(plan);
    let response: AxiosResponse;
    try {
      response = await this.http.request({
        method: plan.method,
        url: plan.url,
        headers: plan.headers,
        data: plan.data,
      });
    } catch (err) {
      throw this.toCwError(err, plan);
    }
    return this.readResponse<T>(response, plan);
  }

  pages(req: PreparedRequest, opts: PagingOptions = {}): AsyncGenerator<CwPage, void, undefined> {
    return pageThrough((pageRequest) => this.request(pageRequest), req, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.limiter.stop();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Masks the connection's secrets in any text (for callers that build their own messages). */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private plan(req: PreparedRequest): SendPlan {
    const method = req.method.toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      if (!['authorization', 'clientid'].includes(name.toLowerCase())) headers[name] = value;
    }
    const responseType = req.responseType ?? 'json';
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'accept')) {
      const json = this.settings.apiVersion
        ? `application/vnd.connectwise.com+json; version=${this.settings.apiVersion}`
        : 'application/json';
      headers.Accept = responseType === 'binary' ? `${json}, */*;q=0.8` : json;
    }
    headers.Authorization = this.authorization;
    headers.clientId = this.settings.clientId;

    let path = req.path.startsWith('/') ? req.path : `/${req.path}`;
    let query = req.query;
    let httpMethod = method;
    let body = req.body;
    let url = `${this.settings.baseUrl}${path}${buildQueryString(query)}`;
    if (method === 'GET' && url.length > MAX_URL_LENGTH && query && hasConditions(query)) {
      // ConnectWise's answer to very long conditions: the same list read as POST .../search.
      const longLength = url.length;
      const searchBody: Record<string, QueryValue> = {};
      const rest: Record<string, QueryValue> = {};
      for (const [key, value] of Object.entries(query)) {
        const bodyKey = SEARCH_BODY_KEYS[key.toLowerCase()];
        if (bodyKey) searchBody[bodyKey] = value;
        else rest[key] = value;
      }
      path = `${path.replace(/\/+$/, '')}/search`;
      query = rest;
      httpMethod = 'POST';
      body = searchBody;
      url = `${this.settings.baseUrl}${path}${buildQueryString(query)}`;
      this.log(
        'debug',
        `${method} ${req.path}: URL too long (${longLength} characters), sent as POST ${path}`,
      );
    }

    let data: unknown;
    if (body !== undefined && ['POST', 'PUT', 'PATCH'].includes(httpMethod)) {
      if (isRawBody(body)) {
        data = body;
      } else {
        data = JSON.stringify(body);
        headers['Content-Type'] = 'application/json';
      }
    }
    return {
      method: httpMethod,
      path,
      url,
      headers,
      data,
      responseType,
      operationId: req.operationId,
    };
  }

  private shouldRetry(error: AxiosError): boolean {
    if (this.closed) return false;
    const method = String(error.config?.method ?? '').toUpperCase();
    // A search is a read, whatever its method.
    const readOnly = method !== 'POST' || /\/search(\?|$)/.test(String(error.config?.url ?? ''));
    // An answer cut off mid-body is a dropped connection, whatever status its headers gave.
    const status = isCutOff(error) ? undefined : error.response?.status;
    if (status !== undefined) {
      if (status === 429) {
        const wait = parseRetryAfter(error.response?.headers['retry-after']);
        // Every request of this connection waits, not only the refused one.
        if (wait !== undefined) {
          this.limiter.pauseUntil(Date.now() + Math.min(wait, this.maxRetryDelayMs));
        }
        this.log(
          'warn',
          `ConnectWise is throttling this connection (429)` +
            (wait === undefined
              ? ''
              : `: waiting ${Math.ceil(Math.min(wait, this.maxRetryDelayMs) / 1000)} s`),
        );
        return true;
      }
      return status >= 500 && readOnly;
    }
    if (error.code === 'ERR_CANCELED') return false;
    if (error.code === 'ECONNREFUSED') return true; // nothing reached the server
    return readOnly;
  }

  private retryDelay(retryCount: number, error: AxiosError): number {
    const retryAfter = parseRetryAfter(error.response?.headers['retry-after']);
    if (retryAfter !== undefined) {
      // Honour the server's wait, spread a little so waiting requests do not return together.
      const spread = Math.random() * Math.min(250, this.retryBaseDelayMs);
      return Math.min(retryAfter, this.maxRetryDelayMs) + spread;
    }
    const backoff = Math.min(this.retryBaseDelayMs * 2 ** (retryCount - 1), this.maxRetryDelayMs);
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  private readResponse<T>(response: AxiosResponse, plan: SendPlan): CwResponse<T> {
    const headers = flattenHeaders(response.headers);
    const contentType = headers['content-type'] ?? '';
    const raw = toBuffer(response.data);
    const base = { status: response.status, headers, url: plan.url };
    if (plan.responseType === 'binary' || BINARY_CONTENT_TYPE.test(contentType)) {
      return {
        ...base,
        data: raw as T,
        contentType: contentType || undefined,
        fileName: fileNameFromDisposition(headers['content-disposition']),
      };
    }
    const text = raw.toString('utf8');
    if (text.trim() === '') return { ...base, data: null as T };
    if (looksLikeHtml(contentType, text)) {
      throw notApiError(plan.url, response.status, {
        method: plan.method,
        operationId: plan.operationId,
        responseHeaders: headers,
      });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw this.error(
        'INVALID_RESPONSE',
        plan,
        `the answer is not valid JSON (${(err as Error).message})`,
        {
          statusCode: response.status,
          responseBody: text.slice(0, 2000),
          responseHeaders: headers,
        },
      );
    }
    if (this.settings.removeNulls) data = removeNullFields(data);
    return { ...base, data: data as T };
  }

  private toCwError(err: unknown, plan: SendPlan): CwError {
    if (err instanceof CwError) return this.redacted(err);
    if (this.closed || err instanceof LimiterStoppedError) return this.closedError(plan);
    if (!axios.isAxiosError(err)) {
      return this.error('NETWORK', plan, (err as Error)?.message ?? String(err));
    }
    const attempts = 1 + Number(err.config?.['axios-retry']?.retryCount ?? 0);
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const response = err.response;
    if (response && isCutOff(err)) {
      return this.error(
        'NETWORK',
        plan,
        `the connection closed before the whole answer arrived${tries}`,
      );
    }
    if (!response) {
      if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') {
        return this.error(
          'TIMEOUT',
          plan,
          `no answer within ${this.settings.timeoutMs / 1000} s${tries}`,
        );
      }
      return this.error('NETWORK', plan, `${err.code ?? 'network error'}: ${err.message}${tries}`);
    }
    const headers = flattenHeaders(response.headers);
    const contentType = headers['content-type'] ?? '';
    const text = toBuffer(response.data).toString('utf8');
    const status = response.status;
    const statusText = response.statusText || http.STATUS_CODES[status] || '';
    if (status >= 300 && status < 400) {
      return this.redacted(
        new CwError(
          'NOT_API',
          `the site answered a redirect to ${headers['location'] ?? 'another address'}, not the API: ` +
            'check the site (cloud sites need the api- prefix)',
          {
            statusCode: status,
            url: plan.url,
            method: plan.method,
            operationId: plan.operationId,
            responseHeaders: headers,
          },
        ),
      );
    }
    if (looksLikeHtml(contentType, text) && status < 500) {
      return notApiError(plan.url, status, {
        method: plan.method,
        operationId: plan.operationId,
        responseHeaders: headers,
      });
    }
    let body: unknown = text;
    try {
      body = text.trim() === '' ? null : JSON.parse(text);
    } catch {
      // a failure answer that is not JSON keeps its text
    }
    const details: CwErrorOptions = {
      statusCode: status,
      responseBody: body,
      responseHeaders: headers,
    };
    let reason = statusText;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const cw = body as ConnectWiseErrorBody;
      const cwCode =
        typeof cw.code === 'string' ? cw.code : typeof cw.error === 'string' ? cw.error : undefined;
      const cwMessage = typeof cw.message === 'string' ? cw.message : undefined;
      details.cwCode = cwCode;
      details.cwMessage = cwMessage;
      details.errors = Array.isArray(cw.errors) ? (cw.errors as CwErrorDetail[]) : undefined;
      reason = [cwCode ?? statusText, cwMessage].filter(Boolean).join(': ');
      const fieldErrors = (details.errors ?? [])
        .map((detail) => [detail.field, detail.message].filter(Boolean).join(': '))
        .filter(Boolean);
      if (fieldErrors.length > 0) reason += ` (${fieldErrors.join('; ')})`;
    } else if (looksLikeHtml(contentType, text)) {
      reason += ' (the server answered a web page)';
    }
    return this.error('HTTP', plan, `${status} ${reason}`.trim() + tries, details);
  }

  private error(
    code: CwError['code'],
    plan: SendPlan,
    problem: string,
    details: CwErrorOptions = {},
  ): CwError {
    return this.redacted(
      new CwError(code, `${plan.method} ${plan.path} failed: ${problem}`, {
        ...details,
        method: plan.method,
        url: plan.url,
        operationId: plan.operationId,
      }),
    );
  }

  private closedError(plan: SendPlan): CwError {
    return this.error('NETWORK', plan, 'the connection was closed');
  }

  /** Rebuilds an error with every secret masked in its text, ConnectWise's echoed text included. */
  private redacted(error: CwError): CwError {
    const mask = (text: string): string => redactSecrets(text, this.secrets);
    const message = mask(error.message);
    const cwMessage = error.cwMessage === undefined ? undefined : mask(error.cwMessage);
    const responseBody = redactStrings(error.responseBody, mask);
    const errors = redactStrings(error.errors, mask) as CwErrorDetail[] | undefined;
    const unchanged =
      message === error.message &&
      cwMessage === error.cwMessage &&
      responseBody === error.responseBody &&
      errors === error.errors;
    if (unchanged) return error;
    return new CwError(error.code, message, {
      field: error.field,
      statusCode: error.statusCode,
      cwCode: error.cwCode,
      cwMessage,
      errors,
      operationId: error.operationId,
      method: error.method,
      url: error.url,
      responseBody,
      responseHeaders: error.responseHeaders,
    });
  }
}

/** Applies `mask` to every string inside a JSON value; answers the same value when nothing changed. */
function redactStrings(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => redactStrings(item, mask));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    let changed = false;
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      result[key] = redactStrings(field, mask);
      if (result[key] !== field) changed = true;
    }
    return changed ? result : value;
  }
  return value;
}

/**
 * True when the headers said success but the body never fully arrived: the only way a request
 * fails with a 2xx status, since every 2xx passes `validateStatus`.
 */
function isCutOff(error: AxiosError): boolean {
  const status = error.response?.status;
  return status !== undefined && status >= 200 && status < 300;
}

function hasConditions(query: Record<string, QueryValue>): boolean {
  return Object.keys(query).some((key) =>
    ['conditions', 'childconditions', 'customfieldconditions'].includes(key.toLowerCase()),
  );
}

function isRawBody(body: unknown): boolean {
  return (
    Buffer.isBuffer(body) ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof FormData !== 'undefined' && body instanceof FormData)
  );
}

function pathOf(url: string | undefined, baseUrl: string): string {
  const text = url ?? '';
  const relative = text.startsWith(baseUrl) ? text.slice(baseUrl.length) : text;
  return relative.split('?')[0] || '/';
}
