import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import { conditionTemplate, fillConditionTemplate } from '../../src/core/condition-placeholders';
import {
  parseConditionTemplate,
  parseConditions,
  validateConditions,
} from '../../src/core/conditions';
import { CwError } from '../../src/core/errors';

function fill(text: string, ...values: unknown[]): string {
  return fillConditionTemplate(conditionTemplate(text, 'params.conditions'), values);
}

function fillError(text: string, ...values: unknown[]): string {
  try {
    fill(text, ...values);
  } catch (err) {
    assert.ok(err instanceof CwError, `expected a CwError, got ${String(err)}`);
    assert.equal(err.code, 'INPUT');
    assert.equal(err.field, 'params.conditions');
    return err.message;
  }
  return assert.fail(`expected ${text} to be refused`);
}

describe('conditions placeholders: reading', () => {
  it('reads msg, flow, global, env and JSONata placeholders where they are allowed', () => {
    const { placeholders } = parseConditionTemplate(
      'board/name = {{msg.payload.board}} and a = {{flow.x}} or b = {{global.#:(file)::y}} ' +
        'and c = {{ env.CW_BOARD }} and d = {{jsonata: $count(payload.items) + 1}}',
      'conditions',
      { placeholders: true },
    );
    assert.deepEqual(
      placeholders.map((use) => [use.source, use.expression, use.date, use.inList]),
      [
        ['msg', 'payload.board', false, false],
        ['flow', 'x', false, false],
        ['global', '#:(file)::y', false, false],
        ['env', 'CW_BOARD', false, false],
        ['jsonata', '$count(payload.items) + 1', false, false],
      ],
    );
  });

  it('finds the end of a JSONata expression outside its braces and quoted text', () => {
    const text = 'x = {{jsonata: {"a": "}}", "b": {"c": 1}}.a}} and y = 1';
    const { placeholders } = parseConditionTemplate(text, 'conditions', { placeholders: true });
    assert.equal(placeholders[0].expression, '{"a": "}}", "b": {"c": 1}}.a');
    assert.equal(text.slice(placeholders[0].start, placeholders[0].end).endsWith('.a}}'), true);
  });

  it('knows a date placeholder by its brackets and a list one by its `in`', () => {
    const { placeholders } = parseConditionTemplate(
      '_info/lastUpdated > [ {{msg.since}} ] and id not in (1, {{msg.ids}})',
      'conditions',
      { placeholders: true },
    );
    assert.deepEqual(
      placeholders.map((use) => [use.expression, use.date, use.inList]),
      [
        ['since', true, false],
        ['ids', false, true],
      ],
    );
  });

  it('refuses placeholders in what is sent (the default), as ConnectWise would', () => {
    assert.match(
      validateConditions('board/name = {{msg.board}}')?.message ?? '',
      /unexpected character "\{" at position 14/,
    );
    assert.throws(() => parseConditions('id = [{{msg.since}}]'), /invalid date/);
  });

  it('names what is wrong with a malformed placeholder, and where', () => {
    const problem = (text: string): string =>
      validateConditions(text, 'conditions', { placeholders: true })?.message ?? 'accepted';
    assert.equal(
      problem('a = {{payload.x}}'),
      'conditions: unknown placeholder at position 5 (expected {{msg.…}}, {{flow.…}}, {{global.…}}, {{env.…}} or {{jsonata: …}})',
    );
    assert.equal(problem('a = {{msg.x'), 'conditions: unclosed "{{" at position 5');
    assert.equal(problem('a = {{msg. }}'), 'conditions: empty placeholder at position 5');
    assert.equal(problem('a = [{{msg.x}}'), 'conditions: unclosed "[" at position 5');
    assert.match(problem('a ='), /null, a \[date\] or a \{\{placeholder\}\}\)/);
  });
});

describe('conditions placeholders: filling in', () => {
  it('quotes and escapes strings, leaves numbers bare, spells True, False and null', () => {
    assert.equal(
      fill(
        'summary = {{msg.a}} and id = {{msg.b}} and closedFlag = {{msg.c}} and x != {{msg.d}}',
        'Printer "3rd floor" \\ east',
        42,
        false,
        null,
      ),
      'summary = "Printer \\"3rd floor\\" \\\\ east" and id = 42 and closedFlag = False and x != null',
    );
  });

  it('writes dates in UTC between brackets from a Date, milliseconds or a date text', () => {
    assert.equal(
      fill('a > [{{msg.a}}] and b > [{{msg.b}}]', new Date('2025-01-31T09:30:00.123+01:00'), 0),
      'a > [2025-01-31T08:30:00Z] and b > [1970-01-01T00:00:00Z]',
    );
    assert.equal(fill('a > [{{msg.a}}]', '2025-01-31T09:30:00'), 'a > [2025-01-31T09:30:00Z]');
    assert.equal(fill('a > {{msg.a}}', new Date(0)), 'a > [1970-01-01T00:00:00Z]');
  });

  it('writes an array as the items of an in list', () => {
    assert.equal(
      fill(
        'status/name in ({{msg.a}}) and id not in (7, {{msg.b}})',
        ['New', 'Closed "x"'],
        [1, 2],
      ),
      'status/name in ("New", "Closed \\"x\\"") and id not in (7, 1, 2)',
    );
    assert.equal(fill('id in ({{msg.a}})', 5), 'id in (5)');
  });

  it('refuses what cannot be a value, naming the placeholder and the field', () => {
    assert.equal(fillError('a = {{msg.a}}'), 'params.conditions: {{msg.a}} is not set');
    assert.equal(
      fillError('a = {{msg.a}}', { x: 1 }),
      'params.conditions: {{msg.a}} is an object, not a value',
    );
    assert.equal(
      fillError('a = {{msg.a}}', [1, 2]),
      'params.conditions: {{msg.a}} is a list, not a value',
    );
    assert.equal(
      fillError('a in ({{msg.a}})', []),
      'params.conditions: {{msg.a}} is an empty list',
    );
    assert.equal(
      fillError('a in ({{msg.a}})', [1, { b: 2 }]),
      'params.conditions: an item of {{msg.a}} is an object, not a value or a list of values',
    );
    assert.equal(
      fillError('a > [{{jsonata: x}}]', 'soon'),
      'params.conditions: [{{jsonata: x}}] is "soon", not a date',
    );
    assert.equal(
      fillError('a = {{msg.a}}', Number.NaN),
      'params.conditions: {{msg.a}} is NaN, not a value',
    );
  });

  it('leaves text without placeholders as written', () => {
    const text = 'summary  =  "{{msg.a}}"  AND id=1';
    assert.deepEqual(conditionTemplate(text, 'conditions').placeholders, []);
    assert.equal(fill(text), text);
  });

  it('always gives conditions that parse, whatever string a message holds', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (a, list) => {
        const text = fill('summary = {{msg.a}} and status/name in ({{msg.b}})', a, list);
        const tree = parseConditions(text);
        assert.deepEqual(tree, {
          type: 'and',
          left: {
            type: 'comparison',
            field: 'summary',
            operator: '=',
            value: { type: 'string', value: a },
          },
          right: {
            type: 'in',
            field: 'status/name',
            negated: false,
            values: list.map((value) => ({ type: 'string', value })),
          },
        });
      }),
    );
  });
});
