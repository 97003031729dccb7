/**
 * Forward-only paging as a setting of the paging modes that read many pages: whether a request
 * pages by `pageId`, and the refusal of a request whose own `pagination-type` header says
 * otherwise. A header that asks for forward-only paging while the node pages by number would
 * make every page after the first ignore `page`, so the list would end silently after one page.
 */
import { inputError } from './errors';
import type { PreparedRequest } from './http-types';

export const PAGINATION_TYPE_HEADER = 'pagination-type';
export const FORWARD_ONLY = 'forward-only';

export interface ForwardOnlySources {
  /** The header names a message's `msg.cw.headers` set (they name the field in errors). */
  overriddenHeaders?: readonly string[];
}

function findKey(record: Record<string, unknown> | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return record ? Object.keys(record).find((key) => key.toLowerCase() === lower) : undefined;
}

/**
 * True when `request`, read page after page, pages forward-only: the node's setting. Throws an
 * INPUT error naming the header row (or `msg.cw.headers` entry) when its `pagination-type`
 * disagrees with the setting, or when `orderBy` is set though forward-only lists are ordered by id.
 */
export function pagesForwardOnly(
  request: PreparedRequest,
  forwardOnly: boolean,
  sources: ForwardOnlySources = {},
): boolean {
  const key = findKey(request.headers, PAGINATION_TYPE_HEADER);
  if (key !== undefined) {
    const value = String(request.headers?.[key] ?? '').trim();
    const overridden = (sources.overriddenHeaders ?? []).some(
      (name) => name.toLowerCase() === key.toLowerCase(),
    );
    const field = overridden ? `msg.cw.headers.${key}` : `params.${key}`;
    const asksForwardOnly = value.toLowerCase() === FORWARD_ONLY;
    if (asksForwardOnly && !forwardOnly) {
      throw inputError(
        field,
        `"${value}" conflicts with the paging mode, which pages by page number: turn on ` +
          '"Forward-only" in the node (it sends this header and follows pageId), or remove the row',
        request.operationId,
      );
    }
    if (!asksForwardOnly && forwardOnly) {
      throw inputError(
        field,
        `"${value}" conflicts with forward-only paging, which sends "${PAGINATION_TYPE_HEADER}: ${FORWARD_ONLY}": remove the row`,
        request.operationId,
      );
    }
  }
  if (forwardOnly) {
    const orderBy = findKey(request.query, 'orderBy');
    if (orderBy !== undefined) {
      throw inputError(
        `params.${orderBy}`,
        'forward-only paging orders records by id: remove orderBy, or turn off "Forward-only"',
        request.operationId,
      );
    }
  }
  return forwardOnly;
}
