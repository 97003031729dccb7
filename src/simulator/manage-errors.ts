/** Answers in Manage's error shape: `{code, message, errors: [{code, message, resource, field}]}`. */

export interface ManageErrorDetail {
  code: string;
  message: string;
  resource?: string;
  field?: string;
}

export interface ManageErrorBody {
  code: string;
  message: string;
  errors: ManageErrorDetail[];
}

/** Thrown by handlers; the server turns it into the status and body. */
export class ManageHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: ManageErrorDetail[] = [],
  ) {
    super(message);
  }

  get body(): ManageErrorBody {
    return { code: this.code, message: this.message, errors: this.errors };
  }
}

export const badRequest = (message: string, errors: ManageErrorDetail[] = []): ManageHttpError =>
  new ManageHttpError(400, 'BadRequest', message, errors);

export const unauthorized = (message: string): ManageHttpError =>
  new ManageHttpError(401, 'Unauthorized', message);

export const notFound = (message: string): ManageHttpError =>
  new ManageHttpError(404, 'NotFound', message);

export const unsupportedMediaType = (message: string): ManageHttpError =>
  new ManageHttpError(415, 'UnsupportedMediaType', message);

/** `ticket object is invalid` with one entry per offending field, as Manage answers. */
export function invalidObject(schema: string, errors: ManageErrorDetail[]): ManageHttpError {
  return new ManageHttpError(
    400,
    'InvalidObject',
    `${resourceName(schema)} object is invalid`,
    errors,
  );
}

/** `Ticket` -> `ticket`, `Company.Configuration` -> `configuration`. */
export function resourceName(schema: string): string {
  const last = schema.split('.').pop() ?? schema;
  return last.charAt(0).toLowerCase() + last.slice(1);
}
