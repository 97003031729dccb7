/**
 * The conditions builder's logic: the fields a list's records offer (from the compiled catalog),
 * operators and values by type, rows to text and back through the project's parser, and the
 * query the preview shows.
 */
import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import { getCatalog } from '../../src/core/catalog-store';
import { formatConditions, parseConditions, type ConditionNode } from '../../src/core/conditions';
import {
  childListFields,
  emptyGroup,
  encodedListQuery,
  fieldsText,
  formatConditionValue,
  groupProblems,
  joinList,
  localToUtc,
  operatorsFor,
  orderByText,
  parseFieldsText,
  parseOrderByText,
  resourceFields,
  rowsToText,
  splitList,
  textToRows,
  utcToLocal,
  valueFromInput,
  type BuilderField,
  type ConditionGroup,
  type ConditionItem,
  type ConditionRow,
} from '../../src/shared/conditions-builder';
import { conditionNode } from '../core/condition-arbitraries';

const catalog = getCatalog();
const lookup = (name: string) => catalog.schema(name);

function field(fields: readonly BuilderField[], path: string): BuilderField | undefined {
  return fields.find((f) => f.path === path);
}

function row(
  fieldPath: string,
  operator: ConditionRow['operator'],
  ...values: ConditionRow['values']
): ConditionRow {
  return { kind: 'row', field: fieldPath, operator, values };
}

function group(join: 'and' | 'or', items: ConditionItem[], negated = false): ConditionGroup {
  return { kind: 'group', join, negated, items };
}

/** A tree with and/or chains flattened: two texts that mean the same read the same. */
type Canonical =
  | { type: 'and' | 'or'; items: Canonical[] }
  | { type: 'not'; operand: Canonical }
  | Exclude<ConditionNode, { type: 'and' | 'or' | 'not' }>;

function canonical(node: ConditionNode): Canonical {
  if (node.type === 'and' || node.type === 'or') {
    const items: Canonical[] = [];
    const walk = (n: ConditionNode): void => {
      if (n.type === node.type) {
        walk(n.left);
        walk(n.right);
      } else items.push(canonical(n));
    };
    walk(node);
    return { type: node.type, items };
  }
  if (node.type === 'not') return { type: 'not', operand: canonical(node.operand) };
  return node;
}

describe('conditions builder: fields from the schema', () => {
  const tickets = catalog.operation('getServiceTickets');

  it("lists a ticket list's fields with types, references and the _info dates", () => {
    assert.equal(tickets?.responseSchema, 'Ticket');
    const { fields, customFields } = resourceFields('Ticket', lookup);
    assert.deepEqual(field(fields, 'id'), { path: 'id', type: 'number' });
    assert.deepEqual(field(fields, 'summary'), { path: 'summary', type: 'string' });
    assert.deepEqual(field(fields, 'board/name'), { path: 'board/name', type: 'string' });
    assert.deepEqual(field(fields, 'board/id'), { path: 'board/id', type: 'number' });
    assert.deepEqual(field(fields, 'company/identifier'), {
      path: 'company/identifier',
      type: 'string',
    });
    assert.deepEqual(field(fields, 'closedFlag'), { path: 'closedFlag', type: 'boolean' });
    assert.deepEqual(field(fields, 'requiredDate'), { path: 'requiredDate', type: 'date' });
    assert.deepEqual(field(fields, '_info/lastUpdated'), {
      path: '_info/lastUpdated',
      type: 'date',
    });
    assert.deepEqual(field(fields, '_info/dateEntered'), {
      path: '_info/dateEntered',
      type: 'date',
    });
    assert.deepEqual(field(fields, 'severity')?.enum, ['Low', 'Medium', 'High']);
    assert.equal(customFields, true);
    // References are followed one level: no `board/_info/...`, no `company/site/...`.
    assert.ok(
      fields.every((f) => f.path.split('/').length <= 2),
      'no path deeper than a/b',
    );
    assert.equal(field(fields, 'customFields'), undefined);
  });

  it('offers the child lists of contacts for childConditions', () => {
    const resource = resourceFields('Contact', lookup);
    const communication = resource.childLists.find((list) => list.name === 'communicationItems');
    assert.ok(communication, 'communicationItems is a child list');
    assert.deepEqual(field(communication.fields, 'communicationItems/value'), {
      path: 'communicationItems/value',
      type: 'string',
    });
    assert.ok(field(childListFields(resource), 'communicationItems/type/name'));
    // Lists of plain values (integratorTags) are no child lists.
    assert.equal(
      resource.childLists.find((list) => list.name === 'integratorTags'),
      undefined,
    );
  });

  it('answers no fields for a schema the catalog does not have', () => {
    assert.deepEqual(resourceFields('NoSuchSchema', lookup), {
      schema: 'NoSuchSchema',
      fields: [],
      childLists: [],
      customFields: false,
    });
  });

  it('reads every list schema of the catalog without failing', () => {
    const lists = catalog
      .index()
      .operations.map((op) => catalog.operation(op.operationId))
      .filter((op) => op?.responseKind === 'list' && op.responseSchema);
    assert.ok(lists.length > 500, `${lists.length} list operations`);
    for (const op of lists) resourceFields(op!.responseSchema!, lookup);
  });
});

describe('conditions builder: operators and values by type', () => {
  it('offers operators that fit each type', () => {
    assert.ok(operatorsFor({ type: 'string' }).includes('contains'));
    assert.ok(operatorsFor({ type: 'string' }).includes('not like'));
    assert.ok(!operatorsFor({ type: 'string' }).includes('<'));
    assert.ok(operatorsFor({ type: 'number' }).includes('<='));
    assert.ok(!operatorsFor({ type: 'number' }).includes('contains'));
    assert.deepEqual(operatorsFor({ type: 'boolean' }), ['=', '!=', 'is null', 'is not null']);
    assert.ok(operatorsFor({ type: 'date' }).includes('>='));
    assert.ok(!operatorsFor({ type: 'date' }).includes('in'));
    assert.ok(!operatorsFor({ type: 'string', enum: ['Low'] }).includes('contains'));
  });

  it('quotes and escapes strings, leaves numbers bare, spells True/False, null and dates', () => {
    assert.equal(
      formatConditionValue({ type: 'string', value: 'Say "hi" \\ bye' }),
      '"Say \\"hi\\" \\\\ bye"',
    );
    assert.equal(formatConditionValue({ type: 'number', value: 2.5 }), '2.5');
    assert.equal(formatConditionValue({ type: 'boolean', value: false }), 'False');
    assert.equal(formatConditionValue({ type: 'null' }), 'null');
    assert.equal(
      formatConditionValue({ type: 'date', value: '2025-01-31T00:00:00Z' }),
      '[2025-01-31T00:00:00Z]',
    );
  });

  it('reads typed values and refuses what does not fit the type', () => {
    assert.deepEqual(valueFromInput('number', ' 42 ', 'UTC'), {
      ok: true,
      value: { type: 'number', value: 42 },
    });
    assert.equal(valueFromInput('number', '4x', 'UTC').ok, false);
    assert.equal(valueFromInput('number', '', 'UTC').ok, false);
    assert.deepEqual(valueFromInput('boolean', 'TRUE', 'UTC'), {
      ok: true,
      value: { type: 'boolean', value: true },
    });
    assert.equal(valueFromInput('boolean', 'yes', 'UTC').ok, false);
    assert.deepEqual(valueFromInput('string', ' a ', 'UTC'), {
      ok: true,
      value: { type: 'string', value: ' a ' },
    });
    assert.equal(valueFromInput('date', 'yesterday', 'UTC').ok, false);
  });

  it("converts a date picked in the user's time zone to UTC and back", () => {
    // Winter and summer in Berlin, New York's daylight saving, a zone east of UTC+12.
    assert.equal(localToUtc('2025-01-31T09:30', 'Europe/Berlin'), '2025-01-31T08:30:00Z');
    assert.equal(localToUtc('2025-07-01T00:00:00', 'Europe/Berlin'), '2025-06-30T22:00:00Z');
    assert.equal(localToUtc('2025-03-09T12:00', 'America/New_York'), '2025-03-09T16:00:00Z');
    assert.equal(localToUtc('2025-03-08T12:00', 'America/New_York'), '2025-03-08T17:00:00Z');
    assert.equal(localToUtc('2025-01-01', 'Pacific/Kiritimati'), '2024-12-31T10:00:00Z');
    assert.equal(localToUtc('2025-02-30T00:00', 'UTC'), undefined);
    assert.equal(utcToLocal('2025-01-31T08:30:00Z', 'Europe/Berlin'), '2025-01-31T09:30:00');
    assert.equal(utcToLocal('2025-06-30T22:00:00Z', 'Europe/Berlin'), '2025-07-01T00:00:00');
    assert.deepEqual(valueFromInput('date', '2025-01-31T00:00', 'Asia/Tokyo'), {
      ok: true,
      value: { type: 'date', value: '2025-01-30T15:00:00Z' },
    });
  });

  it('round-trips wall-clock times that exist in a zone', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney'];
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2090-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(...zones),
        (date, zone) => {
          const utc = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
          const local = utcToLocal(utc, zone);
          assert.ok(local);
          const back = localToUtc(local, zone);
          // In the hour a clock is set back, one wall-clock reading names two instants.
          const again = back && utcToLocal(back, zone);
          assert.equal(again, local);
        },
      ),
    );
  });

  it('splits comma lists, with \\, for a comma inside an item', () => {
    assert.deepEqual(splitList('1, 2,3'), ['1', '2', '3']);
    assert.deepEqual(splitList('Closed, Waiting\\, customer'), ['Closed', 'Waiting, customer']);
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ minLength: 1, maxLength: 8 })
            .map((s) => s.trim())
            .filter(Boolean),
          { maxLength: 5 },
        ),
        (items) => assert.deepEqual(splitList(joinList(items)), items),
      ),
    );
  });
});

describe('conditions builder: rows to text', () => {
  it("writes the README's open tickets of one board updated since a date", () => {
    const rows = group('and', [
      row('board/name', '=', { type: 'string', value: 'Help Desk' }),
      row('closedFlag', '=', { type: 'boolean', value: false }),
      row('_info/lastUpdated', '>=', { type: 'date', value: '2025-01-30T23:00:00Z' }),
    ]);
    assert.equal(
      rowsToText(rows),
      'board/name = "Help Desk" and closedFlag = False and _info/lastUpdated >= [2025-01-30T23:00:00Z]',
    );
  });

  it('writes every operator, lists, nulls and nested groups with parentheses', () => {
    const rows = group('and', [
      group('or', [
        row('priority/id', '=', { type: 'number', value: 1 }),
        row('priority/id', '=', { type: 'number', value: 2 }),
      ]),
      row(
        'status/name',
        'not in',
        { type: 'string', value: 'Closed' },
        { type: 'string', value: 'Cancelled' },
      ),
      row('summary', 'not contains', { type: 'string', value: 'test' }),
      row('company/name', 'like', { type: 'string', value: 'Contoso%' }),
      row('contact', 'is null'),
      row('owner/id', 'is not null'),
      group(
        'and',
        [row('id', 'in', { type: 'number', value: 1 }, { type: 'number', value: 2 })],
        true,
      ),
    ]);
    assert.equal(
      rowsToText(rows),
      '(priority/id = 1 or priority/id = 2) and status/name not in ("Closed", "Cancelled") and ' +
        'summary not contains "test" and company/name like "Contoso%" and contact = null and ' +
        'owner/id != null and not (id in (1, 2))',
    );
  });

  it('leaves incomplete rows out and names them', () => {
    const rows = group('and', [
      row('', '='),
      row('id', '='),
      row('id', 'in'),
      row('summary', 'contains', { type: 'string', value: 'VPN' }),
      group('or', [row('board/name', '=')]),
    ]);
    assert.equal(rowsToText(rows), 'summary contains "VPN"');
    assert.deepEqual(groupProblems(rows), [
      'no field chosen',
      'id: a value is needed',
      'id: the list is empty',
      'board/name: a value is needed',
    ]);
    assert.equal(rowsToText(emptyGroup()), '');
  });
});

describe('conditions builder: text to rows', () => {
  const ticketFields = resourceFields('Ticket', lookup).fields;

  it('reads text into rows and groups', () => {
    const read = textToRows(
      '(priority/id = 1 or priority/id = 2) and closedFlag = False and not summary like "%test%" and contact = null',
      ticketFields,
    );
    assert.ok(read.ok);
    assert.deepEqual(
      read.group,
      group('and', [
        group('or', [
          row('priority/id', '=', { type: 'number', value: 1 }),
          row('priority/id', '=', { type: 'number', value: 2 }),
        ]),
        row('closedFlag', '=', { type: 'boolean', value: false }),
        row('summary', 'not like', { type: 'string', value: '%test%' }),
        row('contact', 'is null'),
      ]),
    );
    assert.deepEqual(read.notes, ['contact: not a field of these records']);
  });

  it('keeps text the parser refuses as text, saying why', () => {
    const read = textToRows('board/name = "Help Desk', ticketFields);
    assert.deepEqual(read, { ok: false, reason: 'conditions: unbalanced quote at position 14' });
    const other = textToRows('id = = 3');
    assert.equal(other.ok, false);
    assert.match(!other.ok ? other.reason : '', /position 6/);
  });

  it('notes operators and values that do not fit a field', () => {
    const read = textToRows('closedFlag contains "x" and id = "3"', ticketFields);
    assert.ok(read.ok);
    assert.deepEqual(read.notes, [
      'closedFlag: "contains" is unusual for a boolean field',
      'closedFlag: "x" is not a boolean',
      'id: "3" is not a number',
    ]);
  });

  it('reads message-time values into rows and writes them back as placeholders', () => {
    const text =
      'board/name = {{msg.payload.board}} and _info/lastUpdated > [{{flow.since}}] and ' +
      'status/name in ({{jsonata: $split(statuses, ",")}}) and closedFlag = {{env.CW_CLOSED}}';
    const read = textToRows(text, ticketFields);
    assert.ok(read.ok);
    const placeholder = (source: string, expression: string, date = false) => ({
      type: 'placeholder' as const,
      source: source as 'msg',
      expression,
      date,
    });
    assert.deepEqual(
      read.group,
      group('and', [
        row('board/name', '=', placeholder('msg', 'payload.board')),
        row('_info/lastUpdated', '>', placeholder('flow', 'since', true)),
        row('status/name', 'in', placeholder('jsonata', '$split(statuses, ",")')),
        row('closedFlag', '=', placeholder('env', 'CW_CLOSED')),
      ]),
    );
    // A placeholder fits a field of any type: its value is checked when it is filled in.
    assert.deepEqual(read.notes, []);
    assert.equal(rowsToText(read.group), text);
  });

  it('reads empty text as no rows', () => {
    assert.deepEqual(textToRows('  '), { ok: true, group: emptyGroup(), notes: [] });
  });

  it('round-trips: any conditions read into rows print as text that means the same', () => {
    fc.assert(
      fc.property(conditionNode, (tree) => {
        const original = formatConditions(tree);
        const read = textToRows(original);
        assert.ok(read.ok);
        const text = rowsToText(read.group);
        assert.deepEqual(canonical(parseConditions(text)), canonical(parseConditions(original)));
        // Reading the printed text gives the same rows again.
        const again = textToRows(text);
        assert.ok(again.ok);
        assert.deepEqual(again.group, read.group);
      }),
      { numRuns: 300 },
    );
  });
});

describe('conditions builder: fields, orderBy and the query sent', () => {
  it('writes and reads fields and orderBy', () => {
    assert.equal(fieldsText(['id', 'summary', ' board/name', 'id', '']), 'id,summary,board/name');
    assert.deepEqual(parseFieldsText('id, summary,,board/name'), ['id', 'summary', 'board/name']);
    assert.equal(
      orderByText([
        { field: '_info/lastUpdated', direction: 'desc' },
        { field: 'id', direction: 'asc' },
        { field: '', direction: 'asc' },
      ]),
      '_info/lastUpdated desc, id asc',
    );
    assert.deepEqual(parseOrderByText('contact/name, id DESC'), [
      { field: 'contact/name', direction: 'asc' },
      { field: 'id', direction: 'desc' },
    ]);
    assert.equal(parseOrderByText('id sideways'), undefined);
    assert.deepEqual(parseOrderByText(''), []);
  });

  it('encodes the query as the client sends it', () => {
    assert.equal(
      encodedListQuery({
        conditions: 'board/name = "Help Desk" and closedFlag = False',
        childConditions: '',
        orderBy: 'id desc',
        fields: 'id,summary',
      }),
      '?conditions=board%2Fname%20%3D%20%22Help%20Desk%22%20and%20closedFlag%20%3D%20False' +
        '&orderBy=id%20desc&fields=id%2Csummary',
    );
    assert.equal(
      encodedListQuery({ conditions: 'name = "O\'Brien & *"' }),
      '?conditions=name%20%3D%20%22O%27Brien%20%26%20%2A%22',
    );
    assert.equal(encodedListQuery({}), '');
  });
});
