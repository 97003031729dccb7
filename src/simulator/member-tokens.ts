/**
 * Member impersonation: `POST /system/members/{memberIdentifier}/tokens` answers a Token
 * `{publicKey, privateKey, expiration}`. Requests sent with those keys (Basic
 * `companyId+publicKey:privateKey`) act as that member until the token expires, so the records
 * they write name the member in `_info` (enteredBy, updatedBy).
 */
import { randomBytes } from 'node:crypto';

import type { SimMember } from './authentication';
import { manageTimestamp, type SimClock } from './clock';
import { notFound } from './manage-errors';
import { COLLECTIONS } from './references';
import type { MemoryStore } from './store';

export const MEMBER_TOKEN_PATTERN = /^\/system\/members\/([^/]+)\/tokens\/?$/i;

/** How long a token is valid unless the simulator is told otherwise. */
export const DEFAULT_MEMBER_TOKEN_SECONDS = 3600;

/** The answer of the tokens route (the document's `Token`). */
export interface MemberTokenAnswer {
  publicKey: string;
  privateKey: string;
  expiration: string;
}

interface IssuedToken extends SimMember {
  memberIdentifier: string;
  expiresAt: number;
}

/** What a request's keys turned out to be: a live token, or one that expired. */
export type TokenLookup = { member: SimMember } | { expired: true } | undefined;

const key = (length: number): string => randomBytes(length).toString('base64url').slice(0, length);

export class MemberTokens {
  /** By public key. */
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly answers: MemberTokenAnswer[] = [];

  constructor(
    private readonly clock: SimClock,
    private readonly lifetimeSeconds: number = DEFAULT_MEMBER_TOKEN_SECONDS,
  ) {}

  /** Issues a token of the member, who must be an active member of the store; else Manage's 404. */
  issue(store: MemoryStore, companyId: string, identifier: string): MemberTokenAnswer {
    const lower = identifier.toLowerCase();
    let found: string | undefined;
    store.scan(COLLECTIONS.members, 0, (record) => {
      if (typeof record.identifier === 'string' && record.identifier.toLowerCase() === lower) {
        if (record.inactiveFlag !== true) found = record.identifier;
        return false;
      }
      return true;
    });
    if (!found) throw notFound(`Member with identifier ${identifier} not found`);
    const expiresAt = this.clock.now().getTime() + this.lifetimeSeconds * 1000;
    const token: IssuedToken = {
      companyId,
      publicKey: key(16),
      privateKey: key(16),
      memberIdentifier: found,
      expiresAt,
    };
    this.tokens.set(token.publicKey, token);
    const answer = {
      publicKey: token.publicKey,
      privateKey: token.privateKey,
      expiration: manageTimestamp(new Date(expiresAt)),
    };
    this.answers.push(answer);
    return { ...answer };
  }

  /** Every token issued so far, oldest first (tests look for their keys where none may be). */
  issued(): MemberTokenAnswer[] {
    return this.answers.map((answer) => ({ ...answer }));
  }

  /** The member a request's keys act as, if they are a token's. */
  lookup(companyId: string, publicKey: string, privateKey: string): TokenLookup {
    const token = this.tokens.get(publicKey);
    if (!token || token.privateKey !== privateKey) return undefined;
    if (token.companyId.toLowerCase() !== companyId) return undefined;
    if (this.clock.now().getTime() >= token.expiresAt) {
      this.tokens.delete(publicKey);
      return { expired: true };
    }
    return { member: token };
  }

  /** Tokens issued and not yet found expired. */
  get size(): number {
    return this.tokens.size;
  }
}
