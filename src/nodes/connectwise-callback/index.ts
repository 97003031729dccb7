/**
 * connectwise-callback: registers a ConnectWise callback (webhook) for a record type and level,
 * serves its endpoint on Node-RED's httpNode, verifies every delivery's signature, drops retried
 * deliveries and emits one message per change. A thin factory over CallbackRuntime.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

import { CwError, inputError } from '../../core/errors';
import { NODE_TYPES, type CallbackConfig } from '../../shared/node-configs';
import { followFlowStarts, reportSetupFailure } from '../node-status';
import { currentConfig } from '../saved-config';
import { CallbackRuntime, type CallbackConnection } from './callback-runtime';
import { resolveCallbackSettings } from './callback-settings';

export type { CallbackConfig } from './callback-settings';

export const CALLBACK_TYPE = NODE_TYPES.callback;

type CallbackNodeDef = NodeDef & CallbackConfig;

function findConnection(RED: NodeAPI, id: string | undefined): CallbackConnection {
  if (!id) throw inputError('connection', 'choose a ConnectWise connection');
  const found = RED.nodes.getNode(id) as unknown as Partial<CallbackConnection> | null;
  if (!found) {
    throw new CwError('CONFIG', 'connection: the chosen connection is not deployed', {
      field: 'connection',
    });
  }
  if (typeof found.getClient !== 'function') {
    throw new CwError('CONFIG', 'connection: the node chosen is not a ConnectWise connection', {
      field: 'connection',
    });
  }
  return found as CallbackConnection;
}

export default function register(RED: NodeAPI): void {
  followFlowStarts(RED);

  function ConnectwiseCallbackNode(this: Node, saved: CallbackNodeDef): void {
    RED.nodes.createNode(this, saved);
    let runtime: CallbackRuntime;
    try {
      const config = currentConfig<CallbackNodeDef>('callback', this, saved);
      const httpNodeRoot = (RED.settings as unknown as { httpNodeRoot?: string | false })
        .httpNodeRoot;
      runtime = new CallbackRuntime({
        RED,
        node: this,
        settings: resolveCallbackSettings(config, this.id, httpNodeRoot || '/'),
        connection: findConnection(RED, config.connection),
      });
    } catch (err) {
      reportSetupFailure(RED, this, err, { type: saved.callbackType, level: saved.level });
      this.on('close', () => this.status({}));
      return;
    }
    runtime.start();
    this.on('close', (removed: boolean, done: () => void) => {
      void runtime.close(removed).then(done, done);
    });
  }

  RED.nodes.registerType(CALLBACK_TYPE, ConnectwiseCallbackNode);
}
