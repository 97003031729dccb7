/** Who may call the simulator: Basic `companyId+publicKey:privateKey` and a `clientId` header. */
import type { IncomingMessage } from 'node:http';

import { unauthorized } from './manage-errors';
import type { MemberTokens } from './member-tokens';
import { DEFAULT_ACTOR } from './store';

export interface SimMember {
  companyId: string;
  publicKey: string;
  privateKey: string;
  /** Written to `_info.enteredBy` / `updatedBy` of the records this member changes. */
  memberIdentifier?: string;
}

/** Handed out with the simulator's credentials; any non-empty clientId is accepted. */
export const DEFAULT_CLIENT_ID = '00000000-0000-4000-8000-000000000000';

export const DEFAULT_MEMBER: SimMember = {
  companyId: 'msp',
  publicKey: 'simPublicKey',
  privateKey: 'simPrivateKey',
};

/**
 * The member the request's credentials name (an API member's keys, or a member token's); a 401
 * ManageHttpError otherwise.
 */
export function authenticate(
  members: SimMember[],
  headers: IncomingMessage['headers'],
  tokens?: MemberTokens,
): SimMember {
  const header = headers.authorization;
  if (!header || !/^basic\s+/i.test(header)) {
    throw unauthorized(
      'Authorization header is required: Basic base64("companyId+publicKey:privateKey")',
    );
  }
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const plus = user.indexOf('+');
  if (plus < 0) {
    throw unauthorized('Invalid credentials: the user name must be "companyId+publicKey"');
  }
  const companyId = user.slice(0, plus).toLowerCase();
  const publicKey = user.slice(plus + 1);
  let member = members.find(
    (candidate) =>
      candidate.companyId.toLowerCase() === companyId &&
      candidate.publicKey === publicKey &&
      candidate.privateKey === password,
  );
  if (!member && tokens) {
    const token = tokens.lookup(companyId, publicKey, password);
    if (token && 'expired' in token) {
      throw unauthorized('Invalid credentials: the member token has expired');
    }
    member = token?.member;
  }
  if (!member) {
    throw unauthorized('Invalid credentials: check the company id, public key and private key');
  }
  const clientId = headers.clientid;
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    throw unauthorized(
      "clientId header is required: every request must carry the integration's client id (developer.connectwise.com)",
    );
  }
  return member;
}

/** Who `_info.enteredBy` / `updatedBy` name for the member's changes. */
export function actorOf(member: SimMember): string {
  return member.memberIdentifier ?? DEFAULT_ACTOR;
}
