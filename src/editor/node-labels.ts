/** Node labels shown in the workspace. */
import type { ConnectionConfig } from '../shared/node-configs';
import { cachedSummary, documentForConnection } from './catalog-client';
import { readableSummary } from './operation-search';

interface LabelledOperationNode {
  name?: string;
  connection?: string;
  operationId?: string;
  operationSummary?: string;
}

function operationSummary(node: LabelledOperationNode): string | undefined {
  if (node.operationSummary) return node.operationSummary;
  if (!node.operationId) return undefined;
  const cached = cachedSummary(documentForConnection(node.connection), node.operationId);
  return cached ? readableSummary(cached.summary) : node.operationId;
}

export function requestLabel(node: LabelledOperationNode): string {
  return node.name || operationSummary(node) || 'cw request';
}

export function pollLabel(node: LabelledOperationNode): string {
  if (node.name) return node.name;
  const summary = operationSummary(node);
  return summary ? `poll ${summary}` : 'cw poll';
}

export function connectionLabel(node: Partial<ConnectionConfig>): string {
  if (node.name) return node.name;
  const site = node.site === 'custom' ? node.host || 'custom' : node.site || 'na';
  return `${node.companyId || 'connectwise'}@${site}`;
}
