/**
 * The transport: one client per connection, with its own keep-alive agents, one limiter (every
 * attempt, retries included, passes through it), retries by the retry policy, and one place
 * that turns every failure into a CwError without credentials in it. It sends requests as they
 * are built: deciding what to send is the request builder's job.
 */
import * as http from 'node:http';
import * as https from 'node:https';

import axios, { type AxiosAdapter, type AxiosInstance, type AxiosResponse } from 'axios';

import { CwError } from './errors';
import type { ClientLog, ClientSettings, CwResponse, PreparedRequest } from './http-types';
import { MemberTokenCache, checkMemberIdentifier, type MemberToken } from './member-tokens';
import { pageThrough, type CwPage, type PagingOptions } from './paging';
import { LimiterStoppedError, RateLimiter } from './rate-limit';
import type { RequestGate } from './redis-coordinator';
import { connectionSecrets, redactError, redactSecrets } from './redaction';
import { readResponse } from './response-reading';
import {
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_RETRY_BASE_DELAY_MS,
  installRetryPolicy,
} from './retry-policy';
import { closedError, transportError } from './transport-errors';
import {
  connectionHeaders,
  toWireRequest,
  type ConnectionHeaders,
  type WireRequest,
} from './wire-request';

export type { CwPage, PagingOptions } from './paging';
export type { LogLevel } from './http-types';

export interface CwClientOptions {
  log?: ClientLog;
  /** First retry waits about this long, each further one twice as long (plus jitter). */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included. */
  maxRetryDelayMs?: number;
  /**
   * The limit shared with other instances (a coordinated connection): each attempt takes its
   * permit after the local limiter let it go, and a 429 pauses every instance.
   */
  gate?: RequestGate;
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

export class CwClient {
  readonly settings: ClientSettings;
  private readonly log: ClientLog;
  private readonly connectionSecrets: string[];
  /** The connection's secrets and every member token's keys, longest first. */
  private secrets: string[];
  private readonly tokenSecrets = new Map<MemberToken, string[]>();
  private readonly memberTokens: MemberTokenCache;
  private readonly ownHeaders: ConnectionHeaders;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly limiter: RateLimiter;
  private readonly http: AxiosInstance;
  private closed = false;
  private readonly stopPauses: () => void;

  constructor(settings: ClientSettings, options: CwClientOptions = {}) {
    this.settings = { ...settings, baseUrl: settings.baseUrl.replace(/\/+$/, '') };
    this.connectionSecrets = connectionSecrets(settings);
    this.secrets = this.connectionSecrets;
    const log = options.log;
    this.log = log
      ? (level, message) => log(level, redactSecrets(message, this.secrets))
      : () => undefined;
    this.ownHeaders = connectionHeaders(settings);
    this.memberTokens = new MemberTokenCache(
      (request) => this.request(request),
      (token, replaced) => this.maskToken(token, replaced),
    );

    this.httpAgent = new http.Agent({ keepAlive: true });
    this.httpsAgent = new https.Agent({ keepAlive: true });
    this.limiter = new RateLimiter({
      maxConcurrent: settings.concurrency,
      ratePerMinute: settings.ratePerMinute,
      maxWaitMs: settings.maxWaitMs,
      maxQueue: settings.maxQueue,
    });

    const httpAdapter: AxiosAdapter = axios.getAdapter('http');
    const gate = options.gate;
    const maxWaitMs = settings.maxWaitMs ?? Infinity;
    // `since`: when the attempt joined the local queue, so the shared wait counts toward maxWait.
    const send = gate
      ? async (config: Parameters<AxiosAdapter>[0], since: number) => {
          const release = await gate.acquire(since, since + maxWaitMs);
          try {
            return await httpAdapter(config);
          } finally {
            release();
          }
        }
      : (config: Parameters<AxiosAdapter>[0]) => httpAdapter(config);
    this.stopPauses = gate
      ? gate.onPause((ms) => this.limiter.pauseUntil(Date.now() + ms))
      : () => undefined;
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      timeout: settings.timeoutMs,
      maxRedirects: 0,
      responseType: 'arraybuffer',
      transformResponse: [(data: unknown) => data],
      validateStatus: (status) => status >= 200 && status < 300,
      // Every attempt, retries included, waits for the limiter; retries go ahead of new requests.
      adapter: (config) => {
        const since = Date.now();
        return this.limiter.schedule(() => send(config, since), { retry: isRetry(config) });
      },
    });
    installRetryPolicy(this.http, {
      retries: settings.retries,
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
      maxDelayMs: options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
      baseUrl: this.settings.baseUrl,
      limiter: gate
        ? {
            pauseUntil: (until) => {
              this.limiter.pauseUntil(until);
              gate.pause(until - Date.now());
            },
          }
        : this.limiter,
      log: this.log,
      isClosed: () => this.closed,
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
    if (req.actAs === undefined) return this.send<T>(req, this.ownHeaders);
    const member = this.impersonated(req.actAs);
    const { token, cached } = await this.memberTokens.tokenFor(member);
    try {
      return await this.send<T>(req, this.memberHeaders(token));
    } catch (err) {
      // A cached token ConnectWise no longer takes (revoked, clock skew): a new one, once.
      if (!cached || !(err instanceof CwError) || err.statusCode !== 401) throw err;
      this.memberTokens.forget(member, token);
      const fresh = await this.memberTokens.tokenFor(member);
      return this.send<T>(req, this.memberHeaders(fresh.token));
    }
  }

  /** The member to act as; refused when the connection does not allow impersonation. */
  private impersonated(actAs: string): string {
    const member = checkMemberIdentifier(actAs);
    if (!this.settings.allowImpersonation) {
      throw new CwError(
        'CONFIG',
        `actAs: this connection does not allow acting as a member; turn on "Allow acting as a member" (allowImpersonation) in the connection to send as "${member}"`,
        { field: 'actAs' },
      );
    }
    return member;
  }

  private memberHeaders(token: MemberToken): ConnectionHeaders {
    return connectionHeaders({
      ...this.settings,
      publicKey: token.publicKey,
      privateKey: token.privateKey,
    });
  }

  /** Adds a new token's keys to the masked secrets (and drops the token it replaces). */
  private maskToken(token: MemberToken, replaced?: MemberToken): void {
    if (replaced) this.tokenSecrets.delete(replaced);
    this.tokenSecrets.set(
      token,
      connectionSecrets({
        ...this.settings,
        publicKey: token.publicKey,
        privateKey: token.privateKey,
      }),
    );
    const all = new Set([...this.connectionSecrets, ...[...this.tokenSecrets.values()].flat()]);
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  private async send<T>(req: PreparedRequest, headers: ConnectionHeaders): Promise<CwResponse<T>> {
    const wire = toWireRequest(req, this.settings.baseUrl, headers);
    if (this.closed) throw this.redacted(closedError(wire));
    let response: AxiosResponse;
    try {
      response = await this.http.request({
        method: wire.method,
        url: wire.url,
        // axios would label a bodiless POST, PUT or PATCH as a form: no body, no content type.
        headers:
          wire.data === undefined ? { ...wire.headers, 'Content-Type': false } : wire.headers,
        data: wire.data,
      });
    } catch (err) {
      throw this.failure(err, wire);
    }
    try {
      return readResponse<T>(response, wire, this.settings.removeNulls);
    } catch (err) {
      throw this.failure(err, wire);
    }
  }

  pages(req: PreparedRequest, opts: PagingOptions = {}): AsyncGenerator<CwPage, void, undefined> {
    return pageThrough((pageRequest) => this.request(pageRequest), req, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.memberTokens.clear();
    this.stopPauses();
    this.limiter.stop();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Masks the connection's secrets in any text (for callers that build their own messages). */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private failure(err: unknown, wire: WireRequest): CwError {
    if (err instanceof CwError) return this.redacted(err);
    if (this.closed || err instanceof LimiterStoppedError) return this.redacted(closedError(wire));
    return this.redacted(transportError(err, wire, this.settings.timeoutMs));
  }

  private redacted(error: CwError): CwError {
    return redactError(error, this.secrets);
  }
}

/** True for an attempt axios-retry makes again after a failed one. */
function isRetry(config: object): boolean {
  const state = (config as { 'axios-retry'?: { retryCount?: number } })['axios-retry'];
  return (state?.retryCount ?? 0) > 0;
}
