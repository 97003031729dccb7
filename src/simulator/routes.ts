/**
 * The simulator's routes, read from the OpenAPI document: every path template becomes a branch
 * of a segment tree, and every operation is classified by the shape of its path (collection,
 * item, count, search, binary) so one generic handler serves all ~3,000 operations.
 */
import {
  HTTP_METHODS,
  loadOpenApiDocument,
  type OpenApiDocument,
  type OpenApiOperation,
} from '../core/openapi-document';
import type { HttpMethod } from '../shared/catalog-types';

export type RouteAction =
  | 'list' // GET <collection>
  | 'create' // POST <collection>
  | 'count' // GET <collection>/count
  | 'search' // POST <collection>/search
  | 'get' // GET <collection>/{id}
  | 'replace' // PUT <collection>/{id}
  | 'patch' // PATCH <collection>/{id}
  | 'delete' // DELETE <collection>/{id}
  | 'singleton' // GET on a path answering one object (`/system/info`)
  | 'binary' // GET answering bytes (downloads, images, PDFs)
  | 'action'; // anything else (`/copy`, `/merge`): acknowledged, no effect

export type SchemaMap = { [name: string]: { [key: string]: unknown } };

export interface RouteOperation {
  method: HttpMethod;
  /** The path template as published. */
  template: string;
  operationId: string;
  action: RouteAction;
  successStatus: number;
  /** Path parameter name at each segment position (null for literal segments). */
  paramNames: (string | null)[];
  /** Component schema of the JSON body (`Ticket`); for JSON Patch the list's item schema. */
  bodySchema?: string;
  multipart: boolean;
  /** Component schema of the record answered (the list item for lists). */
  recordSchema?: string;
  /** Content type of binary answers. */
  binaryType?: string;
}

interface TrieNode {
  literals: Map<string, TrieNode>;
  param?: TrieNode;
  operations?: Map<HttpMethod, RouteOperation>;
}

export interface RouteMatch {
  operation: RouteOperation;
  /** The request's path segments under the API base, decoded. */
  segments: string[];
  params: Record<string, string>;
}

export interface RouteTable {
  schemas: SchemaMap;
  operationCount: number;
  match(method: string, apiPath: string): RouteMatch | undefined;
}

const JSON_MEDIA = /json/i;

/** `Ticket` for `{$ref: '#/components/schemas/Ticket'}`. */
export function refName(schema: unknown): string | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const ref = (schema as { $ref?: unknown }).$ref;
  return typeof ref === 'string' ? ref.replace(/^#\/components\/schemas\//, '') : undefined;
}

export function templateSegments(template: string): string[] {
  return template.split('/').filter((segment) => segment !== '');
}

export function paramName(segment: string): string | null {
  if (!segment.includes('{')) return null;
  return /\{([A-Za-z_]\w*)/.exec(segment)?.[1] ?? 'id';
}

function successResponse(operation: OpenApiOperation): {
  status: number;
  schema?: unknown;
  media?: string;
  description?: string;
} {
  const responses = operation.responses ?? {};
  const status = Object.keys(responses)
    .map(Number)
    .filter((code) => code >= 200 && code < 300)
    .sort((a, b) => a - b)[0];
  if (status === undefined) return { status: 200 };
  const response = responses[String(status)];
  const [media, content] = Object.entries(response.content ?? {})[0] ?? [];
  return { status, schema: content?.schema, media, description: response.description };
}

function binaryType(
  method: HttpMethod,
  success: ReturnType<typeof successResponse>,
): string | undefined {
  if (method !== 'get') return undefined;
  if (success.media && !JSON_MEDIA.test(success.media)) return success.media;
  const declared = /ContentType\s*=\s*([\w.+-]+\/[\w.+-]+)/.exec(success.description ?? '');
  return declared?.[1];
}

function classify(
  method: HttpMethod,
  segments: string[],
  success: ReturnType<typeof successResponse>,
  binary: string | undefined,
): RouteAction {
  if (binary) return 'binary';
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
  if (method === 'get') {
    const schema = success.schema as { type?: string } | undefined;
    return schema?.type === 'array' ? 'list' : 'singleton';
  }
  if (method === 'post') return success.status === 201 ? 'create' : 'action';
  return 'action';
}

function describeOperation(
  method: HttpMethod,
  template: string,
  operation: OpenApiOperation,
): RouteOperation {
  const segments = templateSegments(template);
  const success = successResponse(operation);
  const binary = binaryType(method, success);
  const content = operation.requestBody?.content ?? {};
  const jsonBody = Object.entries(content).find(([media]) => JSON_MEDIA.test(media))?.[1]
    ?.schema as { type?: string; items?: unknown } | undefined;
  const responseSchema = success.schema as { type?: string; items?: unknown } | undefined;
  return {
    method,
    template,
    operationId: operation.operationId ?? `${method} ${template}`,
    action: classify(method, segments, success, binary),
    successStatus: success.status,
    paramNames: segments.map(paramName),
    bodySchema: jsonBody?.type === 'array' ? refName(jsonBody.items) : refName(jsonBody),
    multipart: Object.keys(content).some((media) => /multipart/i.test(media)),
    recordSchema:
      responseSchema?.type === 'array' ? refName(responseSchema.items) : refName(responseSchema),
    binaryType: binary,
  };
}

function emptyNode(): TrieNode {
  return { literals: new Map() };
}

export function buildRouteTable(document: OpenApiDocument): RouteTable {
  const operations: RouteOperation[] = [];
  for (const [template, pathItem] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation) operations.push(describeOperation(method, template, operation));
    }
  }
  return routeTableOf(operations, (document.components?.schemas ?? {}) as SchemaMap);
}

/** The segment tree over described operations (from the document, or a compiled catalog). */
export function routeTableOf(
  operations: readonly RouteOperation[],
  schemas: SchemaMap,
): RouteTable {
  const root = emptyNode();
  let operationCount = 0;
  for (const described of operations) {
    let node = root;
    for (const segment of templateSegments(described.template)) {
      if (paramName(segment) !== null) {
        node.param ??= emptyNode();
        node = node.param;
      } else {
        const key = segment.toLowerCase();
        let next = node.literals.get(key);
        if (!next) {
          next = emptyNode();
          node.literals.set(key, next);
        }
        node = next;
      }
    }
    node.operations ??= new Map();
    // Two published templates can share a shape (`{id}` and `{id}{id}`): the first one wins.
    if (!node.operations.has(described.method)) {
      node.operations.set(described.method, described);
      operationCount++;
    }
  }

  const find = (
    node: TrieNode,
    lowered: string[],
    index: number,
    method: HttpMethod,
  ): RouteOperation | undefined => {
    if (index === lowered.length) return node.operations?.get(method);
    const literal = node.literals.get(lowered[index]);
    const viaLiteral = literal && find(literal, lowered, index + 1, method);
    if (viaLiteral) return viaLiteral;
    return node.param && find(node.param, lowered, index + 1, method);
  };

  return {
    schemas,
    operationCount,
    match(method, apiPath) {
      const lowerMethod = method.toLowerCase() as HttpMethod;
      if (!(HTTP_METHODS as readonly string[]).includes(lowerMethod)) return undefined;
      let segments: string[];
      try {
        segments = apiPath
          .split('/')
          .filter((segment) => segment !== '')
          .map((segment) => decodeURIComponent(segment));
      } catch {
        return undefined;
      }
      const operation = find(
        root,
        segments.map((s) => s.toLowerCase()),
        0,
        lowerMethod,
      );
      if (!operation) return undefined;
      const params: Record<string, string> = {};
      operation.paramNames.forEach((name, index) => {
        if (name !== null) params[name] = segments[index];
      });
      return { operation, segments, params };
    },
  };
}

const tables = new Map<string, RouteTable>();

/** The route table of a document, built once per file and shared by every simulator. */
export function routeTableFor(documentPath: string): RouteTable {
  let table = tables.get(documentPath);
  if (!table) {
    table = buildRouteTable(loadOpenApiDocument(documentPath));
    tables.set(documentPath, table);
  }
  return table;
}
