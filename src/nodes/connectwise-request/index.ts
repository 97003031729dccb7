/**
 * The connectwise-request node: calls one operation of the ConnectWise Manage API per message.
 * A thin factory: it finds the connection and hands each message to the runtime.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

import type { RequestConfig } from '../../shared/node-configs';
import { registerCatalogEndpoints } from '../catalog-endpoints';
import type { ConnectionNode } from '../connectwise-connection';
import { doneFor, failureStatus, sendFor } from '../node-status';
import { RequestRuntime } from './request-runtime';

export const REQUEST_TYPE = 'connectwise-request';

type RequestNodeDef = NodeDef & RequestConfig;

export default function register(RED: NodeAPI): void {
  registerCatalogEndpoints(RED);

  function RequestNode(this: Node, config: RequestNodeDef): void {
    RED.nodes.createNode(this, config);
    const connection = config.connection
      ? (RED.nodes.getNode(config.connection) as ConnectionNode | null)
      : null;
    const runtime = new RequestRuntime(RED, this, config, connection ?? undefined);
    if (!connection) this.status(failureStatus('connection: not set'));

    this.on('input', (msg, send, done) => {
      void runtime.handle({ msg, send: sendFor(this, send), done: doneFor(this, msg, done) });
    });

    this.on('close', () => {
      runtime.close();
      this.status({});
    });
  }

  RED.nodes.registerType(REQUEST_TYPE, RequestNode);
}
