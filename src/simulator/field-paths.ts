/**
 * Reading fields by name and by path (`status/name`) as Manage does: a name matches exactly
 * first, then ignoring case.
 */

/** The key of `container` that `name` means, or undefined. */
export function fieldKey(container: Record<string, unknown>, name: string): string | undefined {
  if (name in container) return name;
  const lower = name.toLowerCase();
  for (const candidate of Object.keys(container)) {
    if (candidate.toLowerCase() === lower) return candidate;
  }
  return undefined;
}

export function fieldValue(container: Record<string, unknown>, name: string): unknown {
  const key = fieldKey(container, name);
  return key === undefined ? undefined : container[key];
}

/** The value at a path of nested objects; undefined where the path meets anything else. */
export function valueAtPath(record: unknown, segments: string[]): unknown {
  let current = record;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = fieldValue(current as Record<string, unknown>, segment);
  }
  return current;
}

/**
 * Every value at a path, descending into each element of the lists on the way
 * (`communicationItems/value`); undefined for each branch where the path ends early.
 */
export function valuesAtPath(record: unknown, segments: string[]): unknown[] {
  const out: unknown[] = [];
  collectValues(record, segments, 0, out);
  return out;
}

function collectValues(current: unknown, segments: string[], index: number, out: unknown[]): void {
  if (Array.isArray(current)) {
    for (const element of current) collectValues(element, segments, index, out);
    return;
  }
  if (index === segments.length) {
    out.push(current);
    return;
  }
  if (current === null || typeof current !== 'object') {
    out.push(undefined);
    return;
  }
  collectValues(
    fieldValue(current as Record<string, unknown>, segments[index]),
    segments,
    index + 1,
    out,
  );
}
