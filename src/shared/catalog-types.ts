/**
 * The compiled catalog's shapes, shared by the runtime, the admin endpoints and the editor so the
 * two sides cannot drift.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What an operation answers: drives paging, output shape and binary handling. */
export type ResponseKind = 'list' | 'object' | 'count' | 'none' | 'binary';

export type ParameterType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/** One row of the index: enough to show and search the picker. */
export interface OperationSummary {
  operationId: string;
  method: HttpMethod;
  /** Path template as published, e.g. `/service/tickets/{parentId}/notes`. */
  path: string;
  tag: string;
  /** First path segment: company, service, finance, system, ... */
  module: string;
  summary: string;
}

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  type: ParameterType;
  format?: string;
  description?: string;
  enum?: string[];
  /**
   * False for the published document's path parameters that are not in the path template
   * (for example `transferContactId` on `DELETE /company/contacts/{id}`): they travel as query
   * parameters.
   */
  inTemplate?: boolean;
}

export interface RequestBodySpec {
  /** Component schema name (for example `Ticket`, `PatchOperation`, `Company.Configuration`). */
  schema?: string;
  /** True when the body is a list of `schema` (PATCH bodies, bulk operations). */
  array: boolean;
  required: boolean;
  contentType: string;
  /** True for JSON Patch bodies (`[{op, path, value}]`). */
  patch: boolean;
  /** True for multipart uploads (`POST /system/documents`). */
  multipart: boolean;
}

export interface OperationDetail extends OperationSummary {
  description?: string;
  pathParams: ParameterSpec[];
  queryParams: ParameterSpec[];
  /** Header parameters other than `clientId`. */
  headerParams: ParameterSpec[];
  body?: RequestBodySpec;
  responseKind: ResponseKind;
  /** Component schema name of the record (or of the list's items). */
  responseSchema?: string;
  /** The success status the document declares (200, 201, 204, 207). */
  successStatus: number;
  deprecated?: boolean;
}

export interface CatalogIndex {
  title: string;
  version: string;
  operationCount: number;
  operations: OperationSummary[];
}

/** A JSON Schema (OpenAPI 3.0 flavour) as kept in the compiled catalog. */
export type SchemaObject = { [key: string]: unknown };
