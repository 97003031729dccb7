/**
 * How the request and poll forms hand their texts to the conditions builder: parameter rows
 * (request: conditions, fields, orderBy; both: childConditions, customFieldConditions) and the
 * poll's own conditions and fields inputs.
 */
import { buildChangeConditions } from '../core/change-poller';
import { createWatermark } from '../core/watermark';
import type { ListQuery } from '../shared/conditions-builder';
import { POLL_DEFAULTS } from '../shared/node-configs';
import type { BuilderLabels, TextBinding } from './conditions-builder';
import type { OperationForm } from './operation-form';

const STATIC_TYPES = new Set(['str', 'num', 'bool']);

/** A parameter row as builder text: only a fixed text row can be edited in the editor. */
export function rowBinding(form: OperationForm, name: string): TextBinding {
  return {
    read: () => {
      const row = form.rows.row(name);
      if (!row) return { text: '' };
      return row.type === 'str' ? { text: row.value } : { locked: `${row.type}` };
    },
    write: (text) => form.rows.setText(name, text),
    watch: (changed) => {
      form.rows.element.on('change input', '.cw-param-input', () => changed());
      form.rows.element.on('click', '.red-ui-editableList-item-remove', () =>
        setTimeout(changed, 0),
      );
    },
  };
}

/** A plain text input of the form. */
export function inputBinding(selector: string): TextBinding {
  return {
    read: () => ({ text: String($(selector).val() ?? '') }),
    write: (text) => {
      $(selector).val(text);
    },
    watch: (changed) => {
      $(selector).on('input change', () => changed());
    },
  };
}

/** The other rows' fixed values (path parameters, extra query rows) for the count. */
export function fixedParams(form: OperationForm): { name: string; value: string }[] {
  return form
    .params()
    .filter((row) => STATIC_TYPES.has(row.type) && row.value !== '')
    .map((row) => ({ name: row.name, value: row.value }));
}

/** The request node sends its fixed query rows and the builder's settings. */
export function requestQuery(form: OperationForm, settings: ListQuery): ListQuery {
  const queryNames = new Set(form.detail()?.operation.queryParams.map((spec) => spec.name));
  const query: ListQuery = {};
  for (const row of fixedParams(form)) if (queryNames.has(row.name)) query[row.name] = row.value;
  return { ...query, ...settings };
}

/** The poll's first query after its starting point: its own conditions AND-ed with the user's. */
export function pollQuery(settings: ListQuery): ListQuery {
  const value = (id: string, fallback: string): string =>
    String($(`#node-input-${id}`).val() ?? '').trim() || fallback;
  const updatedField = value('updatedField', POLL_DEFAULTS.updatedField);
  const idField = value('idField', POLL_DEFAULTS.idField);
  const since = $('#node-input-start').val() === 'since' ? $('#node-input-cw-since').val() : '';
  const start = since ? new Date(`${String(since)}Z`) : new Date();
  const watermark = createWatermark(
    Number.isNaN(start.getTime()) ? null : start.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  );
  return {
    conditions: buildChangeConditions(watermark, {
      updatedField,
      idField,
      conditions: settings.conditions,
    }),
    childConditions: settings.childConditions,
    customFieldConditions: settings.customFieldConditions,
    orderBy: `${updatedField} asc, ${idField} asc`,
    pageSize: value('pageSize', String(POLL_DEFAULTS.pageSize)),
    page: 1,
    fields: settings.fields,
  };
}

const LABEL_KEYS: (keyof BuilderLabels)[] = [
  'open',
  'close',
  'all',
  'any',
  'not',
  'addRow',
  'addGroup',
  'remove',
  'chooseField',
  'preview',
  'count',
  'counting',
  'matches',
  'fields',
  'fieldsFilter',
  'orderBy',
  'addOrder',
  'asc',
  'desc',
  'staysText',
  'locked',
  'timeZone',
  'incomplete',
  'noCount',
  'fixedValue',
  'valueSource',
];

/** `<prefix>.builder.*` of the node type's locale file. */
export function builderLabels(node: EditorNodeInstance, prefix: string): BuilderLabels {
  const labels = {} as BuilderLabels;
  for (const key of LABEL_KEYS) labels[key] = node._(`${prefix}.builder.${key}`);
  return labels;
}
