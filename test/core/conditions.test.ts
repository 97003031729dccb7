import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import {
  evaluateConditions,
  formatConditions,
  parseConditions,
  validateConditions,
  type ComparisonOperator,
  type ConditionNode,
  type ConditionValue,
} from '../../src/core/conditions';
import { CwError } from '../../src/core/errors';

function parseError(text: string): CwError {
  try {
    parseConditions(text);
  } catch (err) {
    assert.ok(err instanceof CwError, `expected a CwError, got ${String(err)}`);
    assert.equal(err.code, 'INPUT');
    return err;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be refused`);
}

const matches = (conditions: string, record: unknown): boolean =>
  evaluateConditions(parseConditions(conditions), record);

describe('parseConditions', () => {
  it('reads a comparison with a nested field path', () => {
    assert.deepEqual(parseConditions('board/name = "Help Desk"'), {
      type: 'comparison',
      field: 'board/name',
      operator: '=',
      value: { type: 'string', value: 'Help Desk' },
    });
  });

  it('reads every comparison operator, and keyword operators in any case', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>=']) {
      const node = parseConditions(`id ${op} 5`);
      assert.equal(node.type === 'comparison' && node.operator, op);
    }
    for (const [text, op] of [
      ['name LIKE "a%"', 'like'],
      ['name Contains "a"', 'contains'],
      ['name contains "a"', 'contains'],
    ]) {
      const node = parseConditions(text);
      assert.equal(node.type === 'comparison' && node.operator, op);
    }
  });

  it('reads values: strings with escapes, single quotes, numbers, booleans, null, dates', () => {
    const value = (text: string): ConditionValue => {
      const node = parseConditions(`f = ${text}`);
      assert.equal(node.type, 'comparison');
      return (node as { value: ConditionValue }).value;
    };
    assert.deepEqual(value('"say \\"hi\\""'), { type: 'string', value: 'say "hi"' });
    assert.deepEqual(value("'it''s'".replace("''", "\\'")), { type: 'string', value: "it's" });
    assert.deepEqual(value('42'), { type: 'number', value: 42 });
    assert.deepEqual(value('-3.25'), { type: 'number', value: -3.25 });
    assert.deepEqual(value('True'), { type: 'boolean', value: true });
    assert.deepEqual(value('FALSE'), { type: 'boolean', value: false });
    assert.deepEqual(value('null'), { type: 'null' });
    assert.deepEqual(value('[2025-01-01T00:00:00Z]'), {
      type: 'date',
      value: '2025-01-01T00:00:00Z',
    });
  });

  it('binds and tighter than or, and honours parentheses', () => {
    const node = parseConditions('a = 1 or b = 2 and c = 3');
    assert.equal(node.type, 'or');
    assert.equal((node as { right: ConditionNode }).right.type, 'and');
    const grouped = parseConditions('(a = 1 OR b = 2) AnD c = 3');
    assert.equal(grouped.type, 'and');
    assert.equal((grouped as { left: ConditionNode }).left.type, 'or');
  });

  it('reads in, not in, not prefix, not like', () => {
    assert.deepEqual(parseConditions('id in (1, 2,3)'), {
      type: 'in',
      field: 'id',
      values: [1, 2, 3].map((value) => ({ type: 'number', value })),
      negated: false,
    });
    const notIn = parseConditions('status/name not in ("Closed", "Waiting")');
    assert.equal(notIn.type === 'in' && notIn.negated, true);
    assert.equal(parseConditions('not closedFlag = true').type, 'not');
    assert.equal(parseConditions('summary NOT LIKE "%test%"').type, 'not');
  });

  it('refuses an unbalanced quote, naming its position (from 1)', () => {
    assert.equal(
      parseError('summary = "abc').message,
      'conditions: unbalanced quote at position 11',
    );
  });

  it('refuses an unexpected closing parenthesis', () => {
    assert.match(parseError('id = 1)').message, /^conditions: unexpected "\)" at position 7/);
    assert.match(parseError(')').message, /^conditions: unexpected "\)" at position 1/);
  });

  it('refuses a missing closing parenthesis, naming the opening one', () => {
    assert.equal(
      parseError('(id = 1 and x = 2').message,
      'conditions: missing ")" for the "(" at position 1',
    );
  });

  it('refuses unknown operators', () => {
    assert.equal(parseError('id == 5').message, 'conditions: unknown operator "==" at position 4');
    assert.match(parseError('id equals 5').message, /unknown operator "equals"/);
    assert.match(parseError('id <> 5').message, /unknown operator "<>"/);
  });

  it('refuses missing values, bare words, bad dates and empty text', () => {
    assert.match(parseError('id =').message, /expected a value after "=" .*at position 5/);
    assert.match(
      parseError('name = Bob').message,
      /unexpected "Bob" at position 8; expected a value/,
    );
    assert.match(
      parseError('d > [2025-13-45]').message,
      /invalid date "\[2025-13-45\]" at position 5/,
    );
    assert.match(parseError('d > [2025-01-01').message, /unclosed "\[" at position 5/);
    assert.equal(parseError('  ').message, 'conditions: is empty');
    assert.match(
      parseError('a = 1 b = 2').message,
      /unexpected "b" at position 7; expected "and", "or"/,
    );
    assert.match(parseError('a = 1 and').message, /expected a field name at position 10/);
    assert.match(parseError('id in 1, 2').message, /expected "\(" after "in"/);
    assert.match(parseError('a = #').message, /unexpected character "#" at position 5/);
  });

  it('names the field it was given', () => {
    const err = validateConditions('x ==', 'childConditions');
    assert.ok(err);
    assert.equal(err.field, 'childConditions');
    assert.match(err.message, /^childConditions: /);
    assert.equal(validateConditions('x = 1'), undefined);
  });
});

describe('evaluateConditions', () => {
  const ticket = {
    id: 12,
    summary: 'Printer offline in Reception',
    closedFlag: false,
    budgetHours: 1.5,
    board: { id: 1, name: 'Help Desk' },
    status: { id: 2, name: 'In Progress' },
    contact: null,
    communicationItems: [
      { type: { name: 'Email' }, value: 'ana@contoso.example' },
      { type: { name: 'Phone' }, value: '5550100' },
    ],
    _info: { lastUpdated: '2025-03-01T10:00:00Z', dateEntered: '2025-02-01T08:00:00Z' },
  };

  it('compares strings ignoring case with = and like (% wildcard)', () => {
    assert.equal(matches('board/name = "help desk"', ticket), true);
    assert.equal(matches('board/name != "HELP DESK"', ticket), false);
    assert.equal(matches('summary like "printer%"', ticket), true);
    assert.equal(matches('summary like "%RECEPTION"', ticket), true);
    assert.equal(matches('summary like "printer"', ticket), false);
    assert.equal(matches('summary like "%of_line%"', ticket), false);
  });

  it('contains is a substring test ignoring case', () => {
    assert.equal(matches('summary contains "OFFLINE"', ticket), true);
    assert.equal(matches('summary contains "scanner"', ticket), false);
  });

  it('compares numbers and booleans', () => {
    assert.equal(matches('id >= 12 and id < 13', ticket), true);
    assert.equal(matches('budgetHours > 1.25', ticket), true);
    assert.equal(matches('closedFlag = false', ticket), true);
    assert.equal(matches('closedFlag = True', ticket), false);
    assert.equal(matches('id in (1, 12, 30)', ticket), true);
    assert.equal(matches('id not in (1, 12)', ticket), false);
  });

  it('compares dates as instants, with or without a zone', () => {
    assert.equal(matches('_info/lastUpdated > [2025-03-01T09:59:59Z]', ticket), true);
    assert.equal(matches('_info/lastUpdated >= [2025-03-01T11:00:00+01:00]', ticket), true);
    assert.equal(matches('_info/lastUpdated > [2025-03-01T10:00:00]', ticket), false);
    assert.equal(matches('lastUpdated = [2025-03-01T10:00:00.000Z]', ticket), true);
  });

  it('null matches missing or null fields', () => {
    assert.equal(matches('contact = null', ticket), true);
    assert.equal(matches('owner = null', ticket), true);
    assert.equal(matches('board != null', ticket), true);
    assert.equal(matches('owner/name = "x"', ticket), false);
    assert.equal(matches('owner/name != "x"', ticket), false);
  });

  it('walks lists: any element may match', () => {
    assert.equal(matches('communicationItems/value like "%@contoso.example"', ticket), true);
    assert.equal(matches('communicationItems/type/name = "Fax"', ticket), false);
  });

  it('combines with and, or, not and parentheses', () => {
    assert.equal(matches('not (closedFlag = true or id = 1) and board/id = 1', ticket), true);
    assert.equal(matches('board/name = "Alerts" or status/name = "in progress"', ticket), true);
    assert.equal(matches('summary not like "%printer%"', ticket), false);
  });
});

// Generated trees: printing then parsing gives the same tree back.
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

const { node: nodeArb } = fc.letrec<{ node: ConditionNode }>((tie) => ({
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

describe('conditions properties', () => {
  it('printing a tree and parsing it back gives the same tree', () => {
    fc.assert(
      fc.property(nodeArb, (node) => {
        // fast-check builds null-prototype records; compare plain copies.
        const expected = JSON.parse(JSON.stringify(node)) as ConditionNode;
        assert.deepStrictEqual(parseConditions(formatConditions(node)), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on arbitrary text: it parses or throws an INPUT CwError', () => {
    const alphabet = fc.constantFrom(
      ...'ab/_ =!<>()"\'[]\\,-.0129TZ:%'.split(''),
      ' and ',
      ' or ',
      ' not ',
      ' in ',
      ' like ',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(alphabet, { maxLength: 25 }).map((parts) => parts.join('')),
        ),
        (text) => {
          try {
            const node = parseConditions(text);
            evaluateConditions(node, { a: 1, b: 'x' });
          } catch (err) {
            assert.ok(err instanceof CwError, `not a CwError: ${String(err)}`);
            assert.equal(err.code, 'INPUT');
            assert.match(err.message, /^conditions: /);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
