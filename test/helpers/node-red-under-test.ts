/**
 * The Node-RED every test and benchmark runs on: the line `CW_NODE_RED` names (default: the
 * default leg's), found through scripts/supported-versions.js. Load Node-RED and its @node-red/*
 * modules through `nodeRed.load` and start it from `nodeRed.entry` or `nodeRed.cli`, never by
 * `require('node-red')`, or a leg would test another Node-RED than it names.
 */
import { requireSupportedNode, selectedNodeRed } from '../../scripts/supported-versions';

export type { EditorTheme, SelectedNodeRed } from '../../scripts/supported-versions';

export const nodeRed = selectedNodeRed();
requireSupportedNode(nodeRed);
