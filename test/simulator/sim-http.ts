/** Requests to a running simulator over real HTTP, with its credentials unless told otherwise. */
import type { Simulator } from '../../src/simulator';

export interface SimAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when empty). */
  body: unknown;
}

export interface SimRequest {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no Authorization / clientId header. */
  anonymous?: boolean;
  /** Send no clientId header. */
  noClientId?: boolean;
  /** The path is relative to the site, not the API base. */
  site?: boolean;
}

export function basicAuth(companyId: string, publicKey: string, privateKey: string): string {
  return `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
}

export async function call(
  sim: Simulator,
  method: string,
  path: string,
  request: SimRequest = {},
): Promise<SimAnswer> {
  const { companyId, publicKey, privateKey, clientId } = sim.credentials;
  const headers: Record<string, string> = {};
  if (!request.anonymous) {
    headers.authorization = basicAuth(companyId, publicKey, privateKey);
    if (!request.noClientId) headers.clientId = clientId;
  }
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, request.headers);
  const url = /^https?:/.test(path) ? path : `${request.site ? sim.url : sim.baseUrl()}${path}`;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  if (text !== '' && /json/.test(response.headers.get('content-type') ?? ''))
    parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export const get = (sim: Simulator, path: string, request?: SimRequest): Promise<SimAnswer> =>
  call(sim, 'GET', path, request);

/** The URLs of a Link header by rel. */
export function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(',')) {
    const match = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part);
    if (match) out[match[2]] = match[1];
  }
  return out;
}
