/**
 * Request body validation against the catalog's schemas with ajv, reporting each problem as the
 * field path and the rule in plain words (`summary: must be at most 100 characters`).
 */
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';

import type { OperationDetail, SchemaObject } from '../shared/catalog-types';
import { CwError } from './errors';
import { REQUIRED_ON_UPDATES, schemaNameOfRef } from './schema-rules';

export interface BodyProblem {
  /** Field path inside the body: `summary`, `board/id`, `[0]/summary`; `body` for the whole. */
  path: string;
  /** The rule in plain words: `must be at most 100 characters`. */
  problem: string;
  /** `path: problem`. */
  message: string;
}

/** `create` for POST (and anything else), `update` for PUT, where update-only fields are due. */
export type ValidationMode = 'create' | 'update';

const PATCH_OPS = ['add', 'replace', 'remove'] as const;
const MAX_PROBLEMS = 25;
const ROOT_IDS: Record<ValidationMode, string> = { create: 'cw-create', update: 'cw-update' };

/** .NET reference types: an optional field of these kinds accepts null (it clears the value). */
const NULLABLE_WHEN_OPTIONAL: ReadonlySet<unknown> = new Set(['string', 'array', 'object']);

const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'a date-time such as 2025-01-01T00:00:00Z',
  date: 'a date such as 2025-01-01',
  uuid: 'a UUID such as 00000000-0000-0000-0000-000000000000',
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
  email: 'an email address',
  uri: 'a URI',
};

/**
 * ajv takes about 100 ms to load: it is required on the first validation, not when the package
 * is, so that a flow that never validates a body never pays for it.
 */
function loadAjv() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    Ajv: (require('ajv') as typeof import('ajv')).default,
    addFormats: (require('ajv-formats') as typeof import('ajv-formats')).default,
    fullFormats: (require('ajv-formats/dist/formats') as typeof import('ajv-formats/dist/formats'))
      .fullFormats,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(path: string, text: string): BodyProblem {
  return { path, problem: text, message: `${path}: ${text}` };
}

/** `/customFields/0/value` -> `customFields[0]/value`; the empty path is the whole body. */
export function formatInstancePath(pointer: string, prefix = ''): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = prefix;
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path ? `/${segment}` : segment;
  }
  return path || 'body';
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Rewrites OpenAPI 3.0 schemas into plain JSON Schema for ajv. */
class AjvSchemaConverter {
  readonly formats = new Set<string>();

  constructor(private readonly mode: ValidationMode) {}

  schema(node: unknown): unknown {
    if (!isObject(node)) return node;
    const copy: SchemaObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'nullable' || key === 'description' || key === 'example') continue;
      if (key === REQUIRED_ON_UPDATES) continue;
      if (key === 'properties' && isObject(value)) continue;
      if (key === 'required') continue;
      if (key === 'format' && typeof value === 'string') this.formats.add(value);
      copy[key] = key === 'enum' ? value : this.schema(value);
    }
    if (Array.isArray(node.items)) copy.items = node.items.map((item) => this.schema(item));
    // A bare `type: object` is how the document spells .NET's `object`: any value at all.
    if (
      copy.type === 'object' &&
      node.properties === undefined &&
      node.additionalProperties === undefined
    ) {
      delete copy.type;
      return copy;
    }
    if (node.nullable === true) this.allowNull(copy);
    if (isObject(node.properties)) this.properties(node, copy);
    return copy;
  }

  private properties(node: SchemaObject, copy: SchemaObject): void {
    const properties = node.properties as SchemaObject;
    const required = new Set<string>(Array.isArray(node.required) ? node.required : []);
    if (this.mode === 'update') {
      for (const [name, property] of Object.entries(properties)) {
        if (isObject(property) && property[REQUIRED_ON_UPDATES] === true) required.add(name);
      }
    }
    copy.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => {
        const converted = this.schema(property) as SchemaObject;
        return [name, required.has(name) ? converted : this.optional(converted)];
      }),
    );
    if (required.size > 0) copy.required = [...required];
  }

  /** An optional reference-typed field may be null; value types (numbers, flags) may not. */
  private optional(schema: SchemaObject): SchemaObject {
    if (typeof schema.$ref === 'string') {
      return { if: { type: 'null' }, else: schema };
    }
    if (NULLABLE_WHEN_OPTIONAL.has(schema.type)) this.allowNull(schema);
    return schema;
  }

  private allowNull(schema: SchemaObject): void {
    if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
    else if (Array.isArray(schema.type) && !schema.type.includes('null')) {
      schema.type = [...schema.type, 'null'];
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) {
      schema.enum = [...schema.enum, null];
    }
  }
}

function describeError(error: ErrorObject, prefix: string): BodyProblem | undefined {
  const params = error.params as Record<string, unknown>;
  const at = (pointer: string) => formatInstancePath(pointer, prefix);
  switch (error.keyword) {
    case 'if':
      return undefined; // the null branch of an optional reference: its `else` error says it all
    case 'required':
      return problem(
        at(`${error.instancePath}/${escapePointer(String(params.missingProperty))}`),
        'is required',
      );
    case 'type': {
      const types = String(params.type)
        .split(',')
        .filter((type) => type !== 'null');
      return problem(at(error.instancePath), `must be ${types.join(' or ') || 'null'}`);
    }
    case 'maxLength':
      return problem(at(error.instancePath), `must be at most ${params.limit} characters`);
    case 'minLength':
      return problem(at(error.instancePath), `must be at least ${params.limit} characters`);
    case 'maximum':
      return problem(at(error.instancePath), `must be at most ${params.limit}`);
    case 'minimum':
      return problem(at(error.instancePath), `must be at least ${params.limit}`);
    case 'maxItems':
      return problem(at(error.instancePath), `must have at most ${params.limit} items`);
    case 'minItems':
      return problem(at(error.instancePath), `must have at least ${params.limit} items`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).filter((value) => value !== null);
      return problem(at(error.instancePath), `must be one of: ${allowed.join(', ')}`);
    }
    case 'format': {
      const format = String(params.format);
      return problem(at(error.instancePath), `must be ${FORMAT_WORDS[format] ?? format}`);
    }
    default:
      return problem(at(error.instancePath), error.message ?? `breaks the rule ${error.keyword}`);
  }
}

function describeErrors(errors: ErrorObject[] | null | undefined, prefix = ''): BodyProblem[] {
  const problems: BodyProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const described = describeError(error, prefix);
    if (!described || seen.has(described.message)) continue;
    seen.add(described.message);
    problems.push(described);
  }
  return problems;
}

/** Validates bodies against one catalog's schemas; each schema is compiled once, on first use. */
export class BodyValidator {
  private readonly ajvByMode = new Map<ValidationMode, Ajv>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: Record<string, SchemaObject>) {}

  /** Problems with an operation's body; an empty list means it is valid. */
  validate(detail: OperationDetail, body: unknown): BodyProblem[] {
    const spec = detail.body;
    if (!spec) return [];
    if (body === undefined || body === null) {
      return spec.required ? [problem('body', 'is required')] : [];
    }
    const problems = spec.patch
      ? this.validatePatch(body, detail.responseSchema)
      : spec.multipart
        ? this.validateForm(body, spec.schema)
        : this.validateJson(body, spec.schema, spec.array, detail.method === 'put');
    return problems.slice(0, MAX_PROBLEMS);
  }

  /** Problems with a value against a component schema (or a list of it). */
  validateSchema(
    name: string,
    value: unknown,
    options: { array?: boolean; mode?: ValidationMode } = {},
  ): BodyProblem[] {
    if (!Object.hasOwn(this.schemas, name)) return [];
    const validate = this.compiled(options.mode ?? 'create', name, options.array === true);
    return validate(value) ? [] : describeErrors(validate.errors);
  }

  private validateJson(
    body: unknown,
    schemaName: string | undefined,
    array: boolean,
    update: boolean,
  ): BodyProblem[] {
    if (!schemaName) return [];
    return this.validateSchema(schemaName, body, { array, mode: update ? 'update' : 'create' });
  }

  private validateForm(body: unknown, schemaName: string | undefined): BodyProblem[] {
    if (!isObject(body) || Buffer.isBuffer(body)) {
      return [problem('body', 'must be an object of form fields')];
    }
    if (!schemaName) return [];
    // The file part is bytes (a Buffer or a stream), which JSON Schema cannot describe.
    const fields = Object.fromEntries(
      Object.entries(body).filter(([, value]) => typeof value !== 'object' || value === null),
    );
    return this.validateSchema(schemaName, fields);
  }

  private validatePatch(body: unknown, recordSchema: string | undefined): BodyProblem[] {
    if (!Array.isArray(body)) {
      return [problem('body', 'must be an array of {op, path, value}')];
    }
    if (body.length === 0) return [problem('body', 'must contain at least one operation')];
    const problems: BodyProblem[] = [];
    body.forEach((operation: unknown, index) => {
      const at = `[${index}]`;
      if (!isObject(operation)) {
        problems.push(problem(at, 'must be an object with op, path and value'));
        return;
      }
      const { op, path, value } = operation;
      if (op === undefined) problems.push(problem(`${at}/op`, 'is required'));
      else if (!PATCH_OPS.includes(op as (typeof PATCH_OPS)[number])) {
        problems.push(problem(`${at}/op`, `must be one of: ${PATCH_OPS.join(', ')}`));
      }
      if (path === undefined || path === '') {
        problems.push(problem(`${at}/path`, 'is required'));
      } else if (typeof path !== 'string') {
        problems.push(problem(`${at}/path`, 'must be string'));
      } else if (recordSchema) {
        problems.push(...this.checkPatchTarget(at, path, value, op, recordSchema));
      }
      if (op !== 'remove' && !('value' in operation)) {
        problems.push(problem(`${at}/value`, 'is required'));
      }
    });
    return problems;
  }

  /** Checks that a patch path names a field of the record, and its value against that field. */
  private checkPatchTarget(
    at: string,
    path: string,
    value: unknown,
    op: unknown,
    recordSchema: string,
  ): BodyProblem[] {
    const target = this.resolveFieldPath(recordSchema, path.replace(/^\//, '').split('/'));
    if (target.kind === 'unknown-field') {
      const hint = target.suggestion ? ` (did you mean "${target.suggestion}"?)` : '';
      return [
        problem(
          `${at}/path`,
          `"${target.field}" is not a field of ${target.schemaName}${hint} (paths are case-sensitive)`,
        ),
      ];
    }
    if (target.kind !== 'field') return [];
    if (target.readOnly) return [problem(`${at}/path`, `${path} is read-only`)];
    if (op === 'remove' || value === undefined) return [];
    const validate = this.ajv('create').getSchema(`${ROOT_IDS.create}#${target.pointer}`);
    if (!validate || validate(value)) return [];
    return describeErrors(validate.errors, `${at}/value`);
  }

  private resolveFieldPath(
    schemaName: string,
    segments: string[],
  ):
    | { kind: 'field'; pointer: string; readOnly?: boolean }
    | { kind: 'unknown-field'; field: string; schemaName: string; suggestion?: string }
    | { kind: 'unresolved' } {
    let name = schemaName;
    let schema = this.schemas[name];
    let pointer = `/components/schemas/${escapePointer(name)}`;
    for (const segment of segments) {
      const refName = schemaNameOfRef(schema?.$ref);
      if (refName !== undefined && Object.hasOwn(this.schemas, refName)) {
        name = refName;
        schema = this.schemas[name];
        pointer = `/components/schemas/${escapePointer(name)}`;
      }
      if (!isObject(schema)) return { kind: 'unresolved' };
      if (schema.type === 'array' && /^(\d+|-)$/.test(segment) && isObject(schema.items)) {
        schema = schema.items;
        pointer += '/items';
        continue;
      }
      const properties = isObject(schema.properties) ? schema.properties : undefined;
      if (!properties) return { kind: 'unresolved' };
      if (!Object.hasOwn(properties, segment)) {
        const suggestion = Object.keys(properties).find(
          (key) => key.toLowerCase() === segment.toLowerCase(),
        );
        return { kind: 'unknown-field', field: segment, schemaName: name, suggestion };
      }
      const property = properties[segment];
      schema = isObject(property) ? property : {};
      pointer += `/properties/${escapePointer(segment)}`;
      if (schema.readOnly === true) return { kind: 'field', pointer, readOnly: true };
    }
    return { kind: 'field', pointer };
  }

  private compiled(mode: ValidationMode, name: string, array: boolean): ValidateFunction {
    const key = `${mode}|${array ? '[]' : ''}${name}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const ref = { $ref: `${ROOT_IDS[mode]}#/components/schemas/${escapePointer(name)}` };
      validate = this.ajv(mode).compile(array ? { type: 'array', items: ref } : ref);
      this.validators.set(key, validate);
    }
    return validate;
  }

  private ajv(mode: ValidationMode): Ajv {
    let ajv = this.ajvByMode.get(mode);
    if (ajv) return ajv;
    const converter = new AjvSchemaConverter(mode);
    const schemas = Object.fromEntries(
      Object.entries(this.schemas).map(([name, schema]) => [name, converter.schema(schema)]),
    );
    const { Ajv: AjvConstructor, addFormats, fullFormats } = loadAjv();
    // Messages are written here from the error parameters; unoptimized code compiles faster.
    ajv = new AjvConstructor({
      allErrors: true,
      strict: false,
      allowUnionTypes: true,
      logger: false,
      inlineRefs: false,
      messages: false,
      code: { optimize: false },
    });
    addFormats(ajv);
    // The API accepts local times as well as zoned ones.
    ajv.addFormat('date-time', fullFormats['iso-date-time']);
    for (const format of converter.formats) {
      if (!ajv.formats[format]) ajv.addFormat(format, true);
    }
    ajv.addSchema({ $id: ROOT_IDS[mode], components: { schemas } });
    this.ajvByMode.set(mode, ajv);
    return ajv;
  }
}

/** One INPUT error listing a body's problems (the first one's path names the field). */
export function bodyProblemsError(problems: BodyProblem[], operationId?: string): CwError {
  const first = problems[0];
  const field = !first || first.path === 'body' ? 'body' : `body.${first.path}`;
  const list = problems.map((entry) => entry.message).join('; ');
  return new CwError('INPUT', `body: ${list}`, { field, operationId });
}
