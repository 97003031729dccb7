/** What a handler answers, and how an answer is written to the response. */
import type { ServerResponse } from 'node:http';

import type { ManageHttpError } from './manage-errors';
import { API_VERSION } from './site';

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** `json` holds store records (or a list of them) whose text may be reused. */
  records?: boolean;
  bytes?: Buffer;
  contentType?: string;
}

export const jsonAnswer = (
  status: number,
  json: unknown,
  headers?: Record<string, string>,
): Answer => ({ status, json, headers });

export function errorAnswer(error: ManageHttpError): Answer {
  return jsonAnswer(error.status, error.body);
}

/**
 * Serialised records, reused until the record is replaced: the store never mutates a record, so
 * its text stays valid for as long as the object lives.
 */
const recordText = new WeakMap<object, string>();

function cachedJson(record: object): string {
  let text = recordText.get(record);
  if (text === undefined) {
    text = JSON.stringify(record);
    recordText.set(record, text);
  }
  return text;
}

function jsonText(answer: Answer): string {
  const { json } = answer;
  if (!answer.records || json === null || typeof json !== 'object') return JSON.stringify(json);
  if (Array.isArray(json)) return `[${json.map((record: object) => cachedJson(record)).join(',')}]`;
  return cachedJson(json);
}

export function writeAnswer(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = {
    'api-current-version': API_VERSION,
    ...answer.headers,
  };
  let payload: Buffer | undefined;
  if (answer.bytes) {
    payload = answer.bytes;
    headers['content-type'] = answer.contentType ?? 'application/octet-stream';
  } else if (answer.json !== undefined) {
    payload = Buffer.from(jsonText(answer), 'utf8');
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  if (payload) headers['content-length'] = payload.length;
  res.writeHead(answer.status, headers);
  res.end(payload);
}
