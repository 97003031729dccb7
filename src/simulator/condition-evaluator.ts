/**
 * Evaluates parsed `conditions` against records with Manage's semantics, for the simulator's list,
 * count and search answers.
 */
import {
  conditionDateToMillis,
  type ComparisonOperator,
  type ConditionNode,
  type ConditionValue,
} from '../core/conditions';
import { fieldValue, valuesAtPath } from './field-paths';

type Predicate = (record: unknown) => boolean;

const compiled = new WeakMap<ConditionNode, Predicate>();
const INFO_FIELDS = new Set(['lastupdated', 'dateentered', 'enteredby', 'updatedby']);

/** Resolves a field path; top-level `lastUpdated` and friends fall back to `_info/...`. */
function fieldResolver(field: string): (record: unknown) => unknown[] {
  const segments = field.split('/');
  const infoFallback = segments.length === 1 && INFO_FIELDS.has(segments[0].toLowerCase());
  return (record) => {
    const out = valuesAtPath(record, segments);
    if (infoFallback && !out.some((v) => v !== undefined) && record && typeof record === 'object') {
      const info = (record as Record<string, unknown>)._info;
      if (info && typeof info === 'object') {
        out.length = 0;
        out.push(fieldValue(info as Record<string, unknown>, segments[0]));
      }
    }
    if (out.length === 0) out.push(undefined);
    return out;
  };
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`, 'i');
}

function compareOrder(operator: ComparisonOperator, difference: number): boolean {
  switch (operator) {
    case '=':
      return difference === 0;
    case '!=':
      return difference !== 0;
    case '<':
      return difference < 0;
    case '<=':
      return difference <= 0;
    case '>':
      return difference > 0;
    case '>=':
      return difference >= 0;
    default:
      return false;
  }
}

function numericValue(actual: unknown): number | undefined {
  if (typeof actual === 'number') return actual;
  if (typeof actual === 'string' && actual.trim() !== '' && !Number.isNaN(Number(actual))) {
    return Number(actual);
  }
  return undefined;
}

/** Tests one record value against one operator and value; null and missing values never match. */
function valueTest(
  operator: ComparisonOperator,
  expected: ConditionValue,
): (actual: unknown) => boolean {
  switch (expected.type) {
    case 'placeholder':
      // The simulator parses what is sent, where placeholders are refused: never reached.
      return () => false;
    case 'null':
      return operator === '!='
        ? (actual) => actual !== null && actual !== undefined
        : (actual) => operator === '=' && (actual === null || actual === undefined);
    case 'boolean': {
      if (operator !== '=' && operator !== '!=') return () => false;
      return (actual) => {
        if (typeof actual !== 'boolean') return false;
        return (actual === expected.value) === (operator === '=');
      };
    }
    case 'date': {
      const instant = conditionDateToMillis(expected.value);
      return (actual) => {
        if (typeof actual !== 'string') return false;
        const millis = conditionDateToMillis(actual);
        return !Number.isNaN(millis) && compareOrder(operator, millis - instant);
      };
    }
    case 'number': {
      if (operator === 'contains' || operator === 'like') {
        return valueTest(operator, { type: 'string', value: String(expected.value) });
      }
      return (actual) => {
        const number = numericValue(actual);
        return number !== undefined && compareOrder(operator, number - expected.value);
      };
    }
    case 'string': {
      const lower = expected.value.toLowerCase();
      if (operator === 'contains') {
        return (actual) => isScalar(actual) && String(actual).toLowerCase().includes(lower);
      }
      if (operator === 'like') {
        const pattern = likeToRegExp(expected.value);
        return (actual) => isScalar(actual) && pattern.test(String(actual));
      }
      const asNumber = numericValue(expected.value);
      return (actual) => {
        if (typeof actual === 'number' && asNumber !== undefined) {
          return compareOrder(operator, actual - asNumber);
        }
        if (!isScalar(actual)) return false;
        const text = String(actual).toLowerCase();
        return compareOrder(operator, text < lower ? -1 : text > lower ? 1 : 0);
      };
    }
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function compile(node: ConditionNode): Predicate {
  switch (node.type) {
    case 'comparison': {
      const resolve = fieldResolver(node.field);
      const test = valueTest(node.operator, node.value);
      if (node.value.type === 'null' && node.operator === '=') {
        return (record) => resolve(record).every(test);
      }
      return (record) => resolve(record).some(test);
    }
    case 'in': {
      const resolve = fieldResolver(node.field);
      const tests = node.values.map((value) => valueTest('=', value));
      const matches = (record: unknown): boolean =>
        resolve(record).some((actual) => tests.some((test) => test(actual)));
      return node.negated ? (record) => !matches(record) : matches;
    }
    case 'not': {
      const operand = compile(node.operand);
      return (record) => !operand(record);
    }
    case 'and': {
      const left = compile(node.left);
      const right = compile(node.right);
      return (record) => left(record) && right(record);
    }
    case 'or': {
      const left = compile(node.left);
      const right = compile(node.right);
      return (record) => left(record) || right(record);
    }
  }
}

/**
 * True when the record satisfies the conditions, with Manage's semantics: `=`, `like` and
 * `contains` ignore case, `%` is the `like` wildcard, dates compare as instants, `field = null`
 * matches a missing or null field, paths walk nested objects (and each element of arrays).
 */
export function evaluateConditions(node: ConditionNode, record: unknown): boolean {
  let predicate = compiled.get(node);
  if (!predicate) {
    predicate = compile(node);
    compiled.set(node, predicate);
  }
  return predicate(record);
}
