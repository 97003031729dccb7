/**
 * The other list settings the builder edits, `fields` and `orderBy`, and the preview of the
 * query a list request sends: encoded by the same function the client uses.
 */
import { buildQueryString } from '../../core/request-url';

export type SortDirection = 'asc' | 'desc';

export interface OrderBy {
  field: string;
  direction: SortDirection;
}

/** `id,summary,board/name` from picked paths (in the order picked, each once). */
export function fieldsText(paths: readonly string[]): string {
  return [...new Set(paths.map((path) => path.trim()).filter(Boolean))].join(',');
}

/** The paths of a `fields` text. */
export function parseFieldsText(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
}

/** `_info/lastUpdated desc, id asc`. */
export function orderByText(order: readonly OrderBy[]): string {
  return order
    .filter((entry) => entry.field.trim() !== '')
    .map((entry) => `${entry.field.trim()} ${entry.direction}`)
    .join(', ');
}

/** The entries of an `orderBy` text; undefined when it is not `field [asc|desc]` items. */
export function parseOrderByText(text: string): OrderBy[] | undefined {
  if (text.trim() === '') return [];
  const entries: OrderBy[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_./]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!match) return undefined;
    const direction = (match[2] ?? 'asc').toLowerCase() as SortDirection;
    entries.push({ field: match[1], direction });
  }
  return entries;
}

export interface ListQuery {
  conditions?: string;
  childConditions?: string;
  customFieldConditions?: string;
  orderBy?: string;
  fields?: string;
  [name: string]: string | number | undefined;
}

/**
 * The query string as the client sends it (`?conditions=board%2Fname%20%3D%20%22Help%20Desk%22`),
 * leaving out empty settings.
 */
export function encodedListQuery(query: ListQuery): string {
  const present: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'string' && value.trim() === '') continue;
    present[name] = value;
  }
  return buildQueryString(present);
}
