/**
 * Fetches the catalog from the runtime's admin endpoints and keeps it for the editor session:
 * the index once per document (and kind filter), each operation's detail once.
 */
import type { CatalogIndex, OperationDetail, OperationSummary } from '../shared/catalog-types';
import type { ConnectionConfig } from '../shared/node-configs';

export interface OperationAnswer {
  operation: OperationDetail;
  sampleBody?: unknown;
  /** For a list: the field paths of its records (`status/name`), to pick watched fields from. */
  fieldPaths?: string[];
}

/** `list`: only the GET operations that answer a list (what the poll node can watch). */
export type IndexKind = 'all' | 'list';

const indexRequests = new Map<string, Promise<CatalogIndex>>();
const loadedIndexes = new Map<string, CatalogIndex>();
const operationRequests = new Map<string, Promise<OperationAnswer>>();
const loadedOperations = new Map<string, OperationAnswer>();

const CONNECTION_PREFIX = 'connection:';
const PENDING_PREFIX = 'pending:';

/**
 * Where the catalog of a connection comes from, as a key of the caches: '' for the bundled
 * catalog, `connection:<id>` for a deployed connection with its own document (the runtime reads
 * the file it names), `pending:<path>` for one whose document setting is not deployed yet.
 */
export function documentForConnection(connectionId: unknown): string {
  if (typeof connectionId !== 'string' || connectionId === '' || connectionId === '_ADD_') {
    return '';
  }
  const connection = RED.nodes.node(connectionId) as
    (ConnectionConfig & { changed?: boolean }) | null;
  if (!connection || connection.openapiSource !== 'file') return '';
  if (connection.changed) return `${PENDING_PREFIX}${(connection.openapiPath ?? '').trim()}`;
  return `${CONNECTION_PREFIX}${connectionId}`;
}

/** GET (bundled, deployed connection) or POST (pending settings) of a catalog resource. */
function catalogRequest<T>(
  document: string,
  resource: string,
  query: Record<string, string>,
): Promise<T> {
  if (document.startsWith(PENDING_PREFIX)) {
    const openapiPath = document.slice(PENDING_PREFIX.length);
    return postJson<T>(`connectwise-manage/catalog/pending${resource}`, {
      ...query,
      openapiSource: 'file',
      openapiPath,
    });
  }
  const params = document.startsWith(CONNECTION_PREFIX)
    ? { ...query, connection: document.slice(CONNECTION_PREFIX.length) }
    : query;
  return getJson<T>(`connectwise-manage/catalog${resource}`, params);
}

/** The index of a document (and kind filter) if it was fetched already. */
export function cachedIndex(document: string, kind: IndexKind = 'all'): CatalogIndex | undefined {
  return loadedIndexes.get(`${kind}\n${document}`);
}

export function loadIndex(document: string, kind: IndexKind = 'all'): Promise<CatalogIndex> {
  const key = `${kind}\n${document}`;
  let request = indexRequests.get(key);
  if (!request) {
    const query: Record<string, string> = {};
    if (kind === 'list') query.kind = 'list';
    request = catalogRequest<CatalogIndex>(document, '', query).then((index) => {
      loadedIndexes.set(key, index);
      return index;
    });
    // A failed request is not kept, so reopening the dialog tries again.
    request.catch(() => indexRequests.delete(key));
    indexRequests.set(key, request);
  }
  return request;
}

export function loadOperation(document: string, operationId: string): Promise<OperationAnswer> {
  const key = `${document}\n${operationId}`;
  let request = operationRequests.get(key);
  if (!request) {
    request = catalogRequest<OperationAnswer>(
      document,
      `/operations/${encodeURIComponent(operationId)}`,
      {},
    ).then((answer) => {
      loadedOperations.set(key, answer);
      return answer;
    });
    request.catch(() => operationRequests.delete(key));
    operationRequests.set(key, request);
  }
  return request;
}

/** An operation's detail if it was fetched already (validators run synchronously). */
export function cachedOperation(
  document: string,
  operationId: string,
): OperationAnswer | undefined {
  return loadedOperations.get(`${document}\n${operationId}`);
}

/** An operation's index row if some index holding it was fetched already. */
export function cachedSummary(document: string, operationId: string): OperationSummary | undefined {
  for (const [key, index] of loadedIndexes) {
    if (!key.endsWith(`\n${document}`)) continue;
    const found = index.operations.find((op) => op.operationId === operationId);
    if (found) return found;
  }
  return undefined;
}

/** GET a JSON admin resource; rejects with the endpoint's own `{error}` text when it has one. */
function getJson<T>(url: string, query: Record<string, string>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    $.ajax({ url, data: query, dataType: 'json', cache: true })
      .done((data: T) => resolve(data))
      .fail((xhr: JQuery.jqXHR, _status: string, thrown: string) => {
        reject(new Error(ajaxErrorText(xhr, thrown)));
      });
  });
}

function postJson<T>(url: string, body: Record<string, string>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    $.ajax({
      url,
      method: 'POST',
      data: JSON.stringify(body),
      contentType: 'application/json',
      dataType: 'json',
    })
      .done((data: T) => resolve(data))
      .fail((xhr: JQuery.jqXHR, _status: string, thrown: string) => {
        reject(new Error(ajaxErrorText(xhr, thrown)));
      });
  });
}

export function ajaxErrorText(xhr: JQuery.jqXHR, thrown?: string): string {
  const body = xhr.responseJSON as { error?: unknown } | undefined;
  if (body && typeof body.error === 'string') return body.error;
  if (xhr.status === 0) return 'the Node-RED runtime did not answer';
  return `${xhr.status} ${thrown || xhr.statusText}`;
}
