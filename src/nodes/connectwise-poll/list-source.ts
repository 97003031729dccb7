/**
 * The watched list operation, checked against the catalog at deploy, and the ChangeSource that
 * reads it through the connection's client at each poll.
 */
import type { ChangeQuery, ChangeSource } from '../../core/change-poller';
import { CwError, inputError } from '../../core/errors';
import type { CwResponse, PreparedRequest } from '../../core/http-types';
import { pathPlaceholderNames } from '../../core/path-template';
import { buildRequest, fitToUrlLimit, type NamedValue } from '../../core/request-builder';
import type { OperationDetail } from '../../shared/catalog-types';
import type { ParameterRow } from '../../shared/modes';

export interface OperationLookup {
  operation(operationId: string): OperationDetail | undefined;
}

export interface RequestSender {
  /** Where requests go: a long list read is fitted to its URL length. */
  readonly settings: { readonly baseUrl: string };
  request(req: PreparedRequest): Promise<CwResponse>;
}

export type ParameterValue = NamedValue;

/** What the change queries need from the list operation. */
const CHANGE_QUERY_PARAMS = ['conditions', 'orderBy', 'pageSize', 'page'];

function findParam(names: readonly string[], wanted: string): string | undefined {
  const lower = wanted.toLowerCase();
  return names.find((name) => name.toLowerCase() === lower);
}

/**
 * The operation to poll: a GET answering a list, taking conditions, order and paging, with a row
 * for each of its path parameters and no row it does not know.
 */
export function resolveListOperation(
  catalog: OperationLookup,
  operationId: string,
  rows: readonly ParameterRow[],
  usesFields: boolean,
): OperationDetail {
  const operation = catalog.operation(operationId);
  if (!operation) {
    throw inputError(
      'operationId',
      `"${operationId}" is not an operation of the connection's catalog`,
    );
  }
  if (operation.method !== 'get' || operation.responseKind !== 'list') {
    throw inputError(
      'operationId',
      `${operationId} (${operation.method.toUpperCase()} ${operation.path}) does not answer a list of records`,
    );
  }
  const queryNames = operation.queryParams.map((param) => param.name);
  const needed = usesFields ? [...CHANGE_QUERY_PARAMS, 'fields'] : CHANGE_QUERY_PARAMS;
  const missing = needed.filter((name) => findParam(queryNames, name) === undefined);
  if (missing.length > 0) {
    throw inputError(
      'operationId',
      `${operationId} cannot be polled: it takes no ${missing.join(', ')} parameter`,
    );
  }
  const pathNames = operation.pathParams.map((param) => param.name);
  for (const name of pathPlaceholderNames(operation.path)) {
    if (!rows.some((row) => row.name === name)) {
      throw inputError(`params.${name}`, `is required: ${operation.path} needs it`);
    }
  }
  for (const row of rows) {
    if (!pathNames.includes(row.name) && findParam(queryNames, row.name) === undefined) {
      throw inputError(`params.${row.name}`, `is not a parameter of ${operationId}`);
    }
  }
  return operation;
}

/**
 * Reads one page of the change queries from the list operation. One per node; each poll first
 * gives it the values its rows have for that poll.
 */
export class ListChangeSource implements ChangeSource {
  /** The collection polled, path parameters filled in (`/service/tickets/12/notes`). */
  resourcePath: string;
  private values: readonly ParameterValue[] = [];

  constructor(
    private readonly client: () => Promise<RequestSender>,
    private readonly operation: OperationDetail,
  ) {
    this.resourcePath = operation.path;
  }

  /** The rows' values for the coming poll; a bad value fails here, before anything is sent. */
  useValues(values: readonly ParameterValue[]): void {
    this.resourcePath = buildRequest(this.operation, { values }).path;
    this.values = values;
  }

  async fetch(change: ChangeQuery): Promise<unknown[]> {
    const built = buildRequest(this.operation, {
      values: this.values,
      query: {
        conditions: change.conditions === '' ? undefined : change.conditions,
        orderBy: change.orderBy,
        pageSize: change.pageSize,
        page: 1,
        fields: change.fields,
      },
    });
    const client = await this.client();
    const response = await client.request(fitToUrlLimit(built, client.settings.baseUrl));
    if (!Array.isArray(response.data)) {
      throw new CwError(
        'INVALID_RESPONSE',
        `GET ${built.path}: expected a list of records, got ${response.data === null ? 'nothing' : typeof response.data}`,
        { operationId: this.operation.operationId, url: response.url },
      );
    }
    return response.data;
  }
}
