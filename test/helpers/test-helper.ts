/**
 * node-red-node-test-helper, typed (it ships without declarations) and started on the Node-RED
 * under test. Every in-process node test shares this one instance.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';

import type { Node } from 'node-red';

import { nodeRed } from './node-red-under-test';

export interface TestResponse {
  status: number;
  body: unknown;
  text: string;
  headers: Record<string, string>;
}

export interface TestRequest extends PromiseLike<TestResponse> {
  set(header: string, value: string): TestRequest;
  send(body: unknown): TestRequest;
}

/** A sinon spy as the helper installs it on Node.prototype and on the log. */
export interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}
export interface Spy {
  getCalls(): SpyCall[];
}

export interface NodeTestHelper {
  init(nodeRedPath: string): void;
  /** `nodes`: one node module or an array of them. */
  load(nodes: unknown, flow: unknown[], credentials?: unknown): Promise<void>;
  unload(): Promise<void>;
  setFlows(flow: unknown[], type: 'full' | 'flows' | 'nodes', credentials?: unknown): Promise<void>;
  getNode(id: string): Node;
  settings(userSettings: Record<string, unknown>): Record<string, unknown>;
  request(): {
    get(url: string): TestRequest;
    post(url: string): TestRequest;
  };
  log(): Spy;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  /** The runtime's event bus: the debug node publishes sidebar messages on it as `comms`. */
  readonly _events: EventEmitter;
  /** What nodes loaded afterwards get as `RED.server` (startServer sets it to its own server). */
  _server?: Server;
}

export const helper = createRequire(__filename)('node-red-node-test-helper') as NodeTestHelper;
helper.init(nodeRed.entry);
