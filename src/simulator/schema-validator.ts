/**
 * The simulator's check of JSON bodies against the document's schemas, with ajv: the types the
 * document declares (a string where a string is due, an integer where an integer is), each
 * operation's validator compiled on its first request and kept.
 *
 * Deliberately only types: required fields are answered by the handlers with Manage's own
 * `NullObject` errors, and unknown fields are ignored, as Manage ignores them. Leniencies, each
 * because the real API accepts what the document's schema would refuse:
 * - `null` is accepted for every property (.NET clears a field sent as null);
 * - a bare `type: object` (how the document spells .NET's `object`, for example
 *   `PatchOperation.value`) accepts any JSON value.
 */
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';

import type { SchemaObject } from '../shared/catalog-types';
import type { ManageErrorDetail } from './manage-errors';

const ROOT_ID = 'cw-sim';
const MAX_ERRORS = 25;

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The schema keywords the simulator enforces; everything else is dropped. */
function typesOnly(node: unknown): unknown {
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') return { $ref: node.$ref };
  const copy: SchemaObject = {};
  if (node.type === 'object' && node.properties === undefined) return {};
  if (typeof node.type === 'string') copy.type = [node.type, 'null'];
  if (isObject(node.properties)) {
    copy.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, property]) => [name, nullable(property)]),
    );
  }
  if (node.items !== undefined) copy.items = typesOnly(node.items);
  return copy;
}

/** A property: its type, or null. */
function nullable(property: unknown): unknown {
  const converted = typesOnly(property);
  if (isObject(converted) && typeof converted.$ref === 'string') {
    return { if: { type: 'null' }, else: converted };
  }
  return converted;
}

/** `/customFields/0/value` -> `customFields[0].value`, the field as Manage names it. */
function fieldOf(pointer: string): string {
  let field = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) field += `[${segment}]`;
    else field += field ? `.${segment}` : segment;
  }
  return field;
}

function detailOf(error: ErrorObject, resource: string): ManageErrorDetail | undefined {
  if (error.keyword !== 'type') return undefined;
  const field = fieldOf(error.instancePath) || 'body';
  const expected = String((error.params as { type?: unknown }).type)
    .split(',')
    .filter((type) => type !== 'null')
    .join(' or ');
  return {
    code: 'InvalidField',
    message: `${field} must be ${expected}`,
    resource,
    field,
  };
}

function loadAjv(): typeof Ajv {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ajv') as typeof import('ajv')).default;
}

/** Validates bodies against one document's component schemas. */
export class SchemaValidator {
  private ajv: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: Record<string, SchemaObject>) {}

  /**
   * The type errors of `body` against the component schema `name` (or a list of it), in Manage's
   * shape; empty when the body is valid or the schema unknown.
   */
  check(name: string, array: boolean, body: unknown, resource: string): ManageErrorDetail[] {
    if (!Object.hasOwn(this.schemas, name)) return [];
    const validate = this.validatorFor(name, array);
    if (validate(body)) return [];
    const details: ManageErrorDetail[] = [];
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const detail = detailOf(error, resource);
      if (!detail || seen.has(detail.message)) continue;
      seen.add(detail.message);
      details.push(detail);
      if (details.length >= MAX_ERRORS) break;
    }
    return details;
  }

  private validatorFor(name: string, array: boolean): ValidateFunction {
    const key = `${array ? '[]' : ''}${name}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const ref = { $ref: `${ROOT_ID}#/components/schemas/${escapePointer(name)}` };
      validate = this.instance().compile(array ? { type: 'array', items: ref } : ref);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  private instance(): Ajv {
    if (this.ajv) return this.ajv;
    const AjvConstructor = loadAjv();
    this.ajv = new AjvConstructor({
      allErrors: true,
      strict: false,
      allowUnionTypes: true,
      logger: false,
      inlineRefs: false,
      messages: false,
      code: { optimize: false },
    });
    const schemas = Object.fromEntries(
      Object.entries(this.schemas).map(([name, schema]) => [name, typesOnly(schema)]),
    );
    this.ajv.addSchema({ $id: ROOT_ID, components: { schemas } });
    return this.ajv;
  }
}
