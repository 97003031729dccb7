/**
 * Path templates as the document publishes them, including its odd keys: placeholders with route
 * constraints (`{memberIdentifier:regex(^(types. |(`, never closed), placeholders glued to a
 * segment (`/finance/agreements/types{id}/copy`) and repeated ones (`{id}{id}`).
 */
import { inputError } from './errors';

export interface PathPlaceholder {
  /** Parameter name: the text before any `:constraint`. */
  name: string;
  /** Where the placeholder's raw text starts and ends (`path.slice(start, end)`). */
  start: number;
  end: number;
}

/** The placeholders of a template in order of appearance (a repeated name appears twice). */
export function parsePathTemplate(path: string): PathPlaceholder[] {
  const placeholders: PathPlaceholder[] = [];
  let index = path.indexOf('{');
  while (index !== -1) {
    const start = index;
    let depth = 1;
    let cursor = start + 1;
    let nameEnd = -1;
    while (cursor < path.length && depth > 0) {
      const char = path[cursor];
      if (char === ':' && nameEnd === -1 && depth === 1) nameEnd = cursor;
      if (char === '{') depth += 1;
      if (char === '}') depth -= 1;
      cursor += 1;
    }
    // An unclosed placeholder (the published regex constraint) runs to the end of the path.
    const end = cursor;
    const closeAt = depth === 0 ? end - 1 : end;
    const name = path.slice(start + 1, nameEnd === -1 ? closeAt : nameEnd).trim();
    if (name) placeholders.push({ name, start, end });
    index = path.indexOf('{', end);
  }
  return placeholders;
}

/** The distinct placeholder names of a template. */
export function pathPlaceholderNames(path: string): string[] {
  return [...new Set(parsePathTemplate(path).map((placeholder) => placeholder.name))];
}

/**
 * Replaces every placeholder with its value. Values must already be encoded for a URL path;
 * a missing value is an input error naming the parameter.
 */
export function expandPathTemplate(path: string, values: Record<string, string>): string {
  let result = '';
  let last = 0;
  for (const placeholder of parsePathTemplate(path)) {
    const value = values[placeholder.name];
    if (value === undefined || value === '') {
      throw inputError(`params.${placeholder.name}`, 'is required');
    }
    result += path.slice(last, placeholder.start) + value;
    last = placeholder.end;
  }
  return result + path.slice(last);
}
