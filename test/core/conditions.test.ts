import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import {
  formatConditions,
  parseConditions,
  validateConditions,
  type ConditionNode,
  type ConditionValue,
} from '../../src/core/conditions';
import { CwError } from '../../src/core/errors';
import { conditionNode, conditionText } from './condition-arbitraries';

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

describe('conditions properties', () => {
  it('printing a tree and parsing it back gives the same tree', () => {
    fc.assert(
      fc.property(conditionNode, (node) => {
        // fast-check builds null-prototype records; compare plain copies.
        const expected = JSON.parse(JSON.stringify(node)) as ConditionNode;
        assert.deepStrictEqual(parseConditions(formatConditions(node)), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on arbitrary text: it parses or throws an INPUT CwError', () => {
    fc.assert(
      fc.property(conditionText, (text) => {
        try {
          parseConditions(text);
        } catch (err) {
          assert.ok(err instanceof CwError, `not a CwError: ${String(err)}`);
          assert.equal(err.code, 'INPUT');
          assert.match(err.message, /^conditions: /);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
