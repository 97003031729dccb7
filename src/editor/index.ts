/**
 * The editor bundle: what the three forms call, exposed as `window.ConnectWiseManage`. Each form
 * loads the bundle, so it installs itself only once.
 */
import { INPUT_TYPES } from '../shared/modes';
import { CONNECTION_DEFAULTS } from '../shared/node-configs';
import { callbackLabel, prepareCallbackForm, saveCallbackForm } from './callback-form';
import { loadIndex, loadOperation } from './catalog-client';
import { connectionFormValues, prepareConnectionForm } from './connection-form';
import { installStyles } from './editor-styles';
import { connectionLabel, pollLabel, requestLabel } from './node-labels';
import { filterOperations, searchableOperation } from './operation-search';
import { closePollForm, preparePollForm, savePollForm } from './poll-form';
import { closeRequestForm, prepareRequestForm, saveRequestForm } from './request-form';
import {
  numberInRange,
  validateApiVersion,
  validateBody,
  validateCallbackPath,
  validateCount,
  validateHost,
  validateInterval,
  validateObjectId,
  validateOpenapiPath,
  validateParams,
  validatePublicUrl,
  validateSince,
} from './validators';

const api = {
  version: 1,
  inputTypes: INPUT_TYPES,
  defaults: { connection: CONNECTION_DEFAULTS },
  request: {
    prepare: prepareRequestForm,
    save: saveRequestForm,
    cancel: closeRequestForm,
    label: requestLabel,
  },
  poll: {
    prepare: preparePollForm,
    save: savePollForm,
    cancel: closePollForm,
    label: pollLabel,
  },
  callback: {
    prepare: prepareCallbackForm,
    save: saveCallbackForm,
    label: callbackLabel,
  },
  connection: {
    prepare: prepareConnectionForm,
    label: connectionLabel,
    values: connectionFormValues,
  },
  validators: {
    params: validateParams,
    body: validateBody,
    count: validateCount,
    range: numberInRange,
    apiVersion: validateApiVersion,
    interval: validateInterval,
    since: validateSince,
    host: validateHost,
    openapiPath: validateOpenapiPath,
    objectId: validateObjectId,
    publicUrl: validatePublicUrl,
    callbackPath: validateCallbackPath,
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
