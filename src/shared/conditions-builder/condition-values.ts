/**
 * Values as a user enters them (text boxes, a date picker in their own time zone, comma lists)
 * and as conditions spell them: strings quoted and escaped, numbers bare, `True`/`False`, `null`,
 * dates in UTC between brackets.
 */
import {
  conditionDateText,
  formatConditionValue,
  type ConditionValue,
} from '../../core/conditions';
import type { FieldType } from './schema-fields';

export type ValueResult = { ok: true; value: ConditionValue } | { ok: false; problem: string };

/** The one spelling of a value, the parser's own. */
export { formatConditionValue };

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

function partsIn(timeZone: string, millis: number): number[] {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const byType: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(millis))) {
    if (part.type !== 'literal') byType[part.type] = Number(part.value);
  }
  return [byType.year, byType.month, byType.day, byType.hour, byType.minute, byType.second];
}

/** Milliseconds the zone's clock is ahead of UTC at an instant. */
function zoneOffset(timeZone: string, millis: number): number {
  const [y, mo, d, h, mi, s] = partsIn(timeZone, millis);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(millis / 1000) * 1000;
}

/** The user's own time zone as the browser reports it. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * A wall-clock date-time in `timeZone` (`2025-01-31T09:30`, as a datetime-local input gives it)
 * as the UTC instant conditions need (`2025-01-31T08:30:00Z`). A time that a daylight-saving
 * change skips is read with the offset before the change.
 */
export function localToUtc(local: string, timeZone: string): string | undefined {
  const match = LOCAL_DATE_TIME.exec(local.trim());
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return undefined;
  }
  // Two passes find the offset in force at the instant itself, not at the wall-clock reading.
  let instant = wall - zoneOffset(timeZone, wall);
  instant = wall - zoneOffset(timeZone, instant);
  return conditionDateText(instant);
}

/** A UTC date of conditions as the wall clock of `timeZone` shows it: `2025-01-31T09:30:00`. */
export function utcToLocal(utc: string, timeZone: string): string | undefined {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(utc) || !utc.includes('T');
  const millis = Date.parse(hasZone ? utc : `${utc}Z`);
  if (Number.isNaN(millis)) return undefined;
  const [y, mo, d, h, mi, s] = partsIn(timeZone, millis);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** One value typed by a user for a field of `type`; dates are read in `timeZone`. */
export function valueFromInput(type: FieldType, text: string, timeZone: string): ValueResult {
  const trimmed = text.trim();
  switch (type) {
    case 'string':
      return { ok: true, value: { type: 'string', value: text } };
    case 'number': {
      const number = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(number) || !/^-?\d+(\.\d+)?$/.test(trimmed)) {
        return { ok: false, problem: `"${text}" is not a number` };
      }
      return { ok: true, value: { type: 'number', value: number } };
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        return { ok: false, problem: `"${text}" is not True or False` };
      }
      return { ok: true, value: { type: 'boolean', value: lower === 'true' } };
    }
    case 'date': {
      const utc = localToUtc(trimmed, timeZone);
      if (!utc) return { ok: false, problem: `"${text}" is not a date and time` };
      return { ok: true, value: { type: 'date', value: utc } };
    }
  }
}

/** A value of conditions as the input of its field shows it. */
export function valueToInput(value: ConditionValue, timeZone: string): string {
  switch (value.type) {
    case 'string':
      return value.value;
    case 'number':
      return String(value.value);
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'null':
      return '';
    case 'date':
      return utcToLocal(value.value, timeZone) ?? value.value;
    case 'placeholder':
      return value.expression;
  }
}

/** Items of a comma list as typed (`1, 2, 3` or `Closed, "Waiting, customer"`): `\,` keeps a comma. */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && (text[i + 1] === ',' || text[i + 1] === '\\')) {
      current += text[i + 1];
      i++;
    } else if (text[i] === ',') {
      items.push(current.trim());
      current = '';
    } else {
      current += text[i];
    }
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}

/** The list input's text of some items: the inverse of splitList. */
export function joinList(items: readonly string[]): string {
  return items.map((item) => item.replace(/\\/g, '\\\\').replace(/,/g, '\\,')).join(', ');
}
