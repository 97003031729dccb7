/**
 * Parameter rows of an operation: every path parameter as a required row that cannot be removed,
 * and the operation's other parameters added on demand from a select. Each row is
 * `{name, type, value}` with a typedInput value.
 */
import type { OperationDetail, ParameterSpec } from '../shared/catalog-types';
import { INPUT_TYPES, type InputType, type ParameterRow } from '../shared/modes';

export interface ParameterRowsLabels {
  add: string;
  addPlaceholder: string;
  other: string;
  otherName: string;
  query: string;
  header: string;
  required: string;
  notInOperation: string;
}

export interface ParameterRowsOptions {
  labels: ParameterRowsLabels;
  /** Names never offered in the add select (for example the poll's own paging parameters). */
  hiddenNames?: readonly string[];
}

interface RowData {
  row: ParameterRow;
  spec?: ParameterSpec;
  required: boolean;
  /** A name typed by the user rather than taken from the operation. */
  custom: boolean;
}

const OTHER = '\u0000other';

export class ParameterRows {
  readonly element: JQuery;
  private readonly list: JQuery;
  private readonly addSelect: JQuery;
  private detail: OperationDetail | undefined;

  constructor(
    container: JQuery,
    private readonly options: ParameterRowsOptions,
  ) {
    const labels = options.labels;
    this.element = $('<div class="cw-params"></div>').appendTo(container);
    this.list = $('<ol class="cw-param-list"></ol>')
      .appendTo(this.element)
      .editableList<RowData>({
        addButton: false,
        removable: true,
        sortable: false,
        height: 'auto',
        scrollOnAdd: false,
        addItem: (row, _index, data) => this.buildRow(row, data),
        removeItem: () => this.refreshAddSelect(),
      });
    const addRow = $('<div class="cw-param-add"></div>').appendTo(this.element);
    this.addSelect = $('<select></select>').appendTo(addRow);
    $('<button type="button" class="red-ui-button red-ui-button-small"></button>')
      .append('<i class="fa fa-plus"></i> ')
      .append($('<span></span>').text(labels.add))
      .appendTo(addRow)
      .on('click', (event) => {
        event.preventDefault();
        this.addSelected();
      });
    this.refreshAddSelect();
  }

  /**
   * Shows the rows of an operation. `saved` rows keep their values: path parameters fill the
   * required rows, the others become optional rows. Rows for names the operation does not know
   * are kept (marked) so nothing typed is lost silently.
   */
  setOperation(detail: OperationDetail | undefined, saved: readonly ParameterRow[]): void {
    this.detail = detail;
    // Emptying measures the list: not worth it for a list that is empty already.
    if (this.list.editableList('length') > 0) this.list.editableList('empty');
    const savedByName = new Map(saved.map((row) => [row.name, row]));
    const used = new Set<string>();
    for (const spec of detail?.pathParams ?? []) {
      if (spec.inTemplate === false) continue;
      const row = savedByName.get(spec.name) ?? emptyRow(spec);
      used.add(spec.name);
      this.list.editableList('addItem', { row, spec, required: true, custom: false });
    }
    for (const row of saved) {
      if (used.has(row.name)) continue;
      used.add(row.name);
      const spec = detail ? findSpec(detail, row.name) : undefined;
      this.list.editableList('addItem', { row, spec, required: false, custom: !spec });
    }
    this.refreshAddSelect();
  }

  /** Carries over the rows whose names the new operation also has (for example `id`). */
  switchOperation(detail: OperationDetail): void {
    const kept = this.rows().filter((row) => findSpec(detail, row.name) !== undefined);
    this.setOperation(detail, kept);
  }

  rows(): ParameterRow[] {
    const rows: ParameterRow[] = [];
    this.list.editableList('items').each((_index, element) => {
      const item = $(element);
      const value = item.find('.cw-param-input');
      const nameInput = item.find('.cw-param-custom-name');
      const data = item.data('data') as RowData;
      const name = nameInput.length ? String(nameInput.val() ?? '').trim() : data.row.name;
      if (!name) return;
      rows.push({
        name,
        type: value.typedInput('type') as InputType,
        value: value.typedInput('value'),
      });
    });
    return rows;
  }

  /** The row of a name, if there is one. */
  row(name: string): ParameterRow | undefined {
    return this.rows().find((row) => row.name === name);
  }

  /**
   * Sets a text row (the conditions builder writes its rows this way): added when missing,
   * removed when the text is empty.
   */
  setText(name: string, text: string): void {
    let found: JQuery | undefined;
    this.list.editableList('items').each((_index, element) => {
      if ((($(element).data('data') as RowData | undefined)?.row.name ?? '') === name) {
        found = $(element);
      }
    });
    if (found && text === '') {
      this.list.editableList('removeItem', found.data('data') as RowData);
    } else if (found) {
      const input = found.find('.cw-param-input');
      input.typedInput('type', 'str');
      input.typedInput('value', text);
    } else if (text !== '') {
      const spec = this.detail ? findSpec(this.detail, name) : undefined;
      const row: ParameterRow = { name, type: 'str', value: text };
      this.list.editableList('addItem', { row, spec, required: false, custom: !spec });
    }
    this.refreshAddSelect();
  }

  /** Names of required rows that have no value. */
  missingRequired(): string[] {
    const missing: string[] = [];
    this.list.editableList('items').each((_index, element) => {
      const item = $(element);
      const data = item.data('data') as RowData;
      if (!data.required) return;
      if (isBlank(item.find('.cw-param-input').typedInput('value'))) missing.push(data.row.name);
    });
    return missing;
  }

  private buildRow(container: JQuery, data: RowData): void {
    const labels = this.options.labels;
    const line = $('<div class="cw-param-row"></div>').appendTo(container);
    const name = $('<div class="cw-param-name"></div>').appendTo(line);
    if (data.custom && !data.row.name) {
      $('<input type="text" class="cw-param-custom-name">')
        .attr('placeholder', labels.otherName)
        .appendTo(name);
    } else {
      name.text(data.row.name);
      if (data.required) {
        $('<span class="cw-param-required">*</span>').attr('title', labels.required).appendTo(name);
      }
      name.attr('title', describe(data, labels));
      if (data.custom) name.css('font-style', 'italic');
    }
    const valueCell = $('<div class="cw-param-value"></div>').appendTo(line);
    const input = $('<input type="text" class="cw-param-input">')
      .css('width', '100%')
      .attr('placeholder', placeholderFor(data.spec))
      .appendTo(valueCell)
      .typedInput({ types: [...INPUT_TYPES], default: defaultType(data.spec) });
    input.typedInput('type', isInputType(data.row.type) ? data.row.type : defaultType(data.spec));
    input.typedInput('value', data.row.value ?? '');
    if (data.required) {
      // A path parameter cannot be left out: its row has no remove button.
      const item = container.parent();
      item.find('> .red-ui-editableList-item-remove').remove();
      item.removeClass('red-ui-editableList-item-removable');
    }
  }

  private refreshAddSelect(): void {
    const labels = this.options.labels;
    const present = new Set(this.rows().map((row) => row.name));
    const hidden = new Set(this.options.hiddenNames ?? []);
    const offer = (specs: readonly ParameterSpec[]): ParameterSpec[] =>
      specs.filter((spec) => !present.has(spec.name) && !hidden.has(spec.name));
    const select = this.addSelect.empty();
    $('<option value=""></option>').text(labels.addPlaceholder).appendTo(select);
    const detail = this.detail;
    if (detail) {
      const query = offer([
        ...detail.pathParams.filter((spec) => spec.inTemplate === false),
        ...detail.queryParams,
      ]);
      appendGroup(select, labels.query, query);
      appendGroup(select, labels.header, offer(detail.headerParams));
    }
    $('<option></option>').attr('value', OTHER).text(labels.other).appendTo(select);
    select.val('');
  }

  private addSelected(): void {
    const name = String(this.addSelect.val() ?? '');
    if (!name) return;
    if (name === OTHER) {
      this.list.editableList('addItem', {
        row: { name: '', type: 'str', value: '' },
        required: false,
        custom: true,
      });
    } else {
      const spec = this.detail ? findSpec(this.detail, name) : undefined;
      this.list.editableList('addItem', {
        row: spec ? emptyRow(spec) : { name, type: 'str', value: '' },
        spec,
        required: false,
        custom: false,
      });
    }
    this.refreshAddSelect();
    RED.tray.resize();
  }
}

function appendGroup(select: JQuery, label: string, specs: readonly ParameterSpec[]): void {
  if (specs.length === 0) return;
  const group = $('<optgroup></optgroup>').attr('label', label).appendTo(select);
  for (const spec of specs) {
    const text = spec.required ? `${spec.name} *` : spec.name;
    $('<option></option>').attr('value', spec.name).text(text).appendTo(group);
  }
}

export function findSpec(detail: OperationDetail, name: string): ParameterSpec | undefined {
  return (
    detail.pathParams.find((spec) => spec.name === name) ??
    detail.queryParams.find((spec) => spec.name === name) ??
    detail.headerParams.find((spec) => spec.name === name)
  );
}

/** Path parameters that must have a value before the node can run. */
export function requiredPathParams(detail: OperationDetail): ParameterSpec[] {
  return detail.pathParams.filter((spec) => spec.inTemplate !== false);
}

export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || String(value).trim() === '';
}

function emptyRow(spec: ParameterSpec): ParameterRow {
  return { name: spec.name, type: defaultType(spec), value: '' };
}

function defaultType(spec: ParameterSpec | undefined): InputType {
  if (!spec) return 'str';
  if (spec.type === 'integer' || spec.type === 'number') return 'num';
  if (spec.type === 'boolean') return 'bool';
  return 'str';
}

function isInputType(value: unknown): value is InputType {
  return (INPUT_TYPES as readonly unknown[]).includes(value);
}

function placeholderFor(spec: ParameterSpec | undefined): string {
  if (!spec) return '';
  if (spec.enum && spec.enum.length > 0) return spec.enum.join(' | ');
  return spec.format ? `${spec.type} (${spec.format})` : spec.type;
}

function describe(data: RowData, labels: ParameterRowsLabels): string {
  if (data.custom) return labels.notInOperation;
  const spec = data.spec;
  if (!spec) return data.row.name;
  const where = spec.in === 'header' ? labels.header : spec.in;
  return [`${spec.name} (${where}, ${spec.type})`, spec.description ?? ''].join('\n').trim();
}
