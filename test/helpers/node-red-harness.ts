/**
 * A Node-RED runtime for node tests (node-red-node-test-helper) with the package's nodes loaded
 * from dist/, and a recorder around one node under test: what it sends, what a Catch node sees,
 * what a Complete node sees and every status it shows. Run `npx tsc -p tsconfig.json` first.
 */
import { createRequire } from 'node:module';

import type { Node, NodeMessage } from 'node-red';

import { nodeRed } from './node-red-under-test';
import { helper, type Spy } from './test-helper';

export type { NodeTestHelper, Spy, SpyCall, TestRequest, TestResponse } from './test-helper';

/** The runtime's context module: the helper never loads configured stores, so tests do. */
interface ContextModule {
  load(): Promise<unknown>;
}

const load = createRequire(__filename);

const runtimeContext = nodeRed.load('@node-red/runtime/lib/nodes/context') as ContextModule;

export const connectionModule: unknown = load('../../nodes/connectwise-connection.js');
export const requestModule: unknown = load('../../nodes/connectwise-request.js');
export const pollModule: unknown = load('../../nodes/connectwise-poll.js');
/** Node-RED's own debug node: what it publishes is what the editor's sidebar shows. */
export const debugModule: unknown = nodeRed.load('@node-red/nodes/core/common/21-debug.js');

export { helper };

export const FLOW_ID = 'flow';
export const SUBJECT_ID = 'subject';

export type FlowNode = { id: string; type: string; [key: string]: unknown };
export type Status = { fill?: string; shape?: string; text?: string };

export type OutMessage = NodeMessage & {
  statusCode?: number;
  event?: string;
  cw?: Record<string, unknown> & { id?: number; lastUpdated?: string; url?: string };
  error?: { message: string; source?: { id: string } };
  status?: Status;
};

export interface Recorder<Message extends NodeMessage = OutMessage> {
  out: Message[];
  caught: Message[];
  completed: Message[];
  statuses: Status[];
}

/**
 * The node under test (id `subject`) wired to `out`, with Catch, Complete and Status nodes scoped
 * to it, each feeding a helper node; config nodes are passed through as they are. `tab` adds
 * settings to the flow's tab (its `env`, say).
 */
export function observedFlow(
  subject: FlowNode,
  configNodes: FlowNode[],
  tab: Record<string, unknown> = {},
): FlowNode[] {
  const inFlow = (node: FlowNode): FlowNode => ({ z: FLOW_ID, x: 100, y: 100, ...node });
  return [
    { label: 'under test', ...tab, id: FLOW_ID, type: 'tab' },
    ...configNodes,
    inFlow({ wires: [['out']], ...subject, id: SUBJECT_ID }),
    inFlow({ id: 'out', type: 'helper' }),
    inFlow({
      id: 'on-error',
      type: 'catch',
      scope: [SUBJECT_ID],
      uncaught: false,
      wires: [['caught']],
    }),
    inFlow({ id: 'caught', type: 'helper' }),
    inFlow({ id: 'on-done', type: 'complete', scope: [SUBJECT_ID], wires: [['completed']] }),
    inFlow({ id: 'completed', type: 'helper' }),
    inFlow({ id: 'on-status', type: 'status', scope: [SUBJECT_ID], wires: [['statuses']] }),
    inFlow({ id: 'statuses', type: 'helper' }),
  ];
}

/** Starts recording the helper nodes of an `observedFlow` just loaded. */
export function recordFlow<Message extends NodeMessage = OutMessage>(): Recorder<Message> {
  const recorder: Recorder<Message> = { out: [], caught: [], completed: [], statuses: [] };
  const record = (id: string, into: Message[]): void => {
    helper.getNode(id).on('input', (msg: NodeMessage) => into.push(msg as Message));
  };
  record('out', recorder.out);
  record('caught', recorder.caught);
  record('completed', recorder.completed);
  helper.getNode('statuses').on('input', (msg: NodeMessage) => {
    recorder.statuses.push((msg as OutMessage).status ?? {});
  });
  return recorder;
}

/** Loads an `observedFlow` (and the context stores the settings name) and records it. */
export async function loadObserved<Message extends NodeMessage = OutMessage>(
  modules: unknown[],
  flow: FlowNode[],
  credentials: Record<string, unknown>,
  options: { contextStores?: boolean } = {},
): Promise<{ node: Node; recorder: Recorder<Message> }> {
  await helper.load(modules, flow, credentials);
  // Before any poll: a poll node reads its watermark only when it polls.
  if (options.contextStores) await runtimeContext.load();
  return { node: helper.getNode(SUBJECT_ID), recorder: recordFlow<Message>() };
}

/** Loads the context stores of `helper.settings({contextStorage})` after a `setFlows`. */
export function loadContextStores(): Promise<unknown> {
  return runtimeContext.load();
}

/** Resolves once `ready()` holds; rejects after `ms` with the label and `explain()`. */
export async function waitFor(
  label: string,
  ready: () => boolean,
  ms = 8000,
  explain: () => string = () => '',
): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > ms) {
      const detail = explain();
      throw new Error(`timed out waiting for ${label}${detail ? `: ${detail}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a recorder holds so far, for a timeout's message. */
export function recorderState(
  recorder: Recorder<NodeMessage & { error?: { message?: string } }>,
): string {
  const { fill, shape, text } = recorder.statuses[recorder.statuses.length - 1] ?? {};
  const errors = recorder.caught.map((msg) => msg.error?.message).join(' | ');
  return (
    `${recorder.out.length} out, ${recorder.completed.length} done, ` +
    `status ${JSON.stringify({ fill, shape, text })}` +
    (errors ? `, errors: ${errors}` : '')
  );
}

/** Lets messages already sent reach the helper nodes. */
export function settle(ms = 30): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a Catch node shows, without the error name Node-RED may put in front. */
export function caughtText(msg: { error?: { message?: string } }): string {
  return (msg.error?.message ?? '').replace(/^CwError: /, '');
}

/** Statuses a node set, constructor included (before any Status node listens). */
export function statusCalls(node: Node): Status[] {
  const spy = node.status as unknown as Spy;
  return spy
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0] as Status);
}
