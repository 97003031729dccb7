import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import { parseConditions, type ConditionNode } from '../../src/core/conditions';
import { CwError } from '../../src/core/errors';
import { evaluateConditions } from '../../src/simulator/condition-evaluator';
import { conditionNode, conditionText } from '../core/condition-arbitraries';

const matches = (conditions: string, record: unknown): boolean =>
  evaluateConditions(parseConditions(conditions), record);

describe('simulator: evaluating conditions', () => {
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

describe('simulator: evaluating conditions, properties', () => {
  const records: unknown[] = [
    { a: 1, b: 'x' },
    {
      id: 3,
      name: 'Contoso',
      a: [{ b: 2 }, { b: null }],
      _info: { lastUpdated: '2025-01-01T00:00:00Z' },
    },
    {},
    null,
  ];
  const answersTrueOrFalse = (node: ConditionNode): void => {
    for (const record of records) assert.equal(typeof evaluateConditions(node, record), 'boolean');
  };

  it('answers true or false for whatever the parser accepts from arbitrary text', () => {
    fc.assert(
      fc.property(conditionText, (text) => {
        let node;
        try {
          node = parseConditions(text);
        } catch (err) {
          if (err instanceof CwError) return;
          throw err;
        }
        answersTrueOrFalse(node);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers true or false for every generated tree', () => {
    fc.assert(fc.property(conditionNode, answersTrueOrFalse), { numRuns: 500 });
  });
});
