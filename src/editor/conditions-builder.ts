/**
 * The conditions builder beside a list's conditions text: rows of field, operator and value
 * (fields and types from the records' schema), and/or/not groups, `childConditions` and
 * `customFieldConditions`, a `fields` picker, an `orderBy` picker, a preview of the query sent and
 * "count matches". Two-way: editing rows rewrites the text, editing the text re-reads the rows;
 * text the rows cannot express stays as written, with a note saying why.
 */
import {
  PLACEHOLDER_SOURCES,
  type ConditionValue,
  type PlaceholderSource,
} from '../core/conditions';
import {
  childListFields,
  CUSTOM_FIELD_FIELDS,
  emptyGroup,
  encodedListQuery,
  fieldsText,
  groupProblems,
  joinList,
  localTimeZone,
  operatorsFor,
  orderByText,
  parseFieldsText,
  parseOrderByText,
  rowsToText,
  splitList,
  textToRows,
  valueArity,
  valueFromInput,
  valueToInput,
  type BuilderField,
  type BuilderOperator,
  type ConditionGroup,
  type ConditionItem,
  type ConditionRow,
  type FieldType,
  type ListQuery,
  type OrderBy,
} from '../shared/conditions-builder';
import { countMatches, type FieldsAnswer } from './builder-client';

/** One text the builder edits: a form input or a parameter row. */
export interface TextBinding {
  /** The text, or why the builder cannot edit it (a value taken from msg at run time). */
  read(): { text: string } | { locked: string };
  write(text: string): void;
  /** `changed` is called when the user edits the text itself. */
  watch(changed: () => void): void;
}

export const CONDITION_TARGETS = [
  'conditions',
  'childConditions',
  'customFieldConditions',
] as const;
export type ConditionTarget = (typeof CONDITION_TARGETS)[number];

export interface BuilderBindings {
  conditions: TextBinding;
  childConditions?: TextBinding;
  customFieldConditions?: TextBinding;
  fields?: TextBinding;
  orderBy?: TextBinding;
  /** The query the node sends for these settings (the poll adds its own conditions). */
  query(settings: ListQuery): ListQuery;
  /** Fixed values of the node's other rows, for the count. */
  otherParams(): { name: string; value: string | number | boolean }[];
  connectionId(): string;
}

export type BuilderLabels = Record<
  | 'open'
  | 'close'
  | 'all'
  | 'any'
  | 'not'
  | 'addRow'
  | 'addGroup'
  | 'remove'
  | 'chooseField'
  | 'preview'
  | 'count'
  | 'counting'
  | 'matches'
  | 'fields'
  | 'fieldsFilter'
  | 'orderBy'
  | 'addOrder'
  | 'asc'
  | 'desc'
  | 'staysText'
  | 'locked'
  | 'timeZone'
  | 'incomplete'
  | 'noCount'
  | 'fixedValue'
  | 'valueSource',
  string
>;

const TARGET_LABELS: Record<ConditionTarget, string> = {
  conditions: 'conditions',
  childConditions: 'childConditions',
  customFieldConditions: 'customFieldConditions',
};

/** As Node-RED's typed inputs name them. */
const SOURCE_LABELS: Record<PlaceholderSource, string> = {
  msg: 'msg.',
  flow: 'flow.',
  global: 'global.',
  env: 'env',
  jsonata: 'J: expression',
};
const SOURCE_HINTS: Record<PlaceholderSource, string> = {
  msg: 'payload.board',
  flow: 'board',
  global: 'board',
  env: 'CW_BOARD',
  jsonata: '$now()',
};

function el(tag: string, className?: string): JQuery {
  const element = $(document.createElement(tag));
  if (className) element.addClass(className);
  return element;
}

function button(label: string, icon: string, className: string): JQuery {
  return el('button', `red-ui-button red-ui-button-small ${className}`)
    .attr('type', 'button')
    .append(el('i', `fa ${icon}`))
    .append(document.createTextNode(label ? ` ${label}` : ''));
}

export class ConditionsBuilder {
  readonly element: JQuery;
  private readonly body: JQuery;
  private readonly targetSelect: JQuery;
  private readonly note: JQuery;
  private readonly rowsArea: JQuery;
  private readonly preview: JQuery;
  private readonly countResult: JQuery;
  private readonly fieldsArea: JQuery;
  private readonly orderArea: JQuery;
  private readonly timeZone = localTimeZone();
  private resource: FieldsAnswer | undefined;
  private operationId = '';
  private target: ConditionTarget = 'conditions';
  private groups: Partial<Record<ConditionTarget, ConditionGroup>> = {};
  private order: OrderBy[] = [];
  private writing = false;
  private opened = false;

  constructor(
    container: JQuery,
    private readonly bindings: BuilderBindings,
    private readonly labels: BuilderLabels,
  ) {
    this.element = el('div', 'cw-builder').appendTo(container);
    const toggle = button(labels.open, 'fa-magic', 'cw-builder-toggle').appendTo(this.element);
    this.body = el('div', 'cw-builder-body').hide().appendTo(this.element);
    toggle.on('click', (event) => {
      event.preventDefault();
      this.opened = !this.opened;
      toggle.find('i').toggleClass('fa-magic', !this.opened).toggleClass('fa-times', this.opened);
      toggle
        .contents()
        .last()
        .replaceWith(` ${this.opened ? labels.close : labels.open}`);
      if (this.opened) this.render();
      this.body.toggle(this.opened);
      RED.tray.resize();
    });
    const head = el('div', 'cw-builder-head').appendTo(this.body);
    this.targetSelect = el('select', 'cw-builder-target').appendTo(head);
    this.targetSelect.on('change', () => {
      this.target = String(this.targetSelect.val()) as ConditionTarget;
      this.renderRows();
    });
    el('span', 'cw-builder-zone')
      .text(labels.timeZone.replace('{zone}', this.timeZone))
      .appendTo(head);
    this.note = el('div', 'cw-builder-note form-tips').hide().appendTo(this.body);
    this.rowsArea = el('div', 'cw-builder-rows').appendTo(this.body);
    const previewRow = el('div', 'cw-builder-preview-row').appendTo(this.body);
    el('span', 'cw-builder-caption').text(labels.preview).appendTo(previewRow);
    this.preview = el('code', 'cw-builder-preview').appendTo(previewRow);
    const countRow = el('div', 'cw-builder-count-row').appendTo(this.body);
    button(labels.count, 'fa-calculator', 'cw-builder-count')
      .appendTo(countRow)
      .on('click', (event) => {
        event.preventDefault();
        this.count();
      });
    this.countResult = el('span', 'cw-builder-count-result').appendTo(countRow);
    this.fieldsArea = el('div', 'cw-builder-fields').appendTo(this.body);
    this.orderArea = el('div', 'cw-builder-order').appendTo(this.body);
    for (const target of CONDITION_TARGETS) {
      this.bindings[target]?.watch(() => {
        if (this.writing) return;
        delete this.groups[target];
        if (this.opened && target === this.target) this.renderRows();
        this.updatePreview();
      });
    }
    this.bindings.fields?.watch(() => {
      if (!this.writing && this.opened) this.renderFields();
      this.updatePreview();
    });
    this.bindings.orderBy?.watch(() => {
      if (this.writing) return;
      this.order = [];
      if (this.opened) this.renderOrder();
      this.updatePreview();
    });
  }

  /** The list whose records the builder filters; undefined hides it (not a list). */
  setResource(operationId: string, resource: FieldsAnswer | undefined): void {
    this.operationId = operationId;
    this.resource = resource;
    this.element.toggle(resource !== undefined);
    this.groups = {};
    this.order = [];
    if (this.opened) this.render();
  }

  private fieldsOf(target: ConditionTarget): readonly BuilderField[] {
    const resource = this.resource;
    if (!resource) return [];
    if (target === 'childConditions') return childListFields(resource);
    if (target === 'customFieldConditions') return CUSTOM_FIELD_FIELDS;
    return resource.fields;
  }

  private targets(): ConditionTarget[] {
    return CONDITION_TARGETS.filter((target) => {
      if (!this.bindings[target]) return false;
      if (target === 'childConditions') return (this.resource?.childLists.length ?? 0) > 0;
      if (target === 'customFieldConditions') return this.resource?.customFields === true;
      return true;
    });
  }

  private render(): void {
    const targets = this.targets();
    if (!targets.includes(this.target)) this.target = 'conditions';
    this.targetSelect.empty();
    for (const target of targets) {
      el('option').attr('value', target).text(TARGET_LABELS[target]).appendTo(this.targetSelect);
    }
    this.targetSelect.val(this.target).toggle(targets.length > 1);
    this.renderRows();
    this.renderFields();
    this.renderOrder();
  }

  /** The rows of a target: kept while the builder edits them, read from the text otherwise. */
  private group(target: ConditionTarget): ConditionGroup | { reason: string } {
    const known = this.groups[target];
    if (known) return known;
    const read = this.bindings[target]?.read() ?? { text: '' };
    if ('locked' in read) return { reason: this.labels.locked.replace('{source}', read.locked) };
    const result = textToRows(read.text, this.fieldsOf(target));
    if (!result.ok) return { reason: this.labels.staysText.replace('{reason}', result.reason) };
    this.groups[target] = result.group;
    this.showNote(result.notes);
    return result.group;
  }

  private showNote(lines: readonly string[]): void {
    this.note.empty().toggle(lines.length > 0);
    for (const line of lines) el('div').text(line).appendTo(this.note);
  }

  private renderRows(): void {
    this.rowsArea.empty();
    this.showNote([]);
    const group = this.group(this.target);
    if ('reason' in group) {
      this.showNote([group.reason]);
      this.updatePreview();
      RED.tray.resize();
      return;
    }
    this.rowsArea.append(this.groupElement(group, undefined));
    this.updatePreview();
    RED.tray.resize();
  }

  /** Writes the rows of the current target as text, and shows what is incomplete. */
  private commit(): void {
    const group = this.groups[this.target];
    if (!group) return;
    this.writing = true;
    try {
      this.bindings[this.target]?.write(rowsToText(group));
    } finally {
      this.writing = false;
    }
    const problems = groupProblems(group);
    this.showNote(problems.length > 0 ? [this.labels.incomplete, ...problems] : []);
    this.updatePreview();
  }

  private groupElement(group: ConditionGroup, parent: ConditionGroup | undefined): JQuery {
    const box = el('div', 'cw-builder-group');
    const head = el('div', 'cw-builder-group-head').appendTo(box);
    const join = el('select', 'cw-builder-join').appendTo(head);
    el('option').attr('value', 'and').text(this.labels.all).appendTo(join);
    el('option').attr('value', 'or').text(this.labels.any).appendTo(join);
    join.val(group.join).on('change', () => {
      group.join = String(join.val()) === 'or' ? 'or' : 'and';
      this.commit();
    });
    const notLabel = el('label', 'cw-builder-not').appendTo(head);
    const not = el('input')
      .attr('type', 'checkbox')
      .prop('checked', group.negated)
      .appendTo(notLabel);
    notLabel.append(document.createTextNode(` ${this.labels.not}`));
    not.on('change', () => {
      group.negated = not.prop('checked') === true;
      this.commit();
    });
    const items = el('div', 'cw-builder-items').appendTo(box);
    for (const item of group.items) items.append(this.itemElement(item, group));
    const actions = el('div', 'cw-builder-actions').appendTo(box);
    button(this.labels.addRow, 'fa-plus', 'cw-builder-add-row')
      .appendTo(actions)
      .on('click', (event) => {
        event.preventDefault();
        const fields = this.fieldsOf(this.target);
        const first = fields[0];
        const row: ConditionRow = {
          kind: 'row',
          field: '',
          operator: first ? operatorsFor(first)[0] : '=',
          values: [],
        };
        group.items.push(row);
        items.append(this.itemElement(row, group));
        this.commit();
        RED.tray.resize();
      });
    button(this.labels.addGroup, 'fa-plus-square-o', 'cw-builder-add-group')
      .appendTo(actions)
      .on('click', (event) => {
        event.preventDefault();
        const inner = emptyGroup(group.join === 'and' ? 'or' : 'and');
        group.items.push(inner);
        items.append(this.itemElement(inner, group));
        this.commit();
        RED.tray.resize();
      });
    if (parent) {
      button('', 'fa-times', 'cw-builder-remove')
        .attr('title', this.labels.remove)
        .appendTo(head)
        .on('click', (event) => {
          event.preventDefault();
          this.removeItem(parent, group, box);
        });
    }
    return box;
  }

  private removeItem(parent: ConditionGroup, item: ConditionItem, element: JQuery): void {
    parent.items = parent.items.filter((other) => other !== item);
    element.remove();
    this.commit();
    RED.tray.resize();
  }

  private itemElement(item: ConditionItem, parent: ConditionGroup): JQuery {
    return item.kind === 'group' ? this.groupElement(item, parent) : this.rowElement(item, parent);
  }

  private rowElement(row: ConditionRow, parent: ConditionGroup): JQuery {
    const line = el('div', 'cw-builder-row');
    const fields = this.fieldsOf(this.target);
    const fieldSelect = el('select', 'cw-builder-field').appendTo(line);
    el('option').attr('value', '').text(this.labels.chooseField).appendTo(fieldSelect);
    const known = fields.find((field) => field.path === row.field);
    if (row.field && !known)
      el('option').attr('value', row.field).text(row.field).appendTo(fieldSelect);
    const options = document.createDocumentFragment();
    for (const field of fields) {
      const option = document.createElement('option');
      option.value = field.path;
      option.textContent = field.path;
      options.appendChild(option);
    }
    fieldSelect[0].appendChild(options);
    fieldSelect.val(row.field);
    const operatorSelect = el('select', 'cw-builder-operator').appendTo(line);
    const valueCell = el('span', 'cw-builder-value').appendTo(line);
    const type = (): FieldType =>
      fields.find((field) => field.path === row.field)?.type ?? 'string';
    const field = (): Pick<BuilderField, 'type' | 'enum'> =>
      fields.find((f) => f.path === row.field) ?? { type: 'string' };
    const fillOperators = (): void => {
      operatorSelect.empty();
      const offered = [...operatorsFor(field())];
      if (!offered.includes(row.operator)) offered.push(row.operator);
      for (const operator of offered) {
        el('option').attr('value', operator).text(operator).appendTo(operatorSelect);
      }
      operatorSelect.val(row.operator);
    };
    const fillValue = (): void => {
      valueCell.empty();
      valueCell.append(this.valueEditor(row, type(), field().enum));
    };
    fillOperators();
    fillValue();
    fieldSelect.on('change', () => {
      const before = type();
      row.field = String(fieldSelect.val() ?? '');
      if (!operatorsFor(field()).includes(row.operator)) row.operator = operatorsFor(field())[0];
      if (type() !== before) row.values = [];
      fillOperators();
      fillValue();
      this.commit();
    });
    operatorSelect.on('change', () => {
      const before = valueArity(row.operator);
      row.operator = String(operatorSelect.val()) as BuilderOperator;
      const after = valueArity(row.operator);
      if (after === 'none') row.values = [];
      else if (after === 'one' && row.values.length > 1) row.values = row.values.slice(0, 1);
      if (before !== after) fillValue();
      this.commit();
    });
    button('', 'fa-times', 'cw-builder-remove')
      .attr('title', this.labels.remove)
      .appendTo(line)
      .on('click', (event) => {
        event.preventDefault();
        this.removeItem(parent, row, line);
      });
    return line;
  }

  /**
   * A row's value: fixed (an input by the field's type) or read when the node runs, from msg,
   * flow, global, env or JSONata (the text then holds a `{{...}}` placeholder).
   */
  private valueEditor(row: ConditionRow, type: FieldType, enumValues?: string[]): JQuery {
    const arity = valueArity(row.operator);
    if (arity === 'none') return $();
    const sourceSelect = el('select', 'cw-builder-source').attr('title', this.labels.valueSource);
    el('option').attr('value', 'value').text(this.labels.fixedValue).appendTo(sourceSelect);
    for (const source of PLACEHOLDER_SOURCES) {
      el('option').attr('value', source).text(SOURCE_LABELS[source]).appendTo(sourceSelect);
    }
    const first = row.values[0];
    const placeholder =
      first?.type === 'placeholder' && row.values.length === 1 ? first : undefined;
    sourceSelect.val(placeholder ? placeholder.source : 'value');
    const holder = el('span', 'cw-builder-value-input');
    const fill = (): void => {
      const source = String(sourceSelect.val());
      holder.empty();
      holder.append(
        source === 'value'
          ? this.fixedValueEditor(row, type, enumValues)
          : this.placeholderEditor(row, source as PlaceholderSource, type === 'date'),
      );
    };
    sourceSelect.on('change', () => {
      row.values = [];
      fill();
      this.commit();
    });
    fill();
    return el('span', 'cw-builder-value-parts').append(sourceSelect, holder);
  }

  /** The path or expression a row's value is read from when the node runs. */
  private placeholderEditor(row: ConditionRow, source: PlaceholderSource, date: boolean): JQuery {
    const input = el('input', 'cw-builder-input cw-builder-expression')
      .attr({ type: 'text', placeholder: SOURCE_HINTS[source] })
      .val(row.values[0]?.type === 'placeholder' ? row.values[0].expression : '');
    input.on('input change', () => {
      const expression = String(input.val() ?? '').trim();
      row.values = expression === '' ? [] : [{ type: 'placeholder', source, expression, date }];
      this.commit();
    });
    return input;
  }

  private fixedValueEditor(row: ConditionRow, type: FieldType, enumValues?: string[]): JQuery {
    const arity = valueArity(row.operator);
    const zone = this.timeZone;
    const shown = (value: ConditionValue): string => valueToInput(value, zone);
    const read = (text: string): ConditionValue[] | string => {
      const parts = arity === 'list' ? splitList(text) : [text];
      const values: ConditionValue[] = [];
      for (const part of parts) {
        const result = valueFromInput(type, part, zone);
        if (!result.ok) return result.problem;
        values.push(result.value);
      }
      return values;
    };
    let input: JQuery;
    if (arity === 'one' && type === 'boolean') {
      input = el('select', 'cw-builder-input');
      el('option').attr('value', '').appendTo(input);
      el('option').attr('value', 'true').text('True').appendTo(input);
      el('option').attr('value', 'false').text('False').appendTo(input);
    } else if (arity === 'one' && enumValues && enumValues.length > 0) {
      input = el('select', 'cw-builder-input');
      el('option').attr('value', '').appendTo(input);
      for (const value of enumValues) el('option').attr('value', value).text(value).appendTo(input);
    } else if (arity === 'one' && type === 'date') {
      input = el('input', 'cw-builder-input').attr({ type: 'datetime-local', step: '1' });
    } else {
      input = el('input', 'cw-builder-input').attr('type', 'text');
      if (arity === 'list') {
        input.attr('placeholder', enumValues?.length ? enumValues.join(', ') : 'a, b, c');
      }
    }
    const current = row.values.filter((value) => value.type !== 'null');
    input.val(
      arity === 'list' ? joinList(current.map(shown)) : current[0] ? shown(current[0]) : '',
    );
    input.on(input.is('select') ? 'change' : 'input change', () => {
      const text = String(input.val() ?? '');
      const values = text === '' && type !== 'string' ? [] : read(text);
      if (typeof values === 'string') {
        input.addClass('input-error').attr('title', values);
        row.values = [];
      } else {
        input.removeClass('input-error').removeAttr('title');
        row.values = arity === 'list' && text.trim() === '' ? [] : values;
      }
      this.commit();
    });
    return input;
  }

  private renderFields(): void {
    const binding = this.bindings.fields;
    this.fieldsArea.empty();
    if (!binding || !this.resource) return;
    const read = binding.read();
    el('div', 'cw-builder-caption').text(this.labels.fields).appendTo(this.fieldsArea);
    if ('locked' in read) {
      el('div', 'form-tips')
        .text(this.labels.locked.replace('{source}', read.locked))
        .appendTo(this.fieldsArea);
      return;
    }
    const chosen = parseFieldsText(read.text);
    const filter = el('input', 'cw-builder-fields-filter')
      .attr({ type: 'text', placeholder: this.labels.fieldsFilter })
      .appendTo(this.fieldsArea);
    const list = el('div', 'cw-builder-fields-list').appendTo(this.fieldsArea);
    // Top-level properties, each reference as a box of its own with its fields indented.
    const entries: { path: string; depth: number }[] = [];
    const seen = new Set<string>();
    for (const field of this.resource.fields) {
      const [head] = field.path.split('/');
      if (field.path.includes('/') && !seen.has(head)) {
        seen.add(head);
        entries.push({ path: head, depth: 0 });
      }
      entries.push({ path: field.path, depth: field.path.includes('/') ? 1 : 0 });
    }
    const html: string[] = [];
    for (const entry of entries) {
      const checked = chosen.includes(entry.path) ? ' checked' : '';
      const safe = entry.path.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
      html.push(
        `<label class="cw-builder-fields-item" data-path="${safe}" style="padding-left:${entry.depth * 16}px">` +
          `<input type="checkbox" value="${safe}"${checked}> ${safe}</label>`,
      );
    }
    list[0].innerHTML = html.join('');
    list.on('change', 'input', () => {
      const picked = new Set(
        list
          .find('input:checked')
          .toArray()
          .map((input) => (input as HTMLInputElement).value),
      );
      // Keep the order already written, then add new picks in list order.
      const ordered = [
        ...chosen.filter((path) => picked.has(path)),
        ...entries
          .map((entry) => entry.path)
          .filter((path) => picked.has(path) && !chosen.includes(path)),
      ];
      chosen.splice(0, chosen.length, ...ordered);
      this.writing = true;
      try {
        binding.write(fieldsText(ordered));
      } finally {
        this.writing = false;
      }
      this.updatePreview();
    });
    filter.on('input', () => {
      const words = String(filter.val() ?? '')
        .toLowerCase()
        .split(/\s+/)
        .filter(Boolean);
      for (const item of list.children().toArray()) {
        const path = (item.getAttribute('data-path') ?? '').toLowerCase();
        item.style.display = words.every((word) => path.includes(word)) ? '' : 'none';
      }
    });
  }

  private renderOrder(): void {
    const binding = this.bindings.orderBy;
    this.orderArea.empty();
    if (!binding || !this.resource) return;
    el('div', 'cw-builder-caption').text(this.labels.orderBy).appendTo(this.orderArea);
    const read = binding.read();
    if ('locked' in read) {
      el('div', 'form-tips')
        .text(this.labels.locked.replace('{source}', read.locked))
        .appendTo(this.orderArea);
      return;
    }
    if (this.order.length === 0) {
      const parsed = parseOrderByText(read.text);
      if (!parsed) {
        el('div', 'form-tips')
          .text(this.labels.staysText.replace('{reason}', read.text))
          .appendTo(this.orderArea);
        return;
      }
      this.order = parsed;
    }
    const rows = el('div', 'cw-builder-order-rows').appendTo(this.orderArea);
    const write = (): void => {
      this.writing = true;
      try {
        binding.write(orderByText(this.order));
      } finally {
        this.writing = false;
      }
      this.updatePreview();
    };
    const addRow = (entry: OrderBy): void => {
      const line = el('div', 'cw-builder-row').appendTo(rows);
      const select = el('select', 'cw-builder-order-field').appendTo(line);
      el('option').attr('value', '').text(this.labels.chooseField).appendTo(select);
      for (const field of this.resource?.fields ?? []) {
        el('option').attr('value', field.path).text(field.path).appendTo(select);
      }
      select.val(entry.field);
      const direction = el('select', 'cw-builder-order-direction').appendTo(line);
      el('option').attr('value', 'asc').text(this.labels.asc).appendTo(direction);
      el('option').attr('value', 'desc').text(this.labels.desc).appendTo(direction);
      direction.val(entry.direction);
      select.on('change', () => {
        entry.field = String(select.val() ?? '');
        write();
      });
      direction.on('change', () => {
        entry.direction = direction.val() === 'desc' ? 'desc' : 'asc';
        write();
      });
      button('', 'fa-times', 'cw-builder-remove')
        .attr('title', this.labels.remove)
        .appendTo(line)
        .on('click', (event) => {
          event.preventDefault();
          this.order = this.order.filter((other) => other !== entry);
          line.remove();
          write();
        });
    };
    for (const entry of this.order) addRow(entry);
    button(this.labels.addOrder, 'fa-plus', 'cw-builder-add-order')
      .appendTo(this.orderArea)
      .on('click', (event) => {
        event.preventDefault();
        const entry: OrderBy = { field: '', direction: 'asc' };
        this.order.push(entry);
        addRow(entry);
        RED.tray.resize();
      });
  }

  /** The settings as texts; a target the builder cannot read counts as not set. */
  private settings(): ListQuery {
    const text = (binding: TextBinding | undefined): string | undefined => {
      const read = binding?.read();
      return read && 'text' in read ? read.text : undefined;
    };
    return {
      conditions: text(this.bindings.conditions),
      childConditions: text(this.bindings.childConditions),
      customFieldConditions: text(this.bindings.customFieldConditions),
      orderBy: text(this.bindings.orderBy),
      fields: text(this.bindings.fields),
    };
  }

  private updatePreview(): void {
    if (!this.opened) return;
    this.preview.text(encodedListQuery(this.bindings.query(this.settings())) || '—');
  }

  private count(): void {
    const countId = this.resource?.countOperationId;
    if (!countId) {
      this.countResult.text(this.labels.noCount);
      return;
    }
    const settings = this.settings();
    this.countResult.removeClass('cw-test-ok cw-test-failed').text(this.labels.counting);
    countMatches({
      connection: this.bindings.connectionId(),
      operationId: this.operationId,
      params: this.bindings.otherParams(),
      conditions: settings.conditions,
      childConditions: settings.childConditions,
      customFieldConditions: settings.customFieldConditions,
    }).then((answer) => {
      if (answer.ok) {
        this.countResult
          .addClass('cw-test-ok')
          .text(this.labels.matches.replace('{count}', String(answer.count)));
      } else {
        this.countResult.addClass('cw-test-failed').text(answer.error);
      }
    });
  }
}
