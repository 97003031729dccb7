/** The connectwise-poll node's dialog: a list operation, its rows and the watch settings. */
import { POLL_MANAGED_PARAMS } from '../shared/modes';
import { POLL_DEFAULTS, type PollConfig } from '../shared/node-configs';
import {
  builderLabels,
  fixedParams,
  inputBinding,
  pollQuery,
  rowBinding,
} from './builder-bindings';
import { ConditionsBuilder } from './conditions-builder';
import { ChangeFilterRows, typedWatchedFields } from './change-filter-rows';
import { ensureSelectValue, resizeTray } from './form-fields';
import { OperationForm, type OperationNode } from './operation-form';
import { showBuilder } from './request-form';

type PollNode = OperationNode & Partial<PollConfig>;

const forms = new WeakMap<object, OperationForm>();
const filterRows = new WeakMap<object, ChangeFilterRows>();

/** The change filter rows of a poll or callback form, labelled from its locale (`prefix`). */
export function prepareChangeFilters(
  node: { _(key: string): string; changeFilters?: PollConfig['changeFilters'] },
  prefix: string,
): ChangeFilterRows {
  const rows = new ChangeFilterRows(
    $('#node-input-cw-change-filters'),
    $('#node-input-watchedFields'),
    {
      kinds: {
        any: node._(`${prefix}.filters.any`),
        becomes: node._(`${prefix}.filters.becomes`),
        leaves: node._(`${prefix}.filters.leaves`),
      },
      add: node._(`${prefix}.filters.add`),
      value: node._(`${prefix}.filters.value`),
    },
  );
  rows.show(node.changeFilters ?? []);
  return rows;
}

export function preparePollForm(node: PollNode): void {
  ensureSelectValue('#node-input-intervalUnit', POLL_DEFAULTS.intervalUnit);
  ensureSelectValue('#node-input-output', POLL_DEFAULTS.output);
  ensureSelectValue('#node-input-start', POLL_DEFAULTS.start);
  const dialog: { builder?: ConditionsBuilder } = {};
  const form = new OperationForm({
    node,
    prefix: 'connectwise-poll',
    kind: 'list',
    hiddenParams: POLL_MANAGED_PARAMS,
    onDetail: (answer) => {
      if (answer) showBuilder(dialog, answer.operation.operationId, true);
      showFieldPicker(node, answer?.fieldPaths ?? []);
      resizeTray();
    },
  });
  forms.set(node, form);
  dialog.builder = new ConditionsBuilder(
    $('#node-input-cw-builder'),
    {
      conditions: inputBinding('#node-input-conditions'),
      childConditions: rowBinding(form, 'childConditions'),
      customFieldConditions: rowBinding(form, 'customFieldConditions'),
      fields: inputBinding('#node-input-fields'),
      query: pollQuery,
      otherParams: () => fixedParams(form),
      connectionId: () => String($('#node-input-connection').val() || node.connection || ''),
    },
    builderLabels(node, 'connectwise-poll'),
  );
  dialog.builder.setResource('', undefined);
  filterRows.set(node, prepareChangeFilters(node, 'connectwise-poll'));
  $('#node-input-start')
    .on('change', () => {
      $('.cw-since-row').toggle($('#node-input-start').val() === 'since');
      resizeTray();
    })
    .trigger('change');
  $('#node-input-cw-since').val(toUtcInput(node.since));
  form.load();
}

/** A list of the records' field paths: picking one adds it to the watched fields. */
function showFieldPicker(node: PollNode, paths: readonly string[]): void {
  const select = $('#node-input-cw-field-pick');
  select.off('change').empty();
  $('.cw-field-pick-row').toggle(paths.length > 0);
  if (paths.length === 0) return;
  $('<option value=""></option>')
    .text(node._('connectwise-poll.placeholder.pickField'))
    .appendTo(select);
  for (const path of paths) $('<option></option>').val(path).text(path).appendTo(select);
  select.on('change', () => {
    const picked = String(select.val() ?? '');
    if (picked === '') return;
    const input = $('#node-input-watchedFields');
    const fields = typedWatchedFields(String(input.val() ?? ''));
    if (!fields.includes(picked)) fields.push(picked);
    input.val(fields.join(', ')).trigger('change');
    select.val('');
  });
}

export function savePollForm(node: PollNode): void {
  const form = forms.get(node);
  if (form) node.params = form.params();
  const filters = filterRows.get(node);
  if (filters) node.changeFilters = filters.filters();
  filterRows.delete(node);
  node.since = fromUtcInput(String($('#node-input-cw-since').val() ?? ''));
  forms.delete(node);
}

export function closePollForm(node: PollNode): void {
  forms.delete(node);
  filterRows.delete(node);
}

/** The input shows the UTC date-time without its zone (ConnectWise dates are UTC). */
function toUtcInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 19);
}

function fromUtcInput(value: string): string {
  if (!value) return '';
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace('.000Z', 'Z');
}
