/**
 * The one step between an operation of the catalog and the wire: every input value goes to the
 * place the operation's document gives it (path, query or header), is typed and checked, and the
 * body is read, into a PreparedRequest. Pure: bad input throws before anything is sent.
 */
import type { OperationDetail, ParameterSpec } from '../shared/catalog-types';
import { inputError, type CwError } from './errors';
import type { PreparedRequest, QueryValue } from './http-types';
import { isAbsent, queryValue } from './parameter-values';
import { pathPlaceholderNames } from './path-template';
import { requestBody } from './request-body';
import { requestHeaders, type HeaderEntry } from './request-headers';
import { fillPath } from './request-path';

export { fitToUrlLimit, MAX_URL_LENGTH } from './long-url-search';

export interface NamedValue {
  name: string;
  value: unknown;
}

export interface RequestInput {
  /** Values by parameter name (any case), each sent where the operation's document puts it. */
  values?: readonly NamedValue[];
  /** Path parameters by name; they replace `values` of the same parameter. */
  params?: Record<string, unknown>;
  /** Query parameters by name; they replace `values` of the same parameter. */
  query?: Record<string, unknown>;
  /** Extra headers by name; they replace `values` of the same header. */
  headers?: Record<string, unknown>;
  /** A value to send, or JSON text. */
  body?: unknown;
  /** How errors name the body's source: `body` (the default) or `msg.payload`. */
  bodyField?: string;
  responseType?: 'json' | 'binary';
}

/** Where the operation's document puts its parameters. */
interface ParameterPlaces {
  /** The path parameters of the template's placeholders, in order. */
  templateParams: readonly ParameterSpec[];
  /** Declared path parameters, and a text parameter for any placeholder left undeclared. */
  pathParams: readonly ParameterSpec[];
  /** Query parameters, and the path parameters missing from the template (they travel here). */
  queryParams: readonly ParameterSpec[];
  headerParams: readonly ParameterSpec[];
}

interface QueryEntry {
  spec: ParameterSpec;
  value: unknown;
  field: string;
}

/** The input sorted by place: path values by placeholder, query by spec, headers by name. */
interface PlacedInput {
  path: Map<string, unknown>;
  query: Map<ParameterSpec, QueryEntry>;
  headers: Map<string, HeaderEntry>;
}

const placesOf = new WeakMap<OperationDetail, ParameterPlaces>();

function parameterPlaces(op: OperationDetail): ParameterPlaces {
  let places = placesOf.get(op);
  if (!places) {
    const templateNames = pathPlaceholderNames(op.path);
    const undeclared = templateNames
      .filter((name) => !op.pathParams.some((spec) => spec.name === name))
      .map((name): ParameterSpec => ({ name, in: 'path', required: true, type: 'string' }));
    const pathParams = [...op.pathParams, ...undeclared];
    const outsideTemplate = op.pathParams.filter((spec) => !templateNames.includes(spec.name));
    places = {
      templateParams: pathParams.filter((spec) => templateNames.includes(spec.name)),
      pathParams,
      queryParams: [...op.queryParams, ...outsideTemplate],
      headerParams: op.headerParams,
    };
    placesOf.set(op, places);
  }
  return places;
}

/** The published spelling first, then any case. */
function findSpec(specs: readonly ParameterSpec[], name: string): ParameterSpec | undefined {
  const lower = name.toLowerCase();
  return (
    specs.find((spec) => spec.name === name) ??
    specs.find((spec) => spec.name.toLowerCase() === lower)
  );
}

class InputPlacement {
  readonly placed: PlacedInput = { path: new Map(), query: new Map(), headers: new Map() };

  constructor(
    private readonly op: OperationDetail,
    private readonly places: ParameterPlaces,
  ) {}

  /** A path parameter: in its placeholder, or in the query when the template lacks it. */
  path(spec: ParameterSpec, value: unknown, field: string): void {
    if (this.places.templateParams.includes(spec)) this.placed.path.set(spec.name, value);
    else this.placed.query.set(spec, { spec, value, field });
  }

  query(spec: ParameterSpec, value: unknown, field: string): void {
    this.placed.query.set(spec, { spec, value, field });
  }

  header(name: string, value: unknown, field: string): void {
    this.placed.headers.set(name.toLowerCase(), { name, value, field });
  }

  /** A value by name alone: the path first, then the query, then the headers. */
  value({ name, value }: NamedValue): void {
    const pathSpec = findSpec(this.places.pathParams, name);
    const querySpec = pathSpec ? undefined : findSpec(this.op.queryParams, name);
    const headerSpec = pathSpec || querySpec ? undefined : findSpec(this.places.headerParams, name);
    if (pathSpec) this.path(pathSpec, value, `params.${pathSpec.name}`);
    else if (querySpec) this.query(querySpec, value, `query.${querySpec.name}`);
    else if (headerSpec) this.header(headerSpec.name, value, `headers.${headerSpec.name}`);
    else throw this.unknown(`params.${name}`);
  }

  unknown(field: string): CwError {
    return inputError(field, `not a parameter of ${this.op.operationId}`, this.op.operationId);
  }
}

function placeInput(op: OperationDetail, input: RequestInput): PlacedInput {
  const places = parameterPlaces(op);
  const placement = new InputPlacement(op, places);
  for (const named of input.values ?? []) placement.value(named);
  for (const [name, value] of Object.entries(input.params ?? {})) {
    const spec = findSpec(places.pathParams, name);
    if (!spec) throw placement.unknown(`params.${name}`);
    placement.path(spec, value, `params.${name}`);
  }
  for (const [name, value] of Object.entries(input.query ?? {})) {
    const spec = findSpec(places.queryParams, name);
    if (!spec) throw placement.unknown(`query.${name}`);
    placement.query(spec, value, `query.${name}`);
  }
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    placement.header(name, value, `headers.${name}`);
  }
  return placement.placed;
}

function queryOf(
  op: OperationDetail,
  entries: ReadonlyMap<ParameterSpec, QueryEntry>,
): Record<string, QueryValue> | undefined {
  const result: Record<string, QueryValue> = {};
  for (const { spec, value, field } of entries.values()) {
    if (!isAbsent(value)) result[spec.name] = queryValue(spec, value, field, op.operationId);
  }
  for (const spec of parameterPlaces(op).queryParams) {
    if (spec.required && result[spec.name] === undefined) {
      const source = spec.in === 'path' ? 'params' : 'query';
      throw inputError(`${source}.${spec.name}`, 'is required', op.operationId);
    }
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** The request for `op` with `input`; throws an INPUT error naming the field on bad input. */
export function buildRequest(op: OperationDetail, input: RequestInput = {}): PreparedRequest {
  const placed = placeInput(op, input);
  const places = parameterPlaces(op);
  const path = fillPath(op, places.templateParams, placed.path);
  const query = queryOf(op, placed.query);
  const headers = requestHeaders(op, placed.headers.values());
  const body = requestBody(op, input.body, input.bodyField);
  const request: PreparedRequest = {
    method: op.method,
    path,
    responseType: input.responseType ?? (op.responseKind === 'binary' ? 'binary' : 'json'),
    operationId: op.operationId,
  };
  if (query) request.query = query;
  if (headers) request.headers = headers;
  if (body !== undefined) request.body = body;
  return request;
}
