/**
 * Custom fields by caption. Records carry `customFields: [{id, caption, type, entryMethod,
 * numberOfDecimals, value}]`; ConnectWise replaces the whole array on update, so changing one
 * field means writing back every entry. Here: reading the values as `{caption: value}` typed by
 * each field's type, and merging named changes into a record's current array, refusing unknown
 * captions and values of the wrong type before anything is sent.
 */
import { inputError } from './errors';

/** One entry of a record's `customFields` (the document's `CustomFieldValue`). */
export interface CustomFieldValue {
  id?: number | null;
  caption?: string;
  type?: string | null;
  entryMethod?: string | null;
  numberOfDecimals?: number | null;
  value?: unknown;
  connectWiseId?: string;
}

/** Changes by caption (or by id, as `"12"`): the value to set, or null to clear the field. */
export type CustomFieldChanges = Record<string, unknown>;

const NUMBER_TYPES = new Set(['Number', 'Currency', 'Percent']);
const TEXT_TYPES = new Set(['Text', 'TextArea', 'Hyperlink', 'IPAddress', 'Password']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record's `customFields`, or undefined when it has none. */
export function customFieldsOf(record: unknown): CustomFieldValue[] | undefined {
  if (!isPlainObject(record) || !Array.isArray(record.customFields)) return undefined;
  return (record.customFields as unknown[]).filter(isPlainObject) as CustomFieldValue[];
}

/** A field's value typed by the field's type: numbers, true/false, text; null when empty. */
export function typedValue(entry: CustomFieldValue): unknown {
  const { value } = entry;
  if (value === undefined || value === null || value === '') return null;
  if (NUMBER_TYPES.has(entry.type ?? '') && typeof value === 'string') {
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }
  if (entry.type === 'Checkbox' && typeof value === 'string') {
    if (value.toLowerCase() === 'true') return true;
    if (value.toLowerCase() === 'false') return false;
  }
  return value;
}

/** `{caption: value}` of a record, or undefined when it has no custom fields. */
export function customFieldMap(record: unknown): Record<string, unknown> | undefined {
  const fields = customFieldsOf(record);
  if (!fields) return undefined;
  const map: Record<string, unknown> = {};
  for (const entry of fields) {
    if (typeof entry.caption === 'string') map[entry.caption] = typedValue(entry);
  }
  return map;
}

/**
 * What `msg.customFields` holds for an answer: the map of a record, one map per record of a list
 * (an empty map for a record without custom fields), or undefined when nothing has any.
 */
export function customFieldMaps(
  data: unknown,
): Record<string, unknown> | Record<string, unknown>[] | undefined {
  if (Array.isArray(data)) {
    const maps = data.map((record) => customFieldMap(record));
    return maps.some((map) => map !== undefined) ? maps.map((map) => map ?? {}) : undefined;
  }
  return customFieldMap(data);
}

/** Changes as a message or a node gives them: an object of caption: value. */
export function readCustomFieldChanges(value: unknown, field: string): CustomFieldChanges {
  if (!isPlainObject(value)) {
    throw inputError(field, 'must be an object of caption: value, like {"Contract level": "Gold"}');
  }
  return value;
}

function decimalsOf(value: number): number {
  const text = String(value);
  if (/e-/i.test(text)) return Number(text.split(/e-/i)[1]);
  return text.includes('.') ? text.split('.')[1].length : 0;
}

/** The value to send for the field; an INPUT error when it does not fit the field's type. */
function checkedValue(entry: CustomFieldValue, value: unknown, field: string): unknown {
  if (value === null) return null;
  const type = entry.type ?? '';
  const fail = (problem: string): never => {
    throw inputError(field, `${problem}, got ${JSON.stringify(value)}`);
  };
  if (NUMBER_TYPES.has(type)) {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value.trim())
          : Number.NaN;
    if (!Number.isFinite(number)) return fail(`is a ${type} field and needs a number`);
    const allowed = entry.numberOfDecimals ?? undefined;
    if (allowed !== undefined && allowed !== null && decimalsOf(number) > allowed) {
      return fail(`allows ${allowed} decimal${allowed === 1 ? '' : 's'}`);
    }
    return number;
  }
  if (type === 'Checkbox') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return fail('is a Checkbox field and needs true or false');
  }
  if (type === 'Date') {
    const millis =
      value instanceof Date
        ? value.getTime()
        : typeof value === 'string' && value.trim() !== ''
          ? Date.parse(value)
          : Number.NaN;
    if (Number.isNaN(millis)) return fail('is a Date field and needs a date (2025-06-30)');
    return new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (type === 'Button') return fail('is a Button field and holds no value');
  if (TEXT_TYPES.has(type) && typeof value !== 'string') {
    return fail(`is a ${type} field and needs text`);
  }
  if (typeof value === 'object') return fail('needs a single value');
  return value;
}

function captionList(fields: readonly CustomFieldValue[]): string {
  const captions = fields.map((entry) => JSON.stringify(entry.caption ?? `#${entry.id}`));
  return captions.length > 0 ? captions.join(', ') : 'none';
}

/** The entry a key names: its caption exactly, else ignoring case, else its id (`"12"`). */
function entryFor(fields: readonly CustomFieldValue[], key: string): number {
  const exact = fields.findIndex((entry) => entry.caption === key);
  if (exact >= 0) return exact;
  const lower = key.toLowerCase();
  const loose = fields.filter((entry) => entry.caption?.toLowerCase() === lower);
  if (loose.length === 1) return fields.indexOf(loose[0]);
  if (/^\d+$/.test(key)) return fields.findIndex((entry) => entry.id === Number(key));
  return -1;
}

/**
 * The whole array to write back: the record's current entries, with only the named ones changed.
 * An unknown caption or a value of the wrong type is an INPUT error naming it (and the captions
 * the record has); `field` is where the changes came from (`msg.cw.customFields`).
 */
export function mergeCustomFields(
  current: readonly CustomFieldValue[],
  changes: CustomFieldChanges,
  field: string,
): CustomFieldValue[] {
  const merged = current.map((entry) => ({ ...entry }));
  for (const [key, value] of Object.entries(changes)) {
    const index = entryFor(current, key);
    if (index < 0) {
      throw inputError(
        field,
        `no custom field ${JSON.stringify(key)} on this record; its custom fields are ${captionList(current)}`,
      );
    }
    const entry = current[index];
    merged[index].value = checkedValue(entry, value, `${field}.${entry.caption ?? key}`);
  }
  return merged;
}
