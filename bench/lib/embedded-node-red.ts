/**
 * A real Node-RED runtime embedded in the benchmark's process, loading this package the way a
 * user's install does: linked into the userDir's node_modules, so the nodes run from dist/.
 * A tiny `bench-sink` node (written into a temporary nodes folder) hands every message it
 * receives to the benchmark, and keeps nothing: memory figures are the runtime's own.
 * Node-RED logs warnings only; BENCH_NODE_RED_LOG=info (or debug) shows more.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Node, NodeMessage } from 'node-red';

import { CONNECTION_DEFAULTS, REQUEST_DEFAULTS } from '../../src/shared/node-configs';
import { nodeRed } from '../../test/helpers/node-red-under-test';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = '@msp-nodes/node-red-connectwise-manage';

/** Installs this package into a userDir as `npm link` would: a symlink in its node_modules. */
export function linkPackage(userDir: string): void {
  const link = path.join(userDir, 'node_modules', PACKAGE_NAME);
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(PACKAGE_ROOT, link, 'dir');
}

/** Receives every message that reaches a `bench-sink` node, with the sink's name. */
export type SinkHandler = (sink: string, msg: NodeMessage) => void;

const SINK_GLOBAL = '__connectwiseBenchSink';

const SINK_NODE_JS = `module.exports = function (RED) {
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    const name = config.name || config.id;
    this.on('input', function (msg, _send, done) {
      const handler = globalThis.${SINK_GLOBAL};
      if (handler) handler(name, msg);
      done();
    });
  }
  RED.nodes.registerType('bench-sink', BenchSink);
};
`;

const SINK_NODE_HTML = `<script type="text/javascript">
  RED.nodes.registerType('bench-sink', { category: 'common', defaults: { name: { value: '' } }, inputs: 1, outputs: 0 });
</script>
`;

/** A flow node as saved in flows.json. */
export type FlowNode = { id: string; type: string; [key: string]: unknown };
export type FlowCredentials = Record<string, Record<string, string>>;

interface RuntimeApi {
  events: {
    once(event: 'flows:started', listener: () => void): void;
  };
  flows: {
    setFlows(opts: {
      flows: { flows: FlowNode[]; credentials?: FlowCredentials };
      deploymentType?: string;
    }): Promise<unknown>;
  };
}

interface NodeRedModule {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly nodes: { getNode(id: string): Node | null };
  runtime: RuntimeApi;
}

export interface EmbeddedNodeRed {
  version: string;
  /** Replaces every flow (a full deploy) and waits until the flows run. */
  deploy(flows: FlowNode[], credentials?: FlowCredentials): Promise<void>;
  node(id: string): Node;
  onSink(handler: SinkHandler | undefined): void;
  stop(): Promise<void>;
}

let started = false;

/** Starts Node-RED in this process (once per process: the runtime cannot be started twice). */
export async function startEmbeddedNodeRed(): Promise<EmbeddedNodeRed> {
  if (started) throw new Error('Node-RED is already running in this process');
  started = true;
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'cw-bench-nodered-'));
  const nodesDir = path.join(userDir, 'nodes');
  mkdirSync(nodesDir);
  writeFileSync(path.join(nodesDir, 'bench-sink.js'), SINK_NODE_JS);
  writeFileSync(path.join(nodesDir, 'bench-sink.html'), SINK_NODE_HTML);
  linkPackage(userDir);
  writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const removeUserDir = (): void => rmSync(userDir, { recursive: true, force: true });
  // Also when the benchmark is stopped before it could stop Node-RED.
  process.once('exit', removeUserDir);

  const RED = nodeRed.load(nodeRed.entry) as NodeRedModule;
  RED.init({
    userDir,
    nodesDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    logging: {
      console: { level: process.env.BENCH_NODE_RED_LOG ?? 'warn', metrics: false, audit: false },
    },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
  });
  const firstStart = new Promise<void>((resolve) =>
    RED.runtime.events.once('flows:started', resolve),
  );
  await RED.start();
  await firstStart;
  const sinkHost = globalThis as unknown as Record<string, SinkHandler | undefined>;

  return {
    // The runtime's own version() adds "-git" when any parent folder holds a .git.
    version: nodeRed.version,
    async deploy(flows, credentials = {}) {
      // Node-RED takes a node without a canvas position for a config node.
      const placed = flows.map((node) => (node.z ? { x: 100, y: 100, ...node } : node));
      // setFlows answers once the flows are saved; they start a moment later.
      const running = new Promise<void>((resolve) =>
        RED.runtime.events.once('flows:started', resolve),
      );
      await RED.runtime.flows.setFlows({
        flows: { flows: placed, credentials },
        deploymentType: 'full',
      });
      await running;
    },
    node(id) {
      const found = RED.nodes.getNode(id);
      if (!found) throw new Error(`node ${id} is not deployed`);
      return found;
    },
    onSink(handler) {
      sinkHost[SINK_GLOBAL] = handler;
    },
    async stop() {
      sinkHost[SINK_GLOBAL] = undefined;
      try {
        await RED.runtime.flows.setFlows({ flows: { flows: [] }, deploymentType: 'full' });
        await RED.stop();
      } finally {
        process.off('exit', removeUserDir);
        removeUserDir();
      }
    },
  };
}

/** A connection node on the simulator with the editor's defaults, except what is given. */
export function connectionFlowNode(
  id: string,
  siteUrl: string,
  companyId: string,
  overrides: Record<string, unknown> = {},
): FlowNode {
  return {
    ...CONNECTION_DEFAULTS,
    id,
    type: 'connectwise-connection',
    name: 'simulator',
    site: 'custom',
    host: siteUrl,
    companyId,
    ...overrides,
  };
}

/** A request node with the editor's defaults, except what is given. */
export function requestFlowNode(id: string, settings: Record<string, unknown>): FlowNode {
  return { ...REQUEST_DEFAULTS, id, type: 'connectwise-request', params: [], ...settings };
}
