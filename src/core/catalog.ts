/**
 * The catalog compiler: one pure pass that flattens the OpenAPI document's paths x methods into
 * an index (for the picker), one detail per operation (for the request builder) and normalized
 * schemas (for samples and validation). It tolerates the published document's quirks instead of
 * requiring a patched file.
 */
import type {
  CatalogIndex,
  HttpMethod,
  OperationDetail,
  OperationSummary,
  ParameterSpec,
  ParameterType,
  RequestBodySpec,
  ResponseKind,
  SchemaObject,
} from '../shared/catalog-types';
import {
  checkOpenApiDocument,
  HTTP_METHODS,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
} from './openapi-document';
import { pathPlaceholderNames } from './path-template';
import { normalizeSchemas, schemaNameOfRef } from './schema-rules';

export interface CompiledCatalog {
  index: CatalogIndex;
  details: Record<string, OperationDetail>;
  schemas: Record<string, SchemaObject>;
}

type MediaContent = { [mediaType: string]: { schema?: SchemaObject } };

const PARAMETER_TYPES: ReadonlySet<string> = new Set([
  'string',
  'integer',
  'number',
  'boolean',
  'array',
  'object',
]);

/** The header every operation declares; the client sends it from the connection. */
const CLIENT_ID_HEADER = 'clientid';

const BINARY_MEDIA_TYPE = /^(application\/(octet-stream|pdf|zip)|image\/|audio\/|video\/)/i;
const BINARY_DESCRIPTION = /ContentType\s*=\s*(application\/(octet-stream|pdf|zip)|image\/)/i;

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `get /service/tickets/{id}/notes` -> `getServiceTicketsByIdNotes`, for operations without an id. */
function synthesizeOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const placeholder = /^\{([^}:]+)/.exec(segment);
      if (placeholder) return `By${capitalize(placeholder[1])}`;
      return capitalize(segment.replace(/[^A-Za-z0-9]+/g, ''));
    });
  return method + words.join('');
}

function firstPathSegment(path: string): string {
  const segment = path.split('/').find(Boolean) ?? '';
  return segment.replace(/\{.*$/, '') || 'other';
}

function parameterType(schema: SchemaObject | undefined): ParameterType {
  if (!schema) return 'string';
  if (typeof schema.$ref === 'string') return 'object';
  const type = Array.isArray(schema.type)
    ? schema.type.find((t) => t !== 'null')
    : (schema.type as unknown);
  return typeof type === 'string' && PARAMETER_TYPES.has(type) ? (type as ParameterType) : 'string';
}

function parameterSpec(
  parameter: OpenApiParameter,
  location: ParameterSpec['in'],
  required: boolean,
): ParameterSpec {
  const schema = isObject(parameter.schema) ? parameter.schema : undefined;
  const spec: ParameterSpec = {
    name: parameter.name,
    in: location,
    required,
    type: parameterType(schema),
  };
  if (typeof schema?.format === 'string') spec.format = schema.format;
  const description = parameter.description?.trim();
  if (description && description !== parameter.name) spec.description = description;
  if (Array.isArray(schema?.enum)) spec.enum = schema.enum.map(String);
  return spec;
}

interface ParameterGroups {
  pathParams: ParameterSpec[];
  queryParams: ParameterSpec[];
  headerParams: ParameterSpec[];
}

function compileParameters(operation: OpenApiOperation, path: string): ParameterGroups {
  const placeholders = pathPlaceholderNames(path);
  const groups: ParameterGroups = { pathParams: [], queryParams: [], headerParams: [] };
  const seen = new Set<string>();
  for (const parameter of operation.parameters ?? []) {
    if (!isObject(parameter) || typeof parameter.name !== 'string') continue;
    const key = `${parameter.in}:${parameter.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (parameter.in === 'path') {
      const inTemplate = placeholders.includes(parameter.name);
      // A published path parameter missing from the template cannot be part of the URL: it
      // travels in the query, and only the template's placeholders are required.
      const spec = parameterSpec(parameter, 'path', inTemplate);
      if (!inTemplate) spec.inTemplate = false;
      groups.pathParams.push(spec);
    } else if (parameter.in === 'query') {
      groups.queryParams.push(parameterSpec(parameter, 'query', parameter.required === true));
    } else if (parameter.in === 'header' && parameter.name.toLowerCase() !== CLIENT_ID_HEADER) {
      groups.headerParams.push(parameterSpec(parameter, 'header', parameter.required === true));
    }
  }
  // Placeholders the document forgot to declare still have to be filled in.
  for (const name of placeholders) {
    if (!groups.pathParams.some((spec) => spec.name === name)) {
      groups.pathParams.push({ name, in: 'path', required: true, type: 'string' });
    }
  }
  return groups;
}

function pickMediaType(content: MediaContent): string | undefined {
  const types = Object.keys(content);
  return (
    types.find((type) => /json/i.test(type)) ??
    types.find((type) => /multipart\/form-data/i.test(type)) ??
    types[0]
  );
}

function compileBody(
  operation: OpenApiOperation,
  operationId: string,
  inlineSchemas: Record<string, SchemaObject>,
): RequestBodySpec | undefined {
  const requestBody = operation.requestBody;
  if (!isObject(requestBody)) return undefined;
  const content = (isObject(requestBody.content) ? requestBody.content : {}) as MediaContent;
  const contentType = pickMediaType(content) ?? 'application/json';
  const schema = isObject(content[contentType]?.schema) ? content[contentType].schema : undefined;
  const body: RequestBodySpec = {
    array: false,
    required: requestBody.required === true,
    contentType,
    patch: false,
    multipart: /multipart\/form-data/i.test(contentType),
  };
  let target = schema;
  if (target?.type === 'array') {
    body.array = true;
    target = isObject(target.items) ? target.items : undefined;
  }
  const name = schemaNameOfRef(target?.$ref);
  if (name) {
    body.schema = name;
  } else if (target && Object.keys(target).length > 0) {
    // An inline body schema gets a synthetic component name so it can be validated the same way.
    const inlineName = `${operationId}Body`;
    inlineSchemas[inlineName] = target;
    body.schema = inlineName;
  }
  body.patch = body.array && body.schema === 'PatchOperation';
  return body;
}

interface ResponseInfo {
  responseKind: ResponseKind;
  responseSchema?: string;
  successStatus: number;
}

function compileResponse(operation: OpenApiOperation): ResponseInfo {
  const responses = isObject(operation.responses) ? operation.responses : {};
  const successCodes = Object.keys(responses)
    .filter((code) => /^2\d\d$/.test(code))
    .map(Number)
    .sort((a, b) => a - b);
  const successStatus = successCodes[0] ?? 200;
  const response = responses[String(successStatus)];
  const content = (isObject(response?.content) ? response.content : {}) as MediaContent;
  const mediaType = pickMediaType(content);
  if (!mediaType) {
    const binary = BINARY_DESCRIPTION.test(response?.description ?? '');
    return { responseKind: binary ? 'binary' : 'none', successStatus };
  }
  const schema = isObject(content[mediaType]?.schema) ? content[mediaType].schema : {};
  if (BINARY_MEDIA_TYPE.test(mediaType) || schema.format === 'binary') {
    return { responseKind: 'binary', successStatus };
  }
  if (schema.type === 'array') {
    const items = isObject(schema.items) ? schema.items : {};
    return { responseKind: 'list', responseSchema: schemaNameOfRef(items.$ref), successStatus };
  }
  const name = schemaNameOfRef(schema.$ref);
  if (name === 'Count') return { responseKind: 'count', responseSchema: name, successStatus };
  return { responseKind: 'object', responseSchema: name, successStatus };
}

/** Compiles a ConnectWise Manage OpenAPI document; throws a CATALOG error for anything else. */
export function compileCatalog(doc: OpenApiDocument): CompiledCatalog {
  checkOpenApiDocument(doc);
  const operations: OperationSummary[] = [];
  const details = new Map<string, OperationDetail>();
  const inlineSchemas: Record<string, SchemaObject> = {};

  for (const [path, pathItem] of Object.entries(doc.paths)) {
    if (!isObject(pathItem)) continue;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      const operationId = uniqueOperationId(
        typeof operation.operationId === 'string' && operation.operationId.trim()
          ? operation.operationId.trim()
          : synthesizeOperationId(method, path),
        details,
      );
      const module = firstPathSegment(path);
      const tag =
        Array.isArray(operation.tags) && typeof operation.tags[0] === 'string'
          ? operation.tags[0]
          : module;
      const summary: OperationSummary = {
        operationId,
        method: method as HttpMethod,
        path,
        tag,
        module,
        summary:
          typeof operation.summary === 'string' && operation.summary.trim()
            ? operation.summary.trim()
            : `${method.toUpperCase()} ${path}`,
      };
      const detail: OperationDetail = {
        ...summary,
        ...compileParameters(operation, path),
        ...compileResponse(operation),
      };
      const body = compileBody(operation, operationId, inlineSchemas);
      if (body) detail.body = body;
      const description = typeof operation.description === 'string' && operation.description.trim();
      if (description) detail.description = description;
      if (operation.deprecated === true) detail.deprecated = true;
      operations.push(summary);
      details.set(operationId, detail);
    }
  }

  const schemas = normalizeSchemas({ ...doc.components?.schemas, ...inlineSchemas });
  return {
    index: {
      title: doc.info?.title ?? 'ConnectWise Manage',
      version: doc.info?.version ?? '',
      operationCount: operations.length,
      operations,
    },
    // fromEntries defines own properties, so ids such as `constructor` stay plain keys.
    details: Object.fromEntries(details),
    schemas,
  };
}

/** Operation ids key the details, so a repeated one gets a numbered suffix. */
function uniqueOperationId(candidate: string, taken: ReadonlyMap<string, unknown>): string {
  if (!taken.has(candidate)) return candidate;
  let counter = 2;
  while (taken.has(`${candidate}_${counter}`)) counter += 1;
  return `${candidate}_${counter}`;
}
