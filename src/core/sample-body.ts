/**
 * Minimal valid request bodies, built from the catalog's schemas: the starting point the editor
 * offers for a POST, PUT or PATCH. Only what the schema requires is filled in, so a sample never
 * invents data the user did not ask for.
 */
import type { OperationDetail, SchemaObject } from '../shared/catalog-types';
import { REQUIRED_ON_UPDATES, schemaNameOfRef, SERVER_ASSIGNED_FIELDS } from './schema-rules';

export type SchemaLookup = (name: string) => SchemaObject | undefined;

/** `update` (PUT) also fills the fields the document marks "Required On Updates". */
export type SampleMode = 'create' | 'update';

export interface PatchOperationSample {
  op: 'replace';
  path: string;
  value: unknown;
}

export const SAMPLE_DATE_TIME = '2025-01-01T00:00:00Z';
const SAMPLE_UUID = '00000000-0000-0000-0000-000000000000';
const SAMPLE_FILE_DESCRIPTION = '(file content: a Buffer, or text)';

const PRIMITIVE_TYPES: ReadonlySet<unknown> = new Set(['string', 'integer', 'number', 'boolean']);

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isReferenceSchema(name: string, schema: SchemaObject): boolean {
  return name.endsWith('Reference') && isObject(schema.properties) && 'id' in schema.properties;
}

function placeholderText(fieldName: string, maxLength: unknown): string {
  const limit = typeof maxLength === 'number' ? maxLength : Infinity;
  return fieldName.slice(0, limit);
}

class SampleBuilder {
  /** Component schemas being expanded, so a schema that contains itself ends the recursion. */
  private readonly expanding = new Set<string>();

  constructor(
    private readonly lookup: SchemaLookup,
    private readonly mode: SampleMode = 'create',
  ) {}

  value(schema: SchemaObject | undefined, fieldName: string): unknown {
    if (!schema) return null;
    const refName = schemaNameOfRef(schema.$ref);
    if (refName !== undefined) return this.component(refName);
    if (Array.isArray(schema.enum)) {
      const first = schema.enum.find((entry) => entry !== null);
      if (first !== undefined) return first;
    }
    switch (schema.type) {
      case 'string':
        return this.text(schema, fieldName);
      case 'integer':
      case 'number':
        return typeof schema.minimum === 'number' && schema.minimum > 0 ? schema.minimum : 0;
      case 'boolean':
        return false;
      case 'array': {
        const items = isObject(schema.items) ? schema.items : undefined;
        const hasShape = items && (items.$ref !== undefined || items.type !== undefined);
        return hasShape ? [this.value(items, fieldName)] : [];
      }
      case 'object':
        return this.object(schema);
      default:
        return isObject(schema.properties) ? this.object(schema) : null;
    }
  }

  component(name: string): unknown {
    const schema = this.lookup(name);
    if (!schema) return {};
    if (isReferenceSchema(name, schema)) return { id: 0 };
    if (this.expanding.has(name)) return {};
    this.expanding.add(name);
    try {
      return this.value(schema, name);
    } finally {
      this.expanding.delete(name);
    }
  }

  /** The object's required fields; server-assigned fields only when a schema insists. */
  object(schema: SchemaObject, everyField = false): Record<string, unknown> {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    if (this.mode === 'update') {
      for (const [name, property] of Object.entries(properties)) {
        if (isObject(property) && property[REQUIRED_ON_UPDATES] === true) required.add(name);
      }
    }
    const fields = Object.entries(properties).filter(([name, property]) =>
      required.has(name)
        ? true
        : everyField && !SERVER_ASSIGNED_FIELDS.has(name) && !isReadOnly(property),
    );
    return Object.fromEntries(
      fields.map(([name, property]) => [
        name,
        this.value(isObject(property) ? property : undefined, name),
      ]),
    );
  }

  private text(schema: SchemaObject, fieldName: string): string {
    switch (schema.format) {
      case 'date-time':
        return SAMPLE_DATE_TIME;
      case 'date':
        return SAMPLE_DATE_TIME.slice(0, 10);
      case 'uuid':
        return SAMPLE_UUID;
      case 'binary':
        return SAMPLE_FILE_DESCRIPTION;
      default:
        return placeholderText(fieldName, schema.maxLength);
    }
  }
}

function isReadOnly(schema: unknown): boolean {
  return isObject(schema) && schema.readOnly === true;
}

/** A minimal valid value of a component schema (required fields only). */
export function sampleForSchema(
  name: string,
  lookup: SchemaLookup,
  mode: SampleMode = 'create',
): unknown {
  return new SampleBuilder(lookup, mode).component(name);
}

/**
 * A JSON Patch sample for a record schema: one `replace` of a field a caller may set, preferring
 * a required plain field (`summary` for a ticket).
 */
export function samplePatch(
  recordSchemaName: string | undefined,
  lookup: SchemaLookup,
): PatchOperationSample[] {
  const schema = recordSchemaName ? lookup(recordSchemaName) : undefined;
  const properties = isObject(schema?.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  const writable = Object.entries(properties).filter(
    ([name, property]) =>
      isObject(property) && !SERVER_ASSIGNED_FIELDS.has(name) && !isReadOnly(property),
  ) as [string, SchemaObject][];
  const isPrimitive = ([, property]: [string, SchemaObject]) => PRIMITIVE_TYPES.has(property.type);
  const builder = new SampleBuilder(lookup);
  const primitive =
    writable.find((entry) => required.has(entry[0]) && isPrimitive(entry)) ??
    writable.find(isPrimitive);
  if (primitive) {
    return [
      { op: 'replace', path: primitive[0], value: builder.value(primitive[1], primitive[0]) },
    ];
  }
  const reference = writable.find(([, property]) => {
    const name = schemaNameOfRef(property.$ref);
    const target = name ? lookup(name) : undefined;
    return name !== undefined && target !== undefined && isReferenceSchema(name, target);
  });
  if (reference) return [{ op: 'replace', path: `${reference[0]}/id`, value: 0 }];
  return [{ op: 'replace', path: 'name', value: 'name' }];
}

/**
 * The sample body of an operation, or undefined when it takes none: a JSON Patch list for PATCH,
 * a one-item list for list bodies, every form field for a multipart upload.
 */
export function sampleBody(detail: OperationDetail, lookup: SchemaLookup): unknown {
  const body = detail.body;
  if (!body) return undefined;
  if (body.patch) return samplePatch(detail.responseSchema, lookup);
  const builder = new SampleBuilder(lookup, detail.method === 'put' ? 'update' : 'create');
  let item: unknown;
  if (body.multipart) {
    const schema = body.schema ? lookup(body.schema) : undefined;
    item = schema ? builder.object(schema, true) : { file: SAMPLE_FILE_DESCRIPTION };
  } else {
    item = body.schema ? builder.component(body.schema) : {};
  }
  return body.array ? [item] : item;
}
