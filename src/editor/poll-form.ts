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
import { ensureSelectValue } from './form-fields';
import { OperationForm, type OperationNode } from './operation-form';
import { showBuilder } from './request-form';

type PollNode = OperationNode & Partial<PollConfig>;

const forms = new WeakMap<object, OperationForm>();

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
      RED.tray.resize();
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
  $('#node-input-start')
    .on('change', () => {
      $('.cw-since-row').toggle($('#node-input-start').val() === 'since');
      RED.tray.resize();
    })
    .trigger('change');
  $('#node-input-cw-since').val(toUtcInput(node.since));
}

export function savePollForm(node: PollNode): void {
  const form = forms.get(node);
  if (form) node.params = form.params();
  node.since = fromUtcInput(String($('#node-input-cw-since').val() ?? ''));
  forms.delete(node);
}

export function closePollForm(node: PollNode): void {
  forms.delete(node);
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
