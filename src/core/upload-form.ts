/**
 * The multipart/form-data body of an upload (`POST /system/documents`, `DocumentFormData`), built
 * with Node's own FormData and Blob: the file part from a Buffer, bytes or a readable stream, the
 * other parts from the body's fields. The transport (axios) writes a FormData with its boundary.
 */
import * as path from 'node:path';
import type { Readable } from 'node:stream';

import type { OperationDetail } from '../shared/catalog-types';
import { inputError } from './errors';

/** The file part's name in `DocumentFormData`. */
export const FILE_FIELD = 'file';
const DEFAULT_FILE_NAME = 'upload.bin';
const DEFAULT_FILE_TYPE = 'application/octet-stream';

/** The file as a message may describe it: `{data, filename, contentType}` around the bytes. */
export interface UploadFile {
  data: unknown;
  filename?: string;
  contentType?: string;
}

export interface UploadDefaults {
  /** File name when the body names none (Node-RED's `msg.filename`, a path or a name). */
  fileName?: unknown;
  /** Content type when the body names none (`msg.contentType`). */
  contentType?: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBytes(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

function isStream(value: unknown): value is Readable {
  return (
    isPlainObjectLike(value) &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

function isPlainObjectLike(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** True when `value` is file content the form can carry. */
export function isFileContent(value: unknown): boolean {
  return isBytes(value) || isStream(value) || value instanceof Blob;
}

async function readStream(stream: Readable, field: string, operationId: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array),
      );
    }
  } catch (err) {
    throw inputError(field, `the file stream failed: ${(err as Error).message}`, operationId);
  }
  return Buffer.concat(chunks);
}

async function fileBlob(
  content: unknown,
  type: string,
  field: string,
  operationId: string,
): Promise<Blob> {
  if (content instanceof Blob)
    return type && !content.type ? content.slice(0, content.size, type) : content;
  if (isStream(content))
    return new Blob([Uint8Array.from(await readStream(content, field, operationId))], { type });
  if (content instanceof ArrayBuffer) return new Blob([content], { type });
  const bytes = content as Uint8Array;
  // A copy: the Blob must not see later changes to a Buffer that the flow still holds.
  return new Blob([Uint8Array.from(bytes)], { type });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function fieldText(name: string, value: unknown, field: string, operationId: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw inputError(
    `${field}.${name}`,
    'must be text, a number or true/false (a form field)',
    operationId,
  );
}

/**
 * The form for a multipart operation. `body` is the file itself (bytes or a stream), or an object
 * of form fields whose `file` is the file (bytes, a stream, or `{data, filename, contentType}`).
 * `field` names the body's source in errors.
 */
export async function uploadForm(
  op: OperationDetail,
  body: unknown,
  field: string,
  defaults: UploadDefaults = {},
): Promise<FormData> {
  const fields: Record<string, unknown> = isFileContent(body)
    ? { [FILE_FIELD]: body }
    : isPlainObject(body)
      ? body
      : {};
  if (!isFileContent(body) && !isPlainObject(body)) {
    throw inputError(
      field,
      'must be the file (a Buffer or a stream) or an object of form fields with the file in "file"',
      op.operationId,
    );
  }
  const form = new FormData();
  let file: UploadFile | undefined;
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (name === FILE_FIELD) {
      if (isFileContent(value)) file = { data: value };
      else if (isPlainObject(value) && isFileContent(value.data))
        file = value as unknown as UploadFile;
      else {
        throw inputError(
          `${field}.${FILE_FIELD}`,
          'must be the file: a Buffer, a stream, or {data, filename, contentType}',
          op.operationId,
        );
      }
      continue;
    }
    form.append(name, fieldText(name, value, field, op.operationId));
  }
  if (!file) {
    throw inputError(
      `${field}.${FILE_FIELD}`,
      'is required: the file to upload (a Buffer or a stream)',
      op.operationId,
    );
  }
  const fileName = path.basename(
    text(file.filename) ?? text(defaults.fileName) ?? DEFAULT_FILE_NAME,
  );
  const type = text(file.contentType) ?? text(defaults.contentType) ?? DEFAULT_FILE_TYPE;
  form.append(
    FILE_FIELD,
    await fileBlob(file.data, type, `${field}.${FILE_FIELD}`, op.operationId),
    fileName,
  );
  return form;
}
