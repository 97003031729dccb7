/**
 * Turns the published component schemas into schemas a validator can enforce: the document states
 * string limits and update-only requirements as description text, so they are lifted into
 * keywords here.
 */
import type { SchemaObject } from '../shared/catalog-types';

/** Marks a property the API needs on updates (PUT) but not on create. */
export const REQUIRED_ON_UPDATES = 'x-requiredOnUpdates';

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

/** Fields the server assigns: left out of sample bodies unless a schema requires them. */
export const SERVER_ASSIGNED_FIELDS: ReadonlySet<string> = new Set(['id', '_info']);

const MAX_LENGTH_RULE = /\s*Max length:\s*(\d+)\s*;?/i;
const REQUIRED_ON_UPDATES_RULE = /\s*Required On Updates\s*;?/i;

/** The component name a `$ref` points at, or undefined for any other reference. */
export function schemaNameOfRef(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || !ref.startsWith(SCHEMA_REF_PREFIX)) return undefined;
  return ref.slice(SCHEMA_REF_PREFIX.length);
}

function isPlainObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lifts the rules written in a description into keywords; keeps the rest of the text. */
function liftDescriptionRules(schema: SchemaObject): void {
  const description = schema.description;
  if (typeof description !== 'string') return;
  let rest = description;
  const maxLength = MAX_LENGTH_RULE.exec(rest);
  if (maxLength) {
    if (schema.maxLength === undefined) schema.maxLength = Number(maxLength[1]);
    rest = rest.replace(MAX_LENGTH_RULE, ' ');
  }
  if (REQUIRED_ON_UPDATES_RULE.test(rest)) {
    schema[REQUIRED_ON_UPDATES] = true;
    rest = rest.replace(REQUIRED_ON_UPDATES_RULE, ' ');
  }
  rest = rest.replace(/\s+/g, ' ').trim();
  if (rest) schema.description = rest;
  else delete schema.description;
}

function normalizeNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeNode);
  if (!isPlainObject(node)) return node;
  // Built with fromEntries so that a field named `__proto__` stays an ordinary key.
  const copy: SchemaObject = Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key === 'properties' && isPlainObject(value)) {
        return [
          key,
          Object.fromEntries(
            Object.entries(value).map(([name, property]) => [name, normalizeNode(property)]),
          ),
        ];
      }
      if (key === 'enum' || key === 'required' || key === 'example') {
        return [key, Array.isArray(value) ? [...value] : value];
      }
      return [key, normalizeNode(value)];
    }),
  );
  liftDescriptionRules(copy);
  return copy;
}

/**
 * One component schema, normalized: `Max length` and `Required On Updates` become keywords,
 * `_info` (and `id`, where the schema does not ask for it) are marked read-only.
 */
export function normalizeSchema(name: string, schema: SchemaObject): SchemaObject {
  const normalized = normalizeNode(schema) as SchemaObject;
  const properties = normalized.properties;
  if (isPlainObject(properties)) {
    const required = Array.isArray(normalized.required) ? normalized.required : [];
    const isReference = name.endsWith('Reference');
    for (const field of SERVER_ASSIGNED_FIELDS) {
      const property = properties[field];
      if (!isPlainObject(property) || required.includes(field)) continue;
      if (property[REQUIRED_ON_UPDATES] === true) continue;
      // A reference's id is the one field a caller sets.
      if (field === 'id' && isReference) continue;
      property.readOnly = true;
    }
  }
  return normalized;
}

/** All component schemas, normalized. */
export function normalizeSchemas(
  schemas: Record<string, SchemaObject> | undefined,
): Record<string, SchemaObject> {
  return Object.fromEntries(
    Object.entries(schemas ?? {}).map(([name, schema]) => [
      name,
      isPlainObject(schema) ? normalizeSchema(name, schema) : {},
    ]),
  );
}
