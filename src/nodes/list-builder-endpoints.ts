/**
 * Admin routes of the editor's conditions builder: the fields a list's records offer (read from
 * the compiled catalog's schemas) and "count matches", which runs the list's count operation
 * through a deployed connection. Answers and errors never carry a secret.
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';

import { getCatalog, type Catalog } from '../core/catalog-store';
import { conditionTemplate } from '../core/condition-placeholders';
import { formatPlaceholder } from '../core/conditions';
import { CwError, isCwError } from '../core/errors';
import { connectionSecrets, redactSecrets } from '../core/redaction';
import { buildRequest, type NamedValue } from '../core/request-builder';
import { buildQueryString } from '../core/request-url';
import type { OperationDetail } from '../shared/catalog-types';
import { resourceFields, type ResourceFields } from '../shared/conditions-builder/schema-fields';
import { CONDITION_PARAMETERS } from '../shared/modes';
import type { ConnectionCredentials } from '../shared/node-configs';
import type { ConnectionNode } from './connectwise-connection';
import { findConnection } from './connection-lookup';

export const FIELDS_ROUTE = '/connectwise-manage/catalog/operations/:operationId/fields';
export const COUNT_ROUTE = '/connectwise-manage/count';
/** Reading the fields is reading the catalog. */
export const FIELDS_PERMISSION = 'connectwise-request.read';
/** Counting sends a request with the connection's keys: only those who may change the flows. */
export const COUNT_PERMISSION = 'connectwise-request.write';

export interface FieldsAnswer extends ResourceFields {
  /** The list's count operation (`getServiceTicketsCount`), when the document has one. */
  countOperationId?: string;
}

export type CountAnswer =
  | { ok: true; count: number; operationId: string; query: string }
  | { ok: false; code: string; error: string; statusCode?: number };

const registeredApps = new WeakSet<object>();
const countOperations = new WeakMap<Catalog, Map<string, string | undefined>>();

/** The `GET <list path>/count` operation of a list, if the document declares one. */
export function countOperationOf(catalog: Catalog, list: OperationDetail): string | undefined {
  let byList = countOperations.get(catalog);
  if (!byList) {
    byList = new Map();
    countOperations.set(catalog, byList);
  }
  if (!byList.has(list.operationId)) {
    const path = `${list.path.replace(/\/+$/, '')}/count`;
    const found = catalog.index().operations.find((op) => op.method === 'get' && op.path === path);
    const detail = found && catalog.operation(found.operationId);
    byList.set(list.operationId, detail?.responseKind === 'count' ? detail.operationId : undefined);
  }
  return byList.get(list.operationId);
}

function listOperation(catalog: Catalog, operationId: string): OperationDetail {
  const operation = catalog.operation(operationId);
  if (!operation) {
    throw new CwError('INPUT', `operationId: unknown operation ${operationId}`, {
      field: 'operationId',
    });
  }
  if (operation.responseKind !== 'list') {
    throw new CwError('INPUT', `operationId: ${operationId} does not answer a list`, {
      field: 'operationId',
    });
  }
  return operation;
}

function documentParam(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (!/\.json$/i.test(value.trim())) {
    throw new CwError('INPUT', `document: ${value.trim()} is not a .json file`, {
      field: 'document',
    });
  }
  return value.trim();
}

interface CountBody {
  connection?: unknown;
  operationId?: unknown;
  /** Path and query values known in the editor (fixed rows), by name. */
  params?: unknown;
  conditions?: unknown;
  childConditions?: unknown;
  customFieldConditions?: unknown;
}

function countValues(body: CountBody): NamedValue[] {
  const values: NamedValue[] = [];
  if (Array.isArray(body.params)) {
    for (const entry of body.params as unknown[]) {
      const named = entry as { name?: unknown; value?: unknown };
      if (typeof named?.name !== 'string' || named.name === '') continue;
      // The builder sets the conditions; paging and order mean nothing to a count.
      if (/^(page|pageSize|pageId|orderBy|fields)$/i.test(named.name)) continue;
      if ((CONDITION_PARAMETERS as readonly string[]).includes(named.name)) continue;
      if (['string', 'number', 'boolean'].includes(typeof named.value)) {
        values.push({ name: named.name, value: named.value });
      }
    }
  }
  for (const name of CONDITION_PARAMETERS) {
    const text = body[name];
    if (typeof text !== 'string' || text.trim() === '') continue;
    const [first] = conditionTemplate(text, name).placeholders;
    if (first) {
      throw new CwError(
        'INPUT',
        `${name}: ${formatPlaceholder(first)} is filled in for each message; count matches needs fixed values`,
        { field: name },
      );
    }
    values.push({ name, value: text });
  }
  return values;
}

async function runCount(RED: NodeAPI, body: CountBody): Promise<CountAnswer> {
  const connectionId = typeof body.connection === 'string' ? body.connection : undefined;
  const stored = connectionId
    ? (RED.nodes.getCredentials(connectionId) as ConnectionCredentials | undefined)
    : undefined;
  const secrets = [stored?.publicKey, stored?.privateKey, stored?.clientId];
  try {
    const connection = findConnection<ConnectionNode>(RED, connectionId);
    const catalog = connection.getCatalog();
    const list = listOperation(catalog, String(body.operationId ?? ''));
    const countId = countOperationOf(catalog, list);
    if (!countId) {
      throw new CwError('INPUT', `operationId: ${list.operationId} has no count operation`, {
        field: 'operationId',
      });
    }
    const countOp = catalog.operation(countId) as OperationDetail;
    const request = buildRequest(countOp, { values: countValues(body) });
    const client = await connection.getClient();
    secrets.push(...connectionSecrets(client.settings));
    const response = await client.request<{ count?: unknown } | null>(request);
    const count = response.data?.count;
    if (typeof count !== 'number') {
      throw new CwError('HTTP', `${countId}: the answer has no count`, { field: 'count' });
    }
    return { ok: true, count, operationId: countId, query: buildQueryString(request.query) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const answer: CountAnswer = {
      ok: false,
      code: isCwError(err) ? err.code : 'ERROR',
      error: redactSecrets(message, secrets),
    };
    if (isCwError(err) && err.statusCode !== undefined) answer.statusCode = err.statusCode;
    return answer;
  }
}

export function registerListBuilderEndpoints(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (registeredApps.has(app)) return;
  registeredApps.add(app);

  app.get(
    FIELDS_ROUTE,
    RED.auth.needsPermission(FIELDS_PERMISSION),
    (req: Request, res: Response) => {
      try {
        const catalog = getCatalog(documentParam(req.query.document));
        const list = listOperation(catalog, String(req.params.operationId));
        const answer: FieldsAnswer = resourceFields(list.responseSchema ?? '', (name) =>
          catalog.schema(name),
        );
        const countOperationId = countOperationOf(catalog, list);
        if (countOperationId) answer.countOperationId = countOperationId;
        res.set('Cache-Control', 'private, no-cache');
        res.json(answer);
      } catch (err) {
        const status = isCwError(err) && err.code === 'INPUT' ? 400 : 500;
        res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
      }
    },
  );

  app.post(
    COUNT_ROUTE,
    RED.auth.needsPermission(COUNT_PERMISSION),
    (req: Request, res: Response) => {
      const body = (req.body ?? {}) as CountBody;
      runCount(RED, body).then(
        (answer) => res.status(answer.ok || answer.code !== 'INPUT' ? 200 : 400).json(answer),
        () => res.status(500).json({ ok: false, code: 'ERROR', error: 'the count failed' }),
      );
    },
  );
}
