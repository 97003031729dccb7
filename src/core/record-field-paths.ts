/**
 * The field paths of a record schema, as watched fields and `fields` name them: each property,
 * and for a reference to another record its own fields (`status/name`, `owner/identifier`). The
 * editor offers them to pick from; `_info` gives its dates.
 */
import type { SchemaObject } from '../shared/catalog-types';
import { schemaNameOfRef } from './schema-rules';

/** Enough for `company/site/name`; deeper paths can still be typed. */
const MAX_DEPTH = 2;
/** A list of this many paths is still easy to scan. */
const MAX_PATHS = 400;

export function recordFieldPaths(
  schemaName: string,
  lookup: (name: string) => SchemaObject | undefined,
): string[] {
  const paths: string[] = [];
  const walk = (
    schema: SchemaObject | undefined,
    prefix: string,
    depth: number,
    seen: string[],
  ): void => {
    const properties = (schema?.properties ?? {}) as Record<string, SchemaObject>;
    for (const [name, property] of Object.entries(properties)) {
      if (paths.length >= MAX_PATHS) return;
      const path = `${prefix}${name}`;
      const ref = schemaNameOfRef(property.$ref);
      if (name === '_info') {
        // The record's own dates; a reference's `_info` says nothing about the record.
        if (prefix === '')
          paths.push(`${path}/lastUpdated`, `${path}/dateEntered`, `${path}/updatedBy`);
        continue;
      }
      if (ref !== undefined && depth < MAX_DEPTH && !seen.includes(ref)) {
        walk(lookup(ref), `${path}/`, depth + 1, [...seen, ref]);
        continue;
      }
      paths.push(path);
    }
  };
  walk(lookup(schemaName), '', 1, [schemaName]);
  return paths;
}
