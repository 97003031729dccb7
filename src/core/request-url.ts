/** How a request's URL is spelled: the base, the path, and the query encoded for ConnectWise. */
import type { QueryValue } from './http-types';

/** Percent-encodes everything but unreserved characters (ConnectWise chokes on raw `'`, `*`). */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `?a=1&b=2`, or '' when no value is set. */
export function buildQueryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${encodeQueryComponent(key)}=${encodeQueryComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** The full URL of `path` (relative to the API base) with its query. */
export function requestUrl(
  baseUrl: string,
  path: string,
  query: Record<string, QueryValue> | undefined,
): string {
  const base = baseUrl.replace(/\/+$/, '');
  const relative = path.startsWith('/') ? path : `/${path}`;
  return `${base}${relative}${buildQueryString(query)}`;
}
