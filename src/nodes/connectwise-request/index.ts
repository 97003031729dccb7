import type { NodeAPI, NodeDef, Node } from 'node-red';

export default function register(RED: NodeAPI): void {
  function PlaceholderNode(this: Node, config: NodeDef): void {
    RED.nodes.createNode(this, config);
  }
  RED.nodes.registerType('connectwise-request', PlaceholderNode);
}
