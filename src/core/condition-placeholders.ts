/**
 * Message-time values in conditions: a node's conditions text may hold placeholders
 * (`board/name = {{msg.board}}`, `lastUpdated > [{{flow.since}}]`, `id in ({{msg.ids}})`) whose
 * values are read for each message and written in as conditions spell them: strings quoted and
 * escaped, numbers bare, `True`/`False`, `null`, dates in UTC between brackets, an array as the
 * items of an `in` list. Reading the values (msg, context, env, JSONata) is the caller's part.
 */
import {
  conditionDateText,
  conditionDateToMillis,
  formatConditionValue,
  formatPlaceholder,
  parseConditionTemplate,
  type PlaceholderUse,
} from './conditions';
import { inputError } from './errors';

export interface ConditionTemplate {
  text: string;
  field: string;
  /** In text order; empty when the text has none (it is then sent as written). */
  placeholders: PlaceholderUse[];
}

/**
 * A conditions text of a node's settings, read with its placeholders; a malformed text is an
 * INPUT error on `field`. Text without `{{` is not parsed here (the request builder checks it).
 */
export function conditionTemplate(text: string, field: string): ConditionTemplate {
  if (!text.includes('{{')) return { text, field, placeholders: [] };
  const { placeholders } = parseConditionTemplate(text, field, { placeholders: true });
  return { text, field, placeholders };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

/** Milliseconds of a date value: a Date, milliseconds since 1970, or a text Date.parse reads. */
function dateMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'string' && value.trim() !== '') return conditionDateToMillis(value.trim());
  return NaN;
}

/** One value as conditions text, or why it cannot be one. */
function spell(value: unknown, date: boolean): string | undefined {
  if (date) {
    const millis = dateMillis(value);
    return Number.isNaN(millis) ? undefined : `[${conditionDateText(millis)}]`;
  }
  if (value === null) return 'null';
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? undefined : `[${conditionDateText(value.getTime())}]`;
  }
  switch (typeof value) {
    case 'string':
      return formatConditionValue({ type: 'string', value });
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return formatConditionValue({ type: 'boolean', value });
    default:
      return undefined;
  }
}

function placeholderText(use: PlaceholderUse, value: unknown, field: string): string {
  const name = formatPlaceholder(use);
  const expected = use.date ? 'a date' : use.inList ? 'a value or a list of values' : 'a value';
  const items = use.inList && Array.isArray(value) ? (value as unknown[]) : [value];
  if (items.length === 0) throw inputError(field, `${name} is an empty list`);
  const spelled: string[] = [];
  for (const item of items) {
    const text = spell(item, use.date);
    if (text === undefined) {
      const which = use.inList && Array.isArray(value) ? `an item of ${name}` : name;
      if (item === undefined) throw inputError(field, `${which} is not set`);
      throw inputError(field, `${which} is ${describe(item)}, not ${expected}`);
    }
    spelled.push(text);
  }
  return spelled.join(', ');
}

/** The text with every placeholder replaced by its value (`values` in the placeholders' order). */
export function fillConditionTemplate(
  template: ConditionTemplate,
  values: readonly unknown[],
): string {
  let text = template.text;
  // From the end, so the earlier placeholders' positions still hold.
  for (let i = template.placeholders.length - 1; i >= 0; i--) {
    const use = template.placeholders[i];
    const filled = placeholderText(use, values[i], template.field);
    text = text.slice(0, use.start) + filled + text.slice(use.end);
  }
  return text;
}
