/**
 * connectwise-poll: emits a message for every record of a ConnectWise list created or updated
 * since the last poll, resuming from a watermark kept in the node's context.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

import { NODE_TYPES, type PollConfig } from '../../shared/node-configs';
import { registerCatalogEndpoints } from '../catalog-endpoints';
import { registerListBuilderEndpoints } from '../list-builder-endpoints';
import { findConnection } from '../connection-lookup';
import { asError, followFlowStarts, reportFailure, reportSetupFailure } from '../node-status';
import { currentConfig } from '../saved-config';
import { usesPersistentContext } from './context-watermark';
import { PollRunner, type PollConnection } from './poll-runner';
import { resolvePollSettings } from './poll-settings';

type PollNodeDef = NodeDef & PollConfig;

export default function register(RED: NodeAPI): void {
  registerCatalogEndpoints(RED);
  registerListBuilderEndpoints(RED);
  followFlowStarts(RED);

  function ConnectwisePollNode(this: Node, saved: PollNodeDef): void {
    RED.nodes.createNode(this, saved);

    let runner: PollRunner | undefined;
    let setupError: Error | undefined;
    try {
      const config = currentConfig<PollNodeDef>('poll', this, saved);
      runner = new PollRunner({
        RED,
        node: this,
        settings: resolvePollSettings(config),
        connection: findConnection<PollConnection>(RED, config.connection),
        persistentContext: usesPersistentContext(
          (RED.settings as unknown as { contextStorage?: unknown }).contextStorage,
        ),
      });
      runner.start();
    } catch (err) {
      // A setting that cannot work is refused at deploy: no timer, every input answers it.
      setupError = asError(err);
      reportSetupFailure(RED, this, err, { operationId: saved.operationId });
    }

    this.on('input', (msg, _send, done) => {
      if (runner) runner.trigger(msg, done);
      else reportFailure(this, setupError, done);
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      if (!runner) {
        this.status({});
        done();
        return;
      }
      void runner.close().then(done, done);
    });
  }

  RED.nodes.registerType(NODE_TYPES.poll, ConnectwisePollNode);
}
