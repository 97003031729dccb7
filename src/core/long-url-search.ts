/**
 * ConnectWise's answer to very long conditions: a list read whose URL would be too long is sent
 * as `POST <collection>/search` with the conditions in the body, the rest of the query kept.
 */
import type { PreparedRequest, QueryValue } from './http-types';
import { isConditionParameter } from './parameter-values';
import { requestUrl } from './request-url';

/** URLs longer than this go as `POST .../search` when they carry conditions. */
export const MAX_URL_LENGTH = 2000;

/** The search body's names for the query parameters that move into it. */
const SEARCH_BODY_KEYS: Record<string, string> = {
  conditions: 'conditions',
  orderby: 'orderBy',
  childconditions: 'childconditions',
  customfieldconditions: 'customfieldconditions',
};

/**
 * `request` as it can be sent to `baseUrl`: unchanged, or, for a GET with conditions whose URL
 * would pass MAX_URL_LENGTH, the same read as `POST .../search`.
 */
export function fitToUrlLimit(request: PreparedRequest, baseUrl: string): PreparedRequest {
  const query = request.query;
  if (request.method !== 'get' || !query || !Object.keys(query).some(isConditionParameter)) {
    return request;
  }
  if (requestUrl(baseUrl, request.path, query).length <= MAX_URL_LENGTH) return request;
  const body: Record<string, QueryValue> = {};
  const rest: Record<string, QueryValue> = {};
  for (const [key, value] of Object.entries(query)) {
    const bodyKey = SEARCH_BODY_KEYS[key.toLowerCase()];
    if (bodyKey) body[bodyKey] = value;
    else rest[key] = value;
  }
  const search: PreparedRequest = {
    ...request,
    method: 'post',
    path: `${request.path.replace(/\/+$/, '')}/search`,
    body,
  };
  if (Object.keys(rest).length > 0) search.query = rest;
  else delete search.query;
  return search;
}
