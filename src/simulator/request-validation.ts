/**
 * Checks each API request against its operation in the compiled catalog before the handler
 * runs, as a strict server built from the document does: the body's content type (415), the
 * required query parameters and body (400), the types of query parameters and of the JSON body
 * (400 with one `errors` entry per field, as Manage answers).
 *
 * Leniencies kept for the document's own defects (the real API accepts these requests):
 * - path parameters the document declares but its path template lacks (`transferContactId` on
 *   `DELETE /company/contacts/{id}`) are not required: they travel as query parameters;
 * - `PatchOperation.value` is typed `object` but any JSON value is accepted (see schema-validator);
 * - an operation the catalog does not know (a malformed path key) is not checked.
 */
import type { Catalog } from '../core/catalog-store';
import type { OperationDetail, ParameterSpec } from '../shared/catalog-types';
import {
  ManageHttpError,
  badRequest,
  invalidObject,
  resourceName,
  unsupportedMediaType,
  type ManageErrorDetail,
} from './manage-errors';
import { SchemaValidator } from './schema-validator';
import type { ApiRequest } from './sim-request';

const JSON_MEDIA = /^application\/([\w.+-]*\+)?json$/i;
const MULTIPART_MEDIA = /^multipart\/form-data$/i;

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(header: unknown): string {
  return String(header ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

function parameterProblem(spec: ParameterSpec, value: string): string | undefined {
  switch (spec.type) {
    case 'integer':
      return /^-?\d+$/.test(value.trim()) ? undefined : 'must be a whole number';
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'must be a number';
    case 'boolean':
      return /^(true|false)$/i.test(value.trim()) ? undefined : 'must be true or false';
    default:
      return undefined;
  }
}

export class RequestValidator {
  private schemaValidator: SchemaValidator | undefined;

  constructor(private readonly catalog: Catalog) {}

  /** Throws the ManageHttpError a strict server answers; returns when the request is valid. */
  check(request: ApiRequest): void {
    const detail = this.catalog.operation(request.match.operation.operationId);
    if (!detail) return;
    this.checkQuery(detail, request);
    this.checkBody(detail, request);
  }

  private checkQuery(detail: OperationDetail, request: ApiRequest): void {
    const errors: ManageErrorDetail[] = [];
    const queryParams = [
      ...detail.queryParams,
      // Declared as path parameters, sent in the query: checked for type, never required.
      ...detail.pathParams
        .filter((spec) => spec.inTemplate === false)
        .map((spec) => ({ ...spec, required: false })),
    ];
    for (const spec of queryParams) {
      const value = request.query.get(spec.name.toLowerCase());
      if (value === undefined || value === '') {
        if (spec.required) {
          errors.push({
            code: 'MissingParameter',
            message: `The query parameter ${spec.name} is required`,
            field: spec.name,
          });
        }
        continue;
      }
      const problem = parameterProblem(spec, value);
      if (problem) {
        errors.push({
          code: 'InvalidParameter',
          message: `The query parameter ${spec.name} ${problem}: '${value}'`,
          field: spec.name,
        });
      }
    }
    if (errors.length > 0) {
      throw badRequest(errors.map((error) => error.message).join('; '), errors);
    }
  }

  private checkBody(detail: OperationDetail, request: ApiRequest): void {
    const spec = detail.body;
    if (!spec) return;
    if (request.body.length === 0) {
      if (spec.required) {
        throw badRequest(
          `The request body is required: ${detail.method.toUpperCase()} ${detail.path} expects ${spec.contentType}`,
          [{ code: 'NullObject', message: 'The request body is required', field: 'body' }],
        );
      }
      return;
    }
    const media = mediaTypeOf(request.headers['content-type']);
    const wanted = spec.multipart ? MULTIPART_MEDIA : JSON_MEDIA;
    if (!wanted.test(media)) {
      throw unsupportedMediaType(
        `The request entity's media type '${media || 'none'}' is not supported for this resource. Send ${spec.multipart ? 'multipart/form-data' : 'application/json'}.`,
      );
    }
    if (spec.multipart || !spec.schema) return;
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch (err) {
      throw badRequest(`The request body is not valid JSON: ${(err as Error).message}`);
    }
    const resource = resourceName(spec.schema);
    const errors = this.schemas().check(spec.schema, spec.array, body, resource);
    if (errors.length === 0) return;
    if (errors.length === 1 && errors[0].field === 'body') {
      throw new ManageHttpError(
        400,
        'InvalidObject',
        `The request body ${errors[0].message.slice(5)}`,
        errors,
      );
    }
    throw invalidObject(spec.schema, errors);
  }

  private schemas(): SchemaValidator {
    this.schemaValidator ??= new SchemaValidator(this.catalog.schemas());
    return this.schemaValidator;
  }
}
