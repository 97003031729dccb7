/** Generated conditions for property tests of the parser, the printer and the evaluator. */
import fc from 'fast-check';

import type { ComparisonOperator, ConditionNode, ConditionValue } from '../../src/core/conditions';

const fieldArb = fc
  .array(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('/'))
  .filter((field) => !/^(and|or|not|in|contains|like|true|false|null)$/i.test(field.split('/')[0]));

const valueArb: fc.Arbitrary<ConditionValue> = fc.oneof(
  fc.string({ maxLength: 12 }).map((value) => ({ type: 'string' as const, value })),
  fc
    .integer({ min: -1_000_000, max: 1_000_000 })
    .filter((n) => !Object.is(n, -0))
    .map((value) => ({ type: 'number' as const, value })),
  fc
    .integer({ min: -99999, max: 99999 })
    .map((n) => ({ type: 'number' as const, value: n / 100 }))
    .filter((v) => !Object.is(v.value, -0)),
  fc.boolean().map((value) => ({ type: 'boolean' as const, value })),
  fc.constant({ type: 'null' as const }),
  fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((date) => ({
      type: 'date' as const,
      value: date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })),
);

const operatorArb = fc.constantFrom<ComparisonOperator>(
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'like',
);

/** Condition trees of every kind, with every operator and kind of value. */
export const { node: conditionNode } = fc.letrec<{ node: ConditionNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      type: fc.constant('comparison' as const),
      field: fieldArb,
      operator: operatorArb,
      value: valueArb,
    }),
    fc.record({
      type: fc.constant('in' as const),
      field: fieldArb,
      values: fc.array(valueArb, { minLength: 1, maxLength: 4 }),
      negated: fc.boolean(),
    }),
    fc.record({ type: fc.constant('not' as const), operand: tie('node') }),
    fc.record({ type: fc.constant('and' as const), left: tie('node'), right: tie('node') }),
    fc.record({ type: fc.constant('or' as const), left: tie('node'), right: tie('node') }),
  ),
}));

const conditionAlphabet = fc.constantFrom(
  ...'ab/_ =!<>()"\'[]\\,-.0129TZ:%'.split(''),
  ' and ',
  ' or ',
  ' not ',
  ' in ',
  ' like ',
);

/** Arbitrary text, and text made of the pieces of conditions (mostly malformed). */
export const conditionText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(conditionAlphabet, { maxLength: 25 }).map((parts) => parts.join('')),
);
