import type { NodeAPI, NodeDef, Node } from 'node-red';

import type { ConnectionConfig, ConnectionCredentials } from '../../shared/node-configs';

type ConnectionNodeDef = NodeDef & ConnectionConfig;

export default function registerConnection(RED: NodeAPI): void {
  function ConnectionNode(this: Node<ConnectionCredentials>, config: ConnectionNodeDef): void {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType<
    Node<ConnectionCredentials>,
    ConnectionNodeDef,
    unknown,
    ConnectionCredentials
  >('connectwise-connection', ConnectionNode, {
    credentials: {
      publicKey: { type: 'password' },
      privateKey: { type: 'password' },
      clientId: { type: 'password' },
    },
  });
}
