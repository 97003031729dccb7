/** OperationDetail fixtures for tests that build requests without the generated catalog. */
import type { OperationDetail, RequestBodySpec } from '../../src/shared/catalog-types';

/** A GET returning one object with status 200, no parameters, then `overrides`. */
export function operation(overrides: Partial<OperationDetail>): OperationDetail {
  return {
    operationId: 'op',
    method: 'get',
    path: '/',
    tag: 'Tag',
    module: 'service',
    summary: '',
    pathParams: [],
    queryParams: [],
    headerParams: [],
    responseKind: 'object',
    successStatus: 200,
    ...overrides,
  };
}

/** A required JSON body of one `schema` object, then `overrides`. */
export function jsonBody(
  schema: string,
  overrides: Partial<RequestBodySpec> = {},
): RequestBodySpec {
  return {
    schema,
    array: false,
    required: true,
    contentType: 'application/json',
    patch: false,
    multipart: false,
    ...overrides,
  };
}
