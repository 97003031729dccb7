/** Types of supported-versions.js, for the TypeScript tests and benchmarks. */

export type NodeMajor = 22 | 24;
export type NodeRedLine = '5.0' | '4.1';
export type EditorTheme = 'light' | 'dark';

export interface Leg {
  name: string;
  nodeRed: NodeRedLine;
  node: NodeMajor;
}

export interface SelectedNodeRed {
  line: NodeRedLine;
  version: string;
  dir: string;
  /** What `require('node-red')` loads: the embedding API, and node-red-node-test-helper's root. */
  entry: string;
  /** The command-line start script (`node red.js -u <userDir>`). */
  cli: string;
  /** The Node.js range its package.json asks for. */
  engines: string;
  themes: EditorTheme[];
  /** `require` from inside the Node-RED package: its @node-red/* modules and dependencies. */
  load: NodeJS.Require;
}

export interface LegCounts {
  node: string;
  nodeRed: string;
  passed: number;
  failed: number;
  skipped?: number;
}

export const NODE_RELEASES: Record<NodeMajor, string>;
export const NODE_RED_LINES: Record<NodeRedLine, { packageName: string; themes: EditorTheme[] }>;
export const LEGS: Leg[];
export const DEFAULT_LEG: Leg;
export const NODE_RED_ENV: string;
export const LEGS_ENV: string;
export function chosenLegs(text?: string): Leg[];
export function selectedNodeRed(line?: string): SelectedNodeRed;
export function runsOn(nodeRed: SelectedNodeRed, nodeVersion?: string): boolean;
export function requireSupportedNode(nodeRed: SelectedNodeRed): void;
export function legSummary(counts: LegCounts): string;
export function parseLegSummary(line: string): Required<LegCounts> | undefined;
