/** The connectwise-request node's dialog: operation, parameters, body, response and paging. */
import { ALL_PAGES_DEFAULT_RECORD_LIMIT } from '../shared/limits';
import { FORWARD_ONLY_MODES } from '../shared/modes';
import { REQUEST_DEFAULTS, type RequestConfig } from '../shared/node-configs';
import { builderLabels, fixedParams, requestQuery, rowBinding } from './builder-bindings';
import { cachedFields, loadFields } from './builder-client';
import { documentForConnection, type OperationAnswer } from './catalog-client';
import { ConditionsBuilder } from './conditions-builder';
import { afterPaint, ensureSelectValue, resizeTray, showIf } from './form-fields';
import { OperationForm, type OperationNode } from './operation-form';

type RequestNode = OperationNode & Partial<RequestConfig>;

interface RequestDialog {
  form: OperationForm;
  /** Created when the fixed body is first shown: most operations never need it. */
  bodyEditor?: EditorCodeEditor;
  /** The body text while no editor exists. */
  body: string;
  /** The sample body last written into the body, so a new pick may replace it. */
  lastSample: string;
  builder?: ConditionsBuilder;
}

const dialogs = new WeakMap<object, RequestDialog>();
const BODY_METHODS = new Set(['post', 'put', 'patch']);

export function prepareRequestForm(node: RequestNode): void {
  ensureSelectValue('#node-input-bodySource', REQUEST_DEFAULTS.bodySource);
  ensureSelectValue('#node-input-responseType', REQUEST_DEFAULTS.responseType);
  ensureSelectValue('#node-input-paging', REQUEST_DEFAULTS.paging);
  const dialog: RequestDialog = {
    body: node.body ?? '',
    lastSample: '',
    form: new OperationForm({
      node,
      prefix: 'connectwise-request',
      kind: 'all',
      onDetail: (answer, initial) => showOperation(dialog, answer, initial),
    }),
  };
  dialogs.set(node, dialog);
  prepareCustomFieldsAndActAs(node);
  const form = dialog.form;
  dialog.builder = new ConditionsBuilder(
    $('#node-input-cw-builder'),
    {
      conditions: rowBinding(form, 'conditions'),
      childConditions: rowBinding(form, 'childConditions'),
      customFieldConditions: rowBinding(form, 'customFieldConditions'),
      fields: rowBinding(form, 'fields'),
      orderBy: rowBinding(form, 'orderBy'),
      query: (settings) => requestQuery(form, settings),
      otherParams: () => fixedParams(form),
      connectionId: () => String($('#node-input-connection').val() || node.connection || ''),
    },
    builderLabels(node, 'connectwise-request'),
  );
  dialog.builder.setResource('', undefined);

  // Until the detail arrives, show the sections the saved settings use. Node-RED sizes the
  // dialog after this function, so nothing here asks for a resize.
  showIf($('.cw-body-section'), Boolean(node.body) || node.bodySource === 'fixed');
  showIf($('.cw-paging-section'), Boolean(node.paging) && node.paging !== 'page');
  showBodyEditor(dialog);
  showRecordLimit();
  $('#node-input-bodySource').on('change', () => {
    showBodyEditor(dialog);
    resizeTray();
  });
  $('#node-input-paging').on('change', () => {
    showRecordLimit();
    resizeTray();
  });
  form.load();
}

/**
 * The custom fields to set and the member to act as: typed inputs, read per message. They sit at
 * the foot of the dialog and a typed input takes longer to build than the rest of the form, so
 * they are built once the dialog has been painted; until then the plain inputs hold the saved
 * values and types, which is what a save reads.
 */
function prepareCustomFieldsAndActAs(node: RequestNode): void {
  const customFields = $('#node-input-customFields').attr(
    'placeholder',
    node._('connectwise-request.placeholder.customFields'),
  );
  const actAs = $('#node-input-actAs').attr(
    'placeholder',
    node._('connectwise-request.placeholder.actAs'),
  );
  afterPaint(() => {
    // The dialog may be gone already.
    if (!document.body.contains(customFields[0])) return;
    customFields.typedInput({
      default: REQUEST_DEFAULTS.customFieldsType,
      types: ['json', 'msg', 'flow', 'global', 'jsonata'],
      typeField: '#node-input-customFieldsType',
    });
    actAs.typedInput({
      default: REQUEST_DEFAULTS.actAsType,
      types: ['str', 'msg', 'flow', 'global', 'env', 'jsonata'],
      typeField: '#node-input-actAsType',
    });
    // Node-RED has checked the values by now: an invalid one is marked on its typed input too.
    for (const input of [customFields, actAs]) {
      input
        .next('.red-ui-typedInput-container')
        .toggleClass('input-error', input.hasClass('input-error'));
    }
  });
}

function showRecordLimit(): void {
  const paging = $('#node-input-paging').val();
  showIf($('.cw-record-limit-row'), paging !== 'page');
  showIf($('.cw-forward-only-row'), FORWARD_ONLY_MODES.includes(String(paging)));
  // Streaming modes hold one page at a time, so only `all` has a default limit.
  $('#node-input-recordLimit').attr(
    'placeholder',
    paging === 'all' ? String(ALL_PAGES_DEFAULT_RECORD_LIMIT) : '',
  );
}

export function saveRequestForm(node: RequestNode): void {
  const dialog = dialogs.get(node);
  if (!dialog) return;
  node.params = dialog.form.params();
  const body = bodyText(dialog);
  node.body = body.trim() === '' ? '' : body;
  closeRequestForm(node);
}

export function closeRequestForm(node: RequestNode): void {
  const dialog = dialogs.get(node);
  if (!dialog) return;
  dialog.bodyEditor?.destroy();
  dialogs.delete(node);
}

function bodyText(dialog: RequestDialog): string {
  return dialog.bodyEditor ? dialog.bodyEditor.getValue() : dialog.body;
}

function setBodyText(dialog: RequestDialog, text: string): void {
  if (dialog.bodyEditor) {
    dialog.bodyEditor.setValue(text, -1);
  } else {
    dialog.body = text;
  }
}

/** Shows the JSON editor when the body is fixed and the operation takes one. */
function showBodyEditor(dialog: RequestDialog): void {
  const fixed = $('#node-input-bodySource').val() === 'fixed';
  const row = $('.cw-body-editor-row');
  showIf(row, fixed);
  if (fixed && !dialog.bodyEditor && $('.cw-body-section').is(':visible')) {
    dialog.bodyEditor = RED.editor.createEditor({
      id: 'node-input-cw-body-editor',
      mode: 'ace/mode/json',
      value: dialog.body,
      // Folding by indentation, computed in the page while the editor is open. The default asks
      // Monaco's JSON worker, and an answer arriving after the dialog closed makes Monaco read the
      // model Node-RED has disposed ("Model is disposed!" thrown into the page). Bodies are
      // indented JSON, so the folds are the same.
      foldingStrategy: 'indentation',
    });
  }
}

function showOperation(
  dialog: RequestDialog,
  answer: OperationAnswer | undefined,
  initial: boolean,
): void {
  if (!answer) return;
  const operation = answer.operation;
  const takesBody = BODY_METHODS.has(operation.method) || operation.body !== undefined;
  showIf($('.cw-body-section'), takesBody);
  showIf($('.cw-paging-section'), operation.responseKind === 'list');
  if (operation.responseKind !== 'list') $('#node-input-paging').val('page').trigger('change');
  if (takesBody && answer.sampleBody !== undefined) {
    const sample = JSON.stringify(answer.sampleBody, null, 2);
    const current = bodyText(dialog);
    // Never overwrite a body the user wrote; replace an empty one or the previous sample.
    if (current.trim() === '' || (!initial && current === dialog.lastSample)) {
      setBodyText(dialog, sample);
    }
    dialog.lastSample = sample;
  }
  if (takesBody) showBodyEditor(dialog);
  showRecordLimit();
  showBuilder(
    dialog,
    operation.operationId,
    operation.responseKind === 'list' && operation.method === 'get',
  );
}

/** The conditions builder, for a list read with GET. */
export function showBuilder(
  dialog: { builder?: ConditionsBuilder },
  operationId: string,
  isList: boolean,
): void {
  const builder = dialog.builder;
  if (!builder) return;
  if (!isList) {
    builder.setResource(operationId, undefined);
    return;
  }
  const document = documentForConnection($('#node-input-connection').val());
  const known = cachedFields(document, operationId);
  if (known) {
    builder.setResource(operationId, known);
    resizeTray();
    return;
  }
  loadFields(document, operationId).then(
    (fields) => {
      builder.setResource(operationId, fields);
      resizeTray();
    },
    () => builder.setResource(operationId, undefined),
  );
}
