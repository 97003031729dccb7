/**
 * Defence in depth: whatever text the client produces (error messages, log lines) passes through
 * here, so a secret that slipped into it by any route is masked before anyone sees it.
 */
import { CwError, type CwErrorDetail } from './errors';

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

/** `error` with every secret masked in its text, ConnectWise's echoed text included. */
export function redactError(error: CwError, secrets: readonly (string | undefined)[]): CwError {
  const mask = (text: string): string => redactSecrets(text, secrets);
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
