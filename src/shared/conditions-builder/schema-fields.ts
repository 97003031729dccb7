/**
 * The fields a list's conditions can name, read from the schema of the records it answers:
 * plain properties with their types, references one level down (`board/name`,
 * `company/identifier`), the `_info` dates every record carries, the child lists
 * `childConditions` filters on, and whether the records have custom fields.
 */
import type { SchemaObject } from '../catalog-types';

export type FieldType = 'string' | 'number' | 'boolean' | 'date';

export interface BuilderField {
  /** As conditions, `fields` and `orderBy` spell it: `summary`, `board/name`, `_info/lastUpdated`. */
  path: string;
  type: FieldType;
  /** The values the document allows, for enum strings. */
  enum?: string[];
}

export interface ChildList {
  /** The list's property: `communicationItems`. */
  name: string;
  /** Its items' fields, spelled with the list's name first: `communicationItems/value`. */
  fields: BuilderField[];
}

export interface ResourceFields {
  /** The record's schema name (`Ticket`). */
  schema: string;
  fields: BuilderField[];
  childLists: ChildList[];
  /** True when the records carry `customFields` (customFieldConditions applies). */
  customFields: boolean;
}

/** What `customFieldConditions` can name on each custom field. */
export const CUSTOM_FIELD_FIELDS: readonly BuilderField[] = [
  { path: 'caption', type: 'string' },
  { path: 'value', type: 'string' },
  { path: 'id', type: 'number' },
];

/** Every record's `_info` holds these; the document types `_info` only as a string map. */
const INFO_FIELDS: readonly BuilderField[] = [
  { path: '_info/lastUpdated', type: 'date' },
  { path: '_info/dateEntered', type: 'date' },
  { path: '_info/updatedBy', type: 'string' },
  { path: '_info/enteredBy', type: 'string' },
];

/** How deep references are followed: `board/name`, not `board/location/name`. */
const REFERENCE_DEPTH = 1;

export type SchemaLookup = (name: string) => SchemaObject | undefined;

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refName(schema: SchemaObject): string | undefined {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return undefined;
  const match = /^#\/components\/schemas\/(.+)$/.exec(ref);
  return match ? match[1] : undefined;
}

/** The schema itself, or the component it refers to. */
function resolve(schema: SchemaObject, lookup: SchemaLookup): SchemaObject | undefined {
  const name = refName(schema);
  if (name === undefined) return schema;
  return lookup(name);
}

function scalarType(schema: SchemaObject): FieldType | undefined {
  const type = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((t) => t !== 'null')
    : schema.type;
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'string') {
    return schema.format === 'date-time' || schema.format === 'date' ? 'date' : 'string';
  }
  return undefined;
}

function scalarField(path: string, schema: SchemaObject): BuilderField | undefined {
  const type = scalarType(schema);
  if (!type) return undefined;
  const field: BuilderField = { path, type };
  if (type === 'string' && Array.isArray(schema.enum)) {
    field.enum = (schema.enum as unknown[]).filter((v) => typeof v === 'string') as string[];
  }
  return field;
}

function properties(schema: SchemaObject): [string, SchemaObject][] {
  const props = isObject(schema.properties) ? schema.properties : {};
  return Object.entries(props).filter((entry): entry is [string, SchemaObject] =>
    isObject(entry[1]),
  );
}

function collect(
  schema: SchemaObject,
  prefix: string,
  depth: number,
  lookup: SchemaLookup,
  out: BuilderField[],
  lists: ChildList[] | undefined,
): void {
  for (const [name, raw] of properties(schema)) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (name === '_info') {
      if (!prefix) out.push(...INFO_FIELDS);
      continue;
    }
    const target = resolve(raw, lookup);
    if (!target) continue;
    const scalar = scalarField(path, target);
    if (scalar) {
      out.push(scalar);
      continue;
    }
    if (target.type === 'array') {
      if (!lists || name === 'customFields' || !isObject(target.items)) continue;
      const item = resolve(target.items, lookup);
      if (!item || properties(item).length === 0) continue;
      const fields: BuilderField[] = [];
      collect(item, name, 0, lookup, fields, undefined);
      if (fields.length > 0) lists.push({ name, fields });
      continue;
    }
    if (depth < REFERENCE_DEPTH && properties(target).length > 0) {
      collect(target, path, depth + 1, lookup, out, undefined);
    }
  }
}

/** The fields of a list operation's records (`responseSchema` of the list). */
export function resourceFields(schemaName: string, lookup: SchemaLookup): ResourceFields {
  const schema = lookup(schemaName);
  const fields: BuilderField[] = [];
  const childLists: ChildList[] = [];
  let customFields = false;
  if (schema) {
    collect(schema, '', 0, lookup, fields, childLists);
    customFields = properties(schema).some(([name]) => name === 'customFields');
  }
  return { schema: schemaName, fields, childLists, customFields };
}

/** The fields `childConditions` can name: every child list's item fields. */
export function childListFields(resource: ResourceFields): BuilderField[] {
  return resource.childLists.flatMap((list) => list.fields);
}
