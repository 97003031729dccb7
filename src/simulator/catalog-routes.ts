/**
 * The simulator's routes from the compiled catalog (dist/catalog), for an installed package that
 * ships the catalog but not the OpenAPI document: each operation described as routes.ts
 * describes it from the document.
 */
import type { Catalog } from '../core/catalog-store';
import type { OperationDetail } from '../shared/catalog-types';
import {
  paramName,
  routeTableOf,
  templateSegments,
  type RouteAction,
  type RouteOperation,
  type RouteTable,
  type SchemaMap,
} from './routes';

function binaryTypeOf(detail: OperationDetail): string | undefined {
  if (detail.responseKind !== 'binary' || detail.method !== 'get') return undefined;
  return /\/pdf$/i.test(detail.path) ? 'application/pdf' : 'application/octet-stream';
}

function actionOf(detail: OperationDetail, segments: string[], binary?: string): RouteAction {
  if (binary) return 'binary';
  const { method } = detail;
  const last = segments[segments.length - 1] ?? '';
  if (paramName(last) !== null) {
    if (method === 'get') return 'get';
    if (method === 'put') return 'replace';
    if (method === 'patch') return 'patch';
    if (method === 'delete') return 'delete';
    return 'action';
  }
  const literal = last.toLowerCase();
  if (literal === 'count' && method === 'get') return 'count';
  if (literal === 'search' && method === 'post') return 'search';
  if (method === 'get') return detail.responseKind === 'list' ? 'list' : 'singleton';
  if (method === 'post') return detail.successStatus === 201 ? 'create' : 'action';
  return 'action';
}

export function describeCatalogOperation(detail: OperationDetail): RouteOperation {
  const segments = templateSegments(detail.path);
  const binary = binaryTypeOf(detail);
  return {
    method: detail.method,
    template: detail.path,
    operationId: detail.operationId,
    action: actionOf(detail, segments, binary),
    successStatus: detail.successStatus,
    paramNames: segments.map(paramName),
    // A multipart form has no JSON body schema for the handlers to read.
    bodySchema: detail.body?.multipart ? undefined : detail.body?.schema,
    multipart: detail.body?.multipart === true,
    recordSchema: detail.responseSchema,
    binaryType: binary,
  };
}

/** The route table of a compiled catalog, in the document's order of operations. */
export function catalogRouteTable(catalog: Catalog): RouteTable {
  const operations: RouteOperation[] = [];
  for (const summary of catalog.index().operations) {
    const detail = catalog.operation(summary.operationId);
    if (detail) operations.push(describeCatalogOperation(detail));
  }
  return routeTableOf(operations, catalog.schemas() as SchemaMap);
}
