/**
 * Matching of the picker's search text against operations: every word of the query must occur in
 * the operation's method, path, tag, summary or operationId, ignoring case. Pure, so it stays
 * fast (one lowercase haystack per operation, computed once per index).
 */
import type { OperationSummary } from '../shared/catalog-types';

export interface SearchableOperation {
  operation: OperationSummary;
  /** Lowercase text every query word is looked up in. */
  haystack: string;
}

export function searchableOperation(operation: OperationSummary): SearchableOperation {
  const haystack = [
    operation.method,
    operation.path,
    operation.tag,
    operation.summary,
    operation.operationId,
  ]
    .join(' ')
    .toLowerCase();
  return { operation, haystack };
}

/** The query's words, lowercase; an empty list means "no filter". */
export function queryWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word.length > 0);
}

export function matchesWords(haystack: string, words: readonly string[]): boolean {
  for (const word of words) {
    if (!haystack.includes(word)) return false;
  }
  return true;
}

export function filterOperations(
  operations: readonly SearchableOperation[],
  query: string,
): SearchableOperation[] {
  const words = queryWords(query);
  if (words.length === 0) return operations.slice();
  return operations.filter((entry) => matchesWords(entry.haystack, words));
}

/**
 * The published summaries sometimes name a .NET type in full
 * (`Get List of ConnectWise.Apis.v3_0.v2015_3.Service.Ticket.Ticket`); shows its last part.
 */
export function readableSummary(summary: string): string {
  return summary.replace(/\bConnectWise(?:\.\w+)*\.(\w+)\b/g, '$1');
}
