/**
 * connectwise-callback: registers a ConnectWise callback (webhook) for a record type and level,
 * serves its endpoint on Node-RED's httpNode, verifies every delivery's signature, drops retried
 * deliveries and emits one message per change. A thin factory over CallbackRuntime.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

import { NODE_TYPES, type CallbackConfig } from '../../shared/node-configs';
import { findConnection } from '../connection-lookup';
import { followFlowStarts, reportSetupFailure } from '../node-status';
import { currentConfig } from '../saved-config';
import { CallbackRuntime, type CallbackConnection } from './callback-runtime';
import { resolveCallbackSettings } from './callback-settings';

export type { CallbackConfig } from './callback-settings';

export const CALLBACK_TYPE = NODE_TYPES.callback;

type CallbackNodeDef = NodeDef & CallbackConfig;

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
        connection: findConnection<CallbackConnection>(RED, config.connection),
      });
    } catch (err) {
      reportSetupFailure(RED, this, err, { type: saved.callbackType, level: saved.level });
      this.on('close', () => this.status({}));
      return;
    }
    runtime.start();
    this.on('input', (_msg, _send, done) => runtime.input(done));
    this.on('close', (removed: boolean, done: () => void) => {
      void runtime.close(removed).then(done, done);
    });
  }

  RED.nodes.registerType(CALLBACK_TYPE, ConnectwiseCallbackNode);
}
