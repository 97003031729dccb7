/** The connectwise-callback node's dialog: type, level (with its object id), and the endpoint URL. */
import { CALLBACK_TYPES, callbackTypeInfo, isOwnerLevel } from '../core/callback-types';
import type { ChangeFilterConfig } from '../shared/change-filters';
import type { ChangeFilterRows } from './change-filter-rows';
import { prepareChangeFilters } from './poll-form';

/** The saved fields of the node this form reads and writes. */
interface CallbackNode {
  id: string;
  name?: string;
  callbackType?: string;
  level?: string;
  objectId?: number | string;
  changeFilters?: ChangeFilterConfig[];
  _(key: string): string;
}

const filterRows = new WeakMap<object, ChangeFilterRows>();

function defaultPath(node: CallbackNode): string {
  return `/connectwise/callback/${node.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

function fillLevels(type: string, selected: string | undefined): void {
  const levels = callbackTypeInfo(type)?.levels ?? ['Owner'];
  const select = $('#node-input-level');
  select.empty();
  for (const level of levels) select.append($('<option>').val(level).text(level));
  select.val(selected && levels.includes(selected) ? selected : 'Owner');
}

function showEndpoint(node: CallbackNode): void {
  const base = String($('#node-input-publicUrl').val() ?? '')
    .trim()
    .replace(/\/+$/, '');
  const path = String($('#node-input-path').val() ?? '').trim() || defaultPath(node);
  $('#node-input-cw-endpoint').text(base ? `${base}${path.startsWith('/') ? '' : '/'}${path}` : '');
}

export function prepareCallbackForm(node: CallbackNode): void {
  const typeSelect = $('#node-input-callbackType');
  typeSelect.empty();
  for (const info of CALLBACK_TYPES)
    typeSelect.append($('<option>').val(info.type).text(info.type));
  typeSelect.val(node.callbackType || 'Ticket');
  fillLevels(node.callbackType || 'Ticket', node.level);
  typeSelect.on('change', () => {
    fillLevels(String(typeSelect.val()), String($('#node-input-level').val()));
    $('#node-input-level').trigger('change');
  });
  $('#node-input-level')
    .on('change', () => {
      $('.cw-object-id-row').toggle(!isOwnerLevel(String($('#node-input-level').val() ?? 'Owner')));
    })
    .trigger('change');
  filterRows.set(node, prepareChangeFilters(node, 'connectwise-callback'));
  $('#node-input-path').attr('placeholder', defaultPath(node));
  $('#node-input-publicUrl, #node-input-path').on('input change', () => showEndpoint(node));
  showEndpoint(node);
}

/** The object id field is kept only where the level uses it. */
export function saveCallbackForm(node: CallbackNode): void {
  const filters = filterRows.get(node);
  if (filters) node.changeFilters = filters.filters();
  filterRows.delete(node);
  if (isOwnerLevel(String(node.level ?? $('#node-input-level').val() ?? 'Owner')))
    node.objectId = '';
}

export function callbackLabel(node: CallbackNode): string {
  if (node.name) return node.name;
  const type = node.callbackType || 'Ticket';
  const level =
    node.level && !isOwnerLevel(node.level) ? ` ${node.level} ${node.objectId ?? ''}` : '';
  return `cw ${type.toLowerCase()} callback${level}`.trim();
}
