/**
 * The editor bundle: what the three forms call, exposed as `window.ConnectWiseManage`. Each form
 * loads the bundle, so it installs itself only once.
 */
import { INPUT_TYPES } from '../shared/modes';
import type { NodeKind } from '../shared/node-configs';
import { callbackLabel, prepareCallbackForm, saveCallbackForm } from './callback-form';
import { loadIndex, loadOperation } from './catalog-client';
import { connectionFormValues, prepareConnectionForm } from './connection-form';
import { installStyles } from './editor-styles';
import { buildingForm } from './form-fields';
import { editorDefaults, migrateOnOpen } from './node-definitions';
import { connectionLabel, pollLabel, requestLabel } from './node-labels';
import { filterOperations, searchableOperation } from './operation-search';
import { closePollForm, preparePollForm, savePollForm } from './poll-form';
import { closeRequestForm, prepareRequestForm, saveRequestForm } from './request-form';

/** A dialog's set-up, after the node was brought up to the current configuration. */
function preparing(
  kind: NodeKind,
  prepare: (node: never) => void,
): (node: EditorNodeInstance) => void {
  return (node) => {
    migrateOnOpen(kind, node);
    buildingForm(() => prepare(node as never));
  };
}

const api = {
  version: 1,
  inputTypes: INPUT_TYPES,
  request: {
    defaults: editorDefaults('request'),
    prepare: preparing('request', prepareRequestForm),
    save: saveRequestForm,
    cancel: closeRequestForm,
    label: requestLabel,
  },
  poll: {
    defaults: editorDefaults('poll'),
    prepare: preparing('poll', preparePollForm),
    save: savePollForm,
    cancel: closePollForm,
    label: pollLabel,
  },
  callback: {
    defaults: editorDefaults('callback'),
    prepare: preparing('callback', prepareCallbackForm),
    save: saveCallbackForm,
    label: callbackLabel,
  },
  connection: {
    defaults: editorDefaults('connection'),
    prepare: preparing('connection', prepareConnectionForm),
    label: connectionLabel,
    values: connectionFormValues,
  },
  catalog: { loadIndex, loadOperation, filterOperations, searchableOperation },
};

export type ConnectWiseManageEditor = typeof api;

declare global {
  interface Window {
    ConnectWiseManage?: ConnectWiseManageEditor;
  }
}

if (!window.ConnectWiseManage) {
  installStyles();
  window.ConnectWiseManage = api;
}
