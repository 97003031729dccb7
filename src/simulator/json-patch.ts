/**
 * PATCH bodies: a JSON Patch list (`[{"op":"replace","path":"status/id","value":5}]`), paths
 * with or without the leading slash, names case-sensitive and checked against the record's
 * schema as Manage does.
 */
import { fieldKey } from './field-paths';
import { invalidObject, badRequest, resourceName, type ManageErrorDetail } from './manage-errors';
import type { SchemaMap } from './routes';
import type { RecordInput, SimRecord } from './store';

type SchemaObject = { [key: string]: unknown };

const SUPPORTED_OPS = new Set(['replace', 'add', 'remove']);

function resolveSchema(schema: unknown, schemas: SchemaMap): SchemaObject | undefined {
  let current = schema as SchemaObject | undefined;
  for (let depth = 0; depth < 8 && current; depth++) {
    const ref = current.$ref;
    if (typeof ref === 'string') {
      current = schemas[ref.replace(/^#\/components\/schemas\//, '')];
      continue;
    }
    if (current.type === 'array' && current.items) {
      current = current.items as SchemaObject;
      continue;
    }
    return current;
  }
  return current;
}

/** Checks each segment against the schema's property names; answers a problem or undefined. */
function checkPathAgainstSchema(
  segments: string[],
  schemaName: string,
  schemas: SchemaMap,
): string | undefined {
  let schema = resolveSchema({ $ref: `#/components/schemas/${schemaName}` }, schemas);
  for (let i = 0; i < segments.length; i++) {
    const properties = schema?.properties as { [name: string]: unknown } | undefined;
    if (!properties || /^\d+$/.test(segments[i])) return undefined;
    if (!(segments[i] in properties)) {
      const near = fieldKey(properties, segments[i]);
      const shown = segments.slice(0, i + 1).join('/');
      const hint = near
        ? ` (names are case-sensitive: did you mean "${[...segments.slice(0, i), near].join('/')}"?)`
        : '';
      return `path "${shown}" is not a field of ${resourceName(schemaName)}${hint}`;
    }
    schema = resolveSchema(properties[segments[i]], schemas);
  }
  return undefined;
}

function fail(schemaName: string | undefined, detail: ManageErrorDetail): never {
  if (schemaName) throw invalidObject(schemaName, [detail]);
  throw badRequest(detail.message, [detail]);
}

/** Applies the patch to a deep copy of the record and answers the copy. */
export function applyJsonPatch(
  record: SimRecord,
  operations: unknown,
  schemaName: string | undefined,
  schemas: SchemaMap,
): RecordInput {
  const resource = schemaName ? resourceName(schemaName) : undefined;
  if (!Array.isArray(operations) || operations.length === 0) {
    fail(schemaName, {
      code: 'InvalidObject',
      message:
        'PATCH body must be a non-empty list of operations: [{"op":"replace","path":"name","value":"x"}]',
      resource,
    });
  }
  const patched = structuredClone(record) as RecordInput;
  (operations as unknown[]).forEach((entry, index) => {
    const where = `operation ${index + 1}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      fail(schemaName, {
        code: 'InvalidObject',
        message: `${where}: must be an object with op and path`,
        resource,
      });
    }
    const { op, path, value } = entry as { op?: unknown; path?: unknown; value?: unknown };
    const opName = typeof op === 'string' ? op.toLowerCase() : '';
    if (!SUPPORTED_OPS.has(opName)) {
      fail(schemaName, {
        code: 'InvalidField',
        message: `${where}: op ${JSON.stringify(op ?? null)} is not supported (use replace, add or remove)`,
        resource,
        field: 'op',
      });
    }
    if (typeof path !== 'string' || path.replace(/^\//, '') === '') {
      fail(schemaName, {
        code: 'InvalidField',
        message: `${where}: path is required`,
        resource,
        field: 'path',
      });
    }
    const segments = (path as string).replace(/^\//, '').split('/');
    if (segments.some((segment) => segment === '')) {
      fail(schemaName, {
        code: 'InvalidField',
        message: `${where}: path "${path}" has an empty segment`,
        resource,
        field: path as string,
      });
    }
    if (segments[0] === 'id' || segments[0] === '_info') {
      fail(schemaName, {
        code: 'InvalidField',
        message: `${where}: ${segments[0]} cannot be changed`,
        resource,
        field: path as string,
      });
    }
    const problem = schemaName ? checkPathAgainstSchema(segments, schemaName, schemas) : undefined;
    if (problem)
      fail(schemaName, {
        code: 'InvalidField',
        message: `${where}: ${problem}`,
        resource,
        field: path as string,
      });
    if (opName !== 'remove' && !('value' in (entry as object))) {
      fail(schemaName, {
        code: 'InvalidField',
        message: `${where}: value is required for ${opName}`,
        resource,
        field: path as string,
      });
    }
    applyOne(patched, segments, opName, value);
  });
  return patched;
}

function applyOne(target: RecordInput, segments: string[], op: string, value: unknown): void {
  let container: unknown = target;
  for (const segment of segments.slice(0, -1)) {
    const holder = container as Record<string, unknown>;
    if (holder[segment] === null || typeof holder[segment] !== 'object') {
      if (op === 'remove') return;
      holder[segment] = {};
    }
    container = holder[segment];
  }
  const last = segments[segments.length - 1];
  if (Array.isArray(container)) {
    const index = last === '-' ? container.length : Number(last);
    if (op === 'remove') container.splice(index, 1);
    else if (op === 'add') container.splice(index, 0, value);
    else container[index] = value;
    return;
  }
  const holder = container as Record<string, unknown>;
  if (op === 'remove' || value === null || value === undefined) delete holder[last];
  else holder[last] = value;
}
