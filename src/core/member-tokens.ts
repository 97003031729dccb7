/**
 * Member impersonation tokens, one cache per connection: `POST /system/members/{member}/tokens`
 * answers `{publicKey, privateKey, expiration}`, and requests sent with those keys act as the
 * member. A token is kept until shortly before it expires (MEMBER_TOKEN_RENEW_MARGIN_MS), asked
 * for once however many messages want it at the same time, and never shown: its keys are
 * secrets the client masks in every text it produces.
 */
import { MEMBER_TOKEN_RENEW_MARGIN_MS } from '../shared/limits';
import { CwError, inputError } from './errors';
import type { CwResponse, PreparedRequest } from './http-types';

export const MEMBER_TOKEN_OPERATION = 'postSystemMembersByMemberIdentifierTokens';

export interface MemberToken {
  publicKey: string;
  privateKey: string;
  /** Epoch milliseconds; NaN when the answer named no readable expiration. */
  expiresAt: number;
}

export type SendRequest = (request: PreparedRequest) => Promise<CwResponse>;

/** A member identifier as ConnectWise takes it in a path: `jsmith`. */
export function checkMemberIdentifier(member: unknown, field = 'actAs'): string {
  if (typeof member !== 'string' || member.trim() === '') {
    throw inputError(field, 'must be a member identifier, like "jsmith"');
  }
  const identifier = member.trim();
  if (/[/\\?#%\s]/.test(identifier)) {
    throw inputError(field, `${JSON.stringify(identifier)} is not a member identifier`);
  }
  return identifier;
}

function tokenOf(data: unknown, member: string): MemberToken {
  const token = (data ?? {}) as { publicKey?: unknown; privateKey?: unknown; expiration?: unknown };
  if (typeof token.publicKey !== 'string' || typeof token.privateKey !== 'string') {
    throw new CwError(
      'INVALID_RESPONSE',
      `actAs: the token answer for member "${member}" has no publicKey and privateKey`,
      { field: 'actAs', operationId: MEMBER_TOKEN_OPERATION },
    );
  }
  const expiresAt = typeof token.expiration === 'string' ? Date.parse(token.expiration) : NaN;
  return { publicKey: token.publicKey, privateKey: token.privateKey, expiresAt };
}

/** The failure of a token request, said as what it means for `actAs`. */
function tokenFailure(err: unknown, member: string): unknown {
  if (!(err instanceof CwError)) return err;
  if (err.code === 'HTTP' && (err.statusCode === 404 || err.statusCode === 400)) {
    return new CwError(
      'INPUT',
      `actAs: ConnectWise has no member "${member}" to act as (${err.statusCode}${err.cwMessage ? `: ${err.cwMessage}` : ''})`,
      { field: 'actAs', statusCode: err.statusCode, cwCode: err.cwCode, cwMessage: err.cwMessage },
    );
  }
  return new CwError(err.code, `actAs: no token for member "${member}": ${err.message}`, {
    field: 'actAs',
    statusCode: err.statusCode,
    cwCode: err.cwCode,
    cwMessage: err.cwMessage,
    errors: err.errors,
    method: err.method,
    url: err.url,
    operationId: MEMBER_TOKEN_OPERATION,
  });
}

export class MemberTokenCache {
  private readonly tokens = new Map<string, MemberToken>();
  private readonly pending = new Map<string, Promise<MemberToken>>();

  constructor(
    /** Sends with the connection's own keys. */
    private readonly send: SendRequest,
    /** Told of every token's keys, so they are masked wherever text is produced. */
    private readonly onToken: (token: MemberToken, replaced?: MemberToken) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token of the member valid for a while yet: cached, or asked for now. */
  async tokenFor(member: string): Promise<{ token: MemberToken; cached: boolean }> {
    const key = member.toLowerCase();
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.expiresAt - MEMBER_TOKEN_RENEW_MARGIN_MS) {
      return { token: cached, cached: true };
    }
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(member, key).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return { token: await pending, cached: false };
  }

  /** Drops the member's token (ConnectWise refused it before its time). */
  forget(member: string, token: MemberToken): void {
    const key = member.toLowerCase();
    if (this.tokens.get(key) === token) this.tokens.delete(key);
  }

  clear(): void {
    this.tokens.clear();
  }

  private async fetch(member: string, key: string): Promise<MemberToken> {
    let response: CwResponse;
    try {
      response = await this.send({
        method: 'post',
        path: `/system/members/${encodeURIComponent(member)}/tokens`,
        responseType: 'json',
        operationId: MEMBER_TOKEN_OPERATION,
      });
    } catch (err) {
      throw tokenFailure(err, member);
    }
    const token = tokenOf(response.data, member);
    const replaced = this.tokens.get(key);
    this.onToken(token, replaced);
    this.tokens.set(key, token);
    return token;
  }
}
