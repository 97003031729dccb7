/**
 * Defence in depth: whatever text the client produces (error messages, log lines) passes through
 * here, so a secret that slipped into it by any route is masked before anyone sees it.
 */

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not masked: replacing every `a` or `12` in a message would make it
 * unreadable while protecting nothing real (API keys are 16 characters and more).
 */
export const MIN_SECRET_LENGTH = 4;

/** Every spelling of a secret that could reach text: as is, URL-encoded and JSON-escaped. */
function spellings(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...forms];
}

/** Replaces every occurrence of each secret in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of spellings(secret)) {
      if (result.includes(form)) result = result.split(form).join(REDACTED);
    }
  }
  return result;
}

/** The secrets of one connection, including the Basic credentials in the form sent on the wire. */
export function connectionSecrets(credentials: {
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}): string[] {
  const user = `${credentials.companyId}+${credentials.publicKey}`;
  const basic = Buffer.from(`${user}:${credentials.privateKey}`).toString('base64');
  // Longest first, so a secret that contains another is masked whole.
  return [basic, credentials.privateKey, credentials.publicKey, credentials.clientId]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length);
}
