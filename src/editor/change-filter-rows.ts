/**
 * The change filters of a poll or callback form: one row per filter, "any watched field changed",
 * "<field> becomes <value>" or "<field> stops being <value>", the field picked from the watched
 * fields typed above the list.
 */
import { CHANGE_FILTER_KINDS, type ChangeFilterConfig } from '../shared/change-filters';

interface FilterRowLabels {
  /** Label of each kind, by kind. */
  kinds: Record<string, string>;
  add: string;
  value: string;
}

/** The watched fields typed in the form: `status/name, owner/identifier`. */
export function typedWatchedFields(input: string): string[] {
  return input
    .split(/[,\n]/)
    .map((field) => field.trim())
    .filter((field, index, all) => field !== '' && all.indexOf(field) === index);
}

export class ChangeFilterRows {
  private readonly list: JQuery;

  constructor(
    container: JQuery,
    private readonly watchedInput: JQuery,
    private readonly labels: FilterRowLabels,
  ) {
    this.list = $('<ol class="cw-change-filters"></ol>')
      .appendTo(container)
      .editableList<ChangeFilterConfig>({
        addButton: labels.add,
        removable: true,
        sortable: false,
        height: 'auto',
        scrollOnAdd: false,
        addItem: (row, _index, data) => this.buildRow(row, data),
      });
    // The field choices follow the watched fields as they are typed.
    this.watchedInput.on('change', () => this.refreshFields());
  }

  show(filters: readonly ChangeFilterConfig[]): void {
    this.list.editableList('empty');
    for (const filter of filters) this.list.editableList('addItem', { ...filter });
  }

  filters(): ChangeFilterConfig[] {
    const filters: ChangeFilterConfig[] = [];
    this.list.editableList('items').each((_index, element) => {
      const item = $(element);
      const kind = String(item.find('.cw-filter-kind').val()) as ChangeFilterConfig['kind'];
      if (kind === 'any') {
        filters.push({ kind });
        return;
      }
      filters.push({
        kind,
        field: String(item.find('.cw-filter-field').val() ?? ''),
        value: String(item.find('.cw-filter-value').val() ?? ''),
      });
    });
    return filters;
  }

  private buildRow(row: JQuery, data: ChangeFilterConfig): void {
    const kind = $('<select class="cw-filter-kind" style="width: 34%;"></select>').appendTo(row);
    for (const name of CHANGE_FILTER_KINDS) {
      $('<option></option>').val(name).text(this.labels.kinds[name]).appendTo(kind);
    }
    kind.val(data.kind ?? 'becomes');
    const field = $(
      '<select class="cw-filter-field" style="width: 30%; margin-left: 4px;"></select>',
    )
      .appendTo(row)
      .data('saved', data.field ?? '');
    const value = $(
      '<input type="text" class="cw-filter-value" style="width: 30%; margin-left: 4px;">',
    )
      .attr('placeholder', this.labels.value)
      .val(data.value ?? '')
      .appendTo(row);
    kind
      .on('change', () => {
        const any = kind.val() === 'any';
        field.toggle(!any);
        value.toggle(!any);
      })
      .trigger('change');
    this.fillFields(field);
  }

  private refreshFields(): void {
    this.list.find('.cw-filter-field').each((_index, element) => {
      const field = $(element);
      field.data('saved', field.val() ?? field.data('saved'));
      this.fillFields(field);
    });
  }

  private fillFields(select: JQuery): void {
    const chosen = String(select.data('saved') ?? '');
    const fields = typedWatchedFields(String(this.watchedInput.val() ?? ''));
    // A saved field no longer watched stays shown, so the validator can name it.
    if (chosen !== '' && !fields.includes(chosen)) fields.push(chosen);
    select.empty();
    for (const name of fields) $('<option></option>').val(name).text(name).appendTo(select);
    select.val(chosen !== '' ? chosen : (fields[0] ?? ''));
  }
}
