/**
 * The builder's model of conditions: rows (field, operator, values) inside and/or groups that
 * may be negated. Rows print as conditions text; text is read back into rows with the project's
 * conditions parser, so what the builder shows is what the nodes check and send.
 */
import {
  parseConditions,
  type ComparisonOperator,
  type ConditionNode,
  type ConditionValue,
} from '../../core/conditions';
import { formatConditionValue } from './condition-values';
import type { BuilderField, FieldType } from './schema-fields';

export const BUILDER_OPERATORS = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'not contains',
  'like',
  'not like',
  'in',
  'not in',
  'is null',
  'is not null',
] as const;
export type BuilderOperator = (typeof BUILDER_OPERATORS)[number];

export interface ConditionRow {
  kind: 'row';
  field: string;
  operator: BuilderOperator;
  /** None for `is null` / `is not null`, one or more for `in`, one otherwise. */
  values: ConditionValue[];
}

export interface ConditionGroup {
  kind: 'group';
  join: 'and' | 'or';
  /** `not (...)`. */
  negated: boolean;
  items: ConditionItem[];
}

export type ConditionItem = ConditionRow | ConditionGroup;

export type ReadResult =
  { ok: true; group: ConditionGroup; notes: string[] } | { ok: false; reason: string };

const SIZED: Record<FieldType, readonly BuilderOperator[]> = {
  string: [
    '=',
    '!=',
    'contains',
    'not contains',
    'like',
    'not like',
    'in',
    'not in',
    'is null',
    'is not null',
  ],
  number: ['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'is null', 'is not null'],
  boolean: ['=', '!=', 'is null', 'is not null'],
  date: ['>=', '>', '<=', '<', '=', '!=', 'is null', 'is not null'],
};
const ENUM_OPERATORS: readonly BuilderOperator[] = [
  '=',
  '!=',
  'in',
  'not in',
  'is null',
  'is not null',
];

/** The operators the builder offers for a field. */
export function operatorsFor(
  field: Pick<BuilderField, 'type' | 'enum'>,
): readonly BuilderOperator[] {
  if (field.type === 'string' && field.enum && field.enum.length > 0) return ENUM_OPERATORS;
  return SIZED[field.type];
}

/** How many values an operator takes: none, one, or a list. */
export function valueArity(operator: BuilderOperator): 'none' | 'one' | 'list' {
  if (operator === 'is null' || operator === 'is not null') return 'none';
  if (operator === 'in' || operator === 'not in') return 'list';
  return 'one';
}

export function emptyGroup(join: 'and' | 'or' = 'and'): ConditionGroup {
  return { kind: 'group', join, negated: false, items: [] };
}

/** Why a row cannot be printed yet, or undefined when it can. */
export function rowProblem(row: ConditionRow): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*(\/[A-Za-z_][A-Za-z0-9_.]*)*$/.test(row.field)) {
    return row.field ? `"${row.field}" is not a field name` : 'no field chosen';
  }
  const arity = valueArity(row.operator);
  if (arity === 'one' && row.values.length !== 1) return `${row.field}: a value is needed`;
  if (arity === 'list' && row.values.length === 0) return `${row.field}: the list is empty`;
  return undefined;
}

function rowText(row: ConditionRow): string {
  switch (row.operator) {
    case 'is null':
      return `${row.field} = null`;
    case 'is not null':
      return `${row.field} != null`;
    case 'in':
    case 'not in':
      return `${row.field} ${row.operator} (${row.values.map(formatConditionValue).join(', ')})`;
    default:
      return `${row.field} ${row.operator} ${formatConditionValue(row.values[0])}`;
  }
}

/** Items that print something: complete rows and groups with such rows. */
function printable(items: readonly ConditionItem[]): ConditionItem[] {
  return items.filter((item) =>
    item.kind === 'row' ? rowProblem(item) === undefined : printable(item.items).length > 0,
  );
}

function groupText(group: ConditionGroup, nested: boolean): string {
  const items = printable(group.items);
  const parts = items.map((item) =>
    item.kind === 'row' ? rowText(item) : groupText(item, items.length > 1),
  );
  const inner = parts.join(` ${group.join} `);
  if (group.negated) return `not (${inner})`;
  return nested && items.length > 1 ? `(${inner})` : inner;
}

/** The conditions text of a group (rows that are not complete are left out: see rowProblem). */
export function rowsToText(group: ConditionGroup): string {
  return groupText(group, false);
}

/** Every incomplete row's problem, in order. */
export function groupProblems(group: ConditionGroup): string[] {
  return group.items.flatMap((item) => {
    if (item.kind === 'group') return groupProblems(item);
    const problem = rowProblem(item);
    return problem ? [problem] : [];
  });
}

function comparisonRow(
  field: string,
  operator: ComparisonOperator,
  value: ConditionValue,
): ConditionRow {
  if (value.type === 'null' && (operator === '=' || operator === '!=')) {
    return {
      kind: 'row',
      field,
      operator: operator === '=' ? 'is null' : 'is not null',
      values: [],
    };
  }
  return { kind: 'row', field, operator, values: [value] };
}

function chain(node: ConditionNode, type: 'and' | 'or'): ConditionNode[] {
  if (node.type !== type) return [node];
  return [...chain(node.left, type), ...chain(node.right, type)];
}

function toItem(node: ConditionNode): ConditionItem {
  switch (node.type) {
    case 'comparison':
      return comparisonRow(node.field, node.operator, node.value);
    case 'in':
      return {
        kind: 'row',
        field: node.field,
        operator: node.negated ? 'not in' : 'in',
        values: node.values,
      };
    case 'not': {
      const operand = node.operand;
      if (
        operand.type === 'comparison' &&
        (operand.operator === 'contains' || operand.operator === 'like')
      ) {
        return {
          kind: 'row',
          field: operand.field,
          operator: `not ${operand.operator}`,
          values: [operand.value],
        };
      }
      const inner = toGroup(operand);
      return { ...inner, negated: true };
    }
    case 'and':
    case 'or':
      return toGroup(node);
  }
}

function toGroup(node: ConditionNode): ConditionGroup {
  if (node.type === 'and' || node.type === 'or') {
    return {
      kind: 'group',
      join: node.type,
      negated: false,
      items: chain(node, node.type).map(toItem),
    };
  }
  const item = toItem(node);
  // A negated group stays a group inside the top one, so `not (...)` keeps its parentheses.
  if (item.kind === 'group' && !item.negated) return item;
  return { kind: 'group', join: 'and', negated: false, items: [item] };
}

function valueFits(value: ConditionValue, type: FieldType): boolean {
  // A message-time value is checked when it is filled in.
  if (value.type === 'null' || value.type === 'placeholder') return true;
  return value.type === type || (type === 'date' && value.type === 'string');
}

function rowNotes(row: ConditionRow, fields: ReadonlyMap<string, BuilderField>): string[] {
  const field = fields.get(row.field);
  if (!field) return [`${row.field}: not a field of these records`];
  const notes: string[] = [];
  if (!operatorsFor(field).includes(row.operator)) {
    notes.push(`${row.field}: "${row.operator}" is unusual for a ${field.type} field`);
  }
  const misfit = row.values.find((value) => !valueFits(value, field.type));
  if (misfit) {
    notes.push(`${row.field}: ${formatConditionValue(misfit)} is not a ${field.type}`);
  }
  return notes;
}

function collectNotes(group: ConditionGroup, fields: ReadonlyMap<string, BuilderField>): string[] {
  return group.items.flatMap((item) =>
    item.kind === 'group' ? collectNotes(item, fields) : rowNotes(item, fields),
  );
}

/**
 * Conditions text as rows. Text the parser refuses cannot be rows: the answer says why (the
 * parser's own message, with its position), and the text stays as typed. With `fields`, the
 * notes name rows whose field, operator or value does not fit the records' schema.
 */
export function textToRows(text: string, fields?: readonly BuilderField[]): ReadResult {
  if (text.trim() === '') return { ok: true, group: emptyGroup(), notes: [] };
  let tree: ConditionNode;
  try {
    tree = parseConditions(text, 'conditions', { placeholders: true });
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const group = toGroup(tree);
  const notes = fields ? collectNotes(group, new Map(fields.map((f) => [f.path, f]))) : [];
  return { ok: true, group, notes };
}
