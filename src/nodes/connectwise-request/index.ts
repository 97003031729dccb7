/**
 * The connectwise-request node: calls one operation of the ConnectWise Manage API per message.
 * A thin factory: it reads the saved configuration, finds the connection and hands each message
 * to the runtime.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

import { NODE_TYPES, type RequestConfig } from '../../shared/node-configs';
import { registerCatalogEndpoints } from '../catalog-endpoints';
import { registerListBuilderEndpoints } from '../list-builder-endpoints';
import { findConnection } from '../connection-lookup';
import type { ConnectionNode } from '../connectwise-connection';
import {
  asError,
  failureStatus,
  followFlowStarts,
  reportFailure,
  shortErrorText,
} from '../node-status';
import { followCoordination, REQUEST_WITHOUT_REDIS } from '../coordination-status';
import { currentConfig } from '../saved-config';
import { RequestRuntime } from './request-runtime';

export const REQUEST_TYPE = NODE_TYPES.request;

type RequestNodeDef = NodeDef & RequestConfig;

export default function register(RED: NodeAPI): void {
  registerCatalogEndpoints(RED);
  registerListBuilderEndpoints(RED);
  followFlowStarts(RED);

  function RequestNode(this: Node, saved: RequestNodeDef): void {
    RED.nodes.createNode(this, saved);
    let runtime: RequestRuntime | undefined;
    let setupError: Error | undefined;
    let unfollow: () => void = () => undefined;
    try {
      const config = currentConfig<RequestNodeDef>('request', this, saved);
      const connection = findConnection<ConnectionNode>(RED, config.connection);
      runtime = new RequestRuntime(RED, this, config, connection);
      unfollow = followCoordination(this, connection, REQUEST_WITHOUT_REDIS);
    } catch (err) {
      // Each message answers the same error, so Catch nodes get it with the message.
      setupError = asError(err);
      this.status(failureStatus(shortErrorText(err)));
    }

    this.on('input', (msg, send, done) => {
      if (runtime) void runtime.handle({ msg, send, done });
      else reportFailure(this, setupError, done);
    });

    this.on('close', () => {
      unfollow();
      runtime?.close();
      this.status({});
    });
  }

  RED.nodes.registerType(REQUEST_TYPE, RequestNode);
}
