/**
 * Keeping one `/system/callbacks` record per endpoint. Manage refuses a second identical record
 * (400 ObjectExists), and a redeployed node must not leave the previous one behind, so the
 * records already pointing at the endpoint's URL are looked up first: an identical one is reused,
 * a different one is brought up to date, extra ones are deleted.
 */
import { MAX_PAGE_SIZE } from '../shared/limits';
import { isCwError } from './errors';
import type { CwResponse, PreparedRequest } from './http-types';

export const CALLBACKS_PATH = '/system/callbacks';

export interface CallbackSpec {
  url: string;
  type: string;
  level: string;
  objectId: number;
  description: string;
}

export interface CallbackRecord {
  id: number;
  url: string;
  type: string;
  level: string;
  objectId: number | null;
  description?: string;
  inactiveFlag?: boolean | null;
  [key: string]: unknown;
}

export interface CallbackRequestSender {
  request<T = unknown>(req: PreparedRequest): Promise<CwResponse<T>>;
}

export type RegistrationOutcome = 'created' | 'reused' | 'updated';

export interface Registration {
  record: CallbackRecord;
  outcome: RegistrationOutcome;
  /** Ids of other records for the same URL that were deleted. */
  removed: number[];
}

const same = (a: unknown, b: unknown): boolean =>
  String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();

/** Same endpoint and same watch: what Manage calls an existing object. */
export function isSameCallback(record: CallbackRecord, spec: CallbackSpec): boolean {
  return (
    same(record.url, spec.url) &&
    same(record.type, spec.type) &&
    same(record.level, spec.level) &&
    Number(record.objectId) === spec.objectId
  );
}

function isObjectExists(err: unknown): boolean {
  if (!isCwError(err) || err.statusCode !== 400) return false;
  return err.cwCode === 'ObjectExists' || (err.errors ?? []).some((e) => e.code === 'ObjectExists');
}

function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

async function listCallbacks(
  client: CallbackRequestSender,
  conditions: string,
): Promise<CallbackRecord[]> {
  const response = await client.request<CallbackRecord[]>({
    method: 'get',
    path: CALLBACKS_PATH,
    query: { conditions, pageSize: MAX_PAGE_SIZE },
  });
  return Array.isArray(response.data) ? response.data : [];
}

/** The records whose URL is `url` (Manage compares without case; so does this). */
export async function callbacksForUrl(
  client: CallbackRequestSender,
  url: string,
): Promise<CallbackRecord[]> {
  const records = await listCallbacks(client, `url=${quoted(url)}`);
  return records.filter((record) => same(record.url, url));
}

async function deleteIgnoringMissing(client: CallbackRequestSender, id: number): Promise<void> {
  try {
    await client.request({ method: 'delete', path: `${CALLBACKS_PATH}/${id}` });
  } catch (err) {
    if (isCwError(err) && err.statusCode === 404) return;
    throw err;
  }
}

function body(spec: CallbackSpec): Record<string, unknown> {
  return {
    url: spec.url,
    type: spec.type,
    level: spec.level,
    objectId: spec.objectId,
    description: spec.description,
    inactiveFlag: false,
  };
}

/** Registers `spec`, reusing or updating a record for the same URL; never leaves duplicates. */
export async function ensureCallbackRegistration(
  client: CallbackRequestSender,
  spec: CallbackSpec,
): Promise<Registration> {
  const existing = await callbacksForUrl(client, spec.url);
  const keep = existing.find((record) => isSameCallback(record, spec)) ?? existing[0];
  const removed: number[] = [];
  for (const record of existing) {
    if (record === keep) continue;
    await deleteIgnoringMissing(client, record.id);
    removed.push(record.id);
  }
  if (keep) {
    const identical = isSameCallback(keep, spec);
    if (identical && keep.inactiveFlag !== true && same(keep.description, spec.description)) {
      return { record: keep, outcome: 'reused', removed };
    }
    const response = await client.request<CallbackRecord>({
      method: 'put',
      path: `${CALLBACKS_PATH}/${keep.id}`,
      body: { ...keep, ...body(spec), id: keep.id },
    });
    return { record: response.data, outcome: identical ? 'reused' : 'updated', removed };
  }
  try {
    const response = await client.request<CallbackRecord>({
      method: 'post',
      path: CALLBACKS_PATH,
      body: body(spec),
    });
    return { record: response.data, outcome: 'created', removed };
  } catch (err) {
    if (!isObjectExists(err)) throw err;
    // Created meanwhile (another instance, or a URL Manage matched differently): use that one.
    const candidates = await listCallbacks(
      client,
      `type=${quoted(spec.type)} and level=${quoted(spec.level)} and objectId=${spec.objectId}`,
    );
    const match = candidates.find((record) => isSameCallback(record, spec));
    if (!match) throw err;
    return { record: match, outcome: 'reused', removed };
  }
}

/** Deletes the record; one already gone counts as deleted. */
export function removeCallbackRegistration(
  client: CallbackRequestSender,
  id: number,
): Promise<void> {
  return deleteIgnoringMissing(client, id);
}

/** The record as it is now, or undefined when it was deleted. */
export async function readCallbackRegistration(
  client: CallbackRequestSender,
  id: number,
): Promise<CallbackRecord | undefined> {
  try {
    const response = await client.request<CallbackRecord>({
      method: 'get',
      path: `${CALLBACKS_PATH}/${id}`,
    });
    return response.data;
  } catch (err) {
    if (isCwError(err) && err.statusCode === 404) return undefined;
    throw err;
  }
}
