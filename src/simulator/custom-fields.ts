/**
 * Custom fields as Manage keeps them: definitions per entity (caption, type, entry method,
 * decimals), and on every record of the entity one `customFields` entry per definition. An update
 * replaces the whole array: an entry left out of a PUT (or of a PATCH of `customFields`) loses its
 * value. A value of the wrong type for its field is refused with Manage's InvalidObject error.
 */
import { invalidObject, resourceName, type ManageErrorDetail } from './manage-errors';
import type { RecordInput } from './store';

export type CustomFieldType =
  | 'TextArea'
  | 'Button'
  | 'Currency'
  | 'Date'
  | 'Hyperlink'
  | 'IPAddress'
  | 'Checkbox'
  | 'Number'
  | 'Percent'
  | 'Text'
  | 'Password';

export type CustomFieldEntryMethod = 'Date' | 'EntryField' | 'List' | 'Option';

export interface CustomFieldDefinition {
  id: number;
  caption: string;
  type: CustomFieldType;
  entryMethod: CustomFieldEntryMethod;
  numberOfDecimals: number;
  connectWiseId: string;
}

/** One entry of a record's `customFields`, as Manage answers it. */
export interface CustomFieldEntry extends CustomFieldDefinition {
  value: unknown;
}

const definition = (
  id: number,
  caption: string,
  type: CustomFieldType,
  entryMethod: CustomFieldEntryMethod,
  numberOfDecimals = 0,
): CustomFieldDefinition => ({
  id,
  caption,
  type,
  entryMethod,
  numberOfDecimals,
  connectWiseId: `00000000-0000-4000-a000-${String(id).padStart(12, '0')}`,
});

/** The seeded instance's custom fields, by the schema of the records that carry them. */
export const CUSTOM_FIELD_DEFINITIONS: Readonly<Record<string, readonly CustomFieldDefinition[]>> =
  {
    Ticket: [
      definition(1, 'Escalated', 'Checkbox', 'EntryField'),
      definition(2, 'Root cause', 'Text', 'EntryField'),
      definition(3, 'Estimated hours', 'Number', 'EntryField', 1),
    ],
    Company: [
      definition(4, 'Contract level', 'Text', 'List'),
      definition(5, 'Seats', 'Number', 'EntryField'),
      definition(6, 'Renewal date', 'Date', 'Date'),
      definition(7, 'Managed firewall', 'Checkbox', 'EntryField'),
      definition(8, 'Monthly fee', 'Currency', 'EntryField', 2),
    ],
  };

export function customFieldDefinitions(
  schemaName: string | undefined,
): readonly CustomFieldDefinition[] | undefined {
  return schemaName === undefined ? undefined : CUSTOM_FIELD_DEFINITIONS[schemaName];
}

/** A record's full array: every definition, with the value given by caption (null otherwise). */
export function customFieldsOf(
  schemaName: string,
  values: Record<string, unknown> = {},
): CustomFieldEntry[] {
  return (CUSTOM_FIELD_DEFINITIONS[schemaName] ?? []).map((field) => ({
    ...field,
    value: values[field.caption] ?? null,
  }));
}

const NUMBER_TYPES: ReadonlySet<CustomFieldType> = new Set(['Number', 'Currency', 'Percent']);

/** The value as stored, or a problem text when it does not fit the field's type. */
function storedValue(field: CustomFieldDefinition, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') return { problem: 'must be a single value' };
  if (NUMBER_TYPES.has(field.type)) {
    const number = typeof value === 'number' ? value : Number(value);
    if (typeof value === 'boolean' || !Number.isFinite(number)) {
      return { problem: `must be a number, got ${JSON.stringify(value)}` };
    }
    return number;
  }
  if (field.type === 'Checkbox') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return { problem: `must be true or false, got ${JSON.stringify(value)}` };
  }
  if (field.type === 'Date') {
    const millis = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(millis)) return { problem: `must be a date, got ${JSON.stringify(value)}` };
    return new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return String(value);
}

function isProblem(value: unknown): value is { problem: string } {
  return typeof value === 'object' && value !== null && 'problem' in value;
}

/**
 * The `customFields` to store for a record written with `given` (the body's array, or undefined
 * when the body has none): one entry per definition, matched by id; an entry left out is cleared.
 * Undefined when the schema has no custom fields (the record is left as it is).
 */
export function replacedCustomFields(
  schemaName: string | undefined,
  given: unknown,
): CustomFieldEntry[] | undefined {
  const fields = customFieldDefinitions(schemaName);
  if (!fields || !schemaName) return undefined;
  const resource = resourceName(schemaName);
  const errors: ManageErrorDetail[] = [];
  const problem = (message: string): void => {
    errors.push({ code: 'InvalidField', message, resource, field: 'customFields' });
  };
  const byId = new Map<number, unknown>();
  if (given !== undefined && given !== null) {
    if (!Array.isArray(given)) {
      problem('customFields must be a list of {id, value}');
    } else {
      for (const entry of given as unknown[]) {
        const id = (entry as { id?: unknown } | null)?.id;
        const field = fields.find((candidate) => candidate.id === id);
        if (!field) {
          problem(`customFields: no custom field with id ${JSON.stringify(id)} on ${resource}`);
          continue;
        }
        const value = storedValue(field, (entry as { value?: unknown }).value);
        if (isProblem(value)) problem(`customFields: ${field.caption} ${value.problem}`);
        else byId.set(field.id, value);
      }
    }
  }
  if (errors.length > 0) throw invalidObject(schemaName, errors);
  return fields.map((field) => ({ ...field, value: byId.get(field.id) ?? null }));
}

/** The record with its custom fields as Manage stores them (unchanged for other schemas). */
export function withCustomFields(schemaName: string | undefined, record: RecordInput): RecordInput {
  const customFields = replacedCustomFields(schemaName, record.customFields);
  return customFields ? { ...record, customFields } : record;
}
