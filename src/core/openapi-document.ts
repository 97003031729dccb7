import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { CwError } from './errors';

/** The parts of an OpenAPI 3.0 document the catalog and the simulator read. */
export interface OpenApiParameter {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  schema?: { [key: string]: unknown };
}

export interface OpenApiOperation {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: {
    description?: string;
    required?: boolean;
    content?: { [mediaType: string]: { schema?: { [key: string]: unknown } } };
  };
  responses?: {
    [status: string]: {
      description?: string;
      content?: { [mediaType: string]: { schema?: { [key: string]: unknown } } };
    };
  };
  deprecated?: boolean;
}

export type OpenApiPathItem = { [method: string]: OpenApiOperation };

export interface OpenApiDocument {
  openapi: string;
  info: { title?: string; version?: string };
  servers?: { url: string }[];
  paths: { [path: string]: OpenApiPathItem };
  components?: { schemas?: { [name: string]: { [key: string]: unknown } } };
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The package's root folder (the same from src/core under tsx and from dist/core). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** Where the document is read from at build time: `CW_OPENAPI`, else the shared 2025.1 file. */
export function defaultDocumentPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CW_OPENAPI) return path.resolve(env.CW_OPENAPI);
  return path.resolve(PACKAGE_ROOT, '..', 'shared', 'connectwise-manage', 'openapi-2025.1.json');
}

/** Reads and checks a ConnectWise Manage OpenAPI 3 document; throws a CATALOG error that says why. */
export function loadOpenApiDocument(file: string = defaultDocumentPath()): OpenApiDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
    throw new CwError(
      'CATALOG',
      `OpenAPI document: cannot read ${file} (${reason}). Put the ConnectWise Manage OpenAPI ` +
        `document there, or set CW_OPENAPI to its path.`,
      { field: 'openapi', cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CwError(
      'CATALOG',
      `OpenAPI document: ${file} is not JSON (${(err as Error).message})`,
      {
        field: 'openapi',
        cause: err,
      },
    );
  }
  return checkOpenApiDocument(parsed, file);
}

/** Checks that a parsed value is an OpenAPI 3 document of the ConnectWise Manage style. */
export function checkOpenApiDocument(value: unknown, source = 'document'): OpenApiDocument {
  const fail = (why: string): never => {
    throw new CwError('CATALOG', `OpenAPI document: ${source} ${why}`, { field: 'openapi' });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('is not a JSON object');
  }
  const doc = value as Partial<OpenApiDocument>;
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    return fail(`is not an OpenAPI 3 document (openapi: ${JSON.stringify(doc.openapi ?? null)})`);
  }
  if (typeof doc.paths !== 'object' || doc.paths === null || Object.keys(doc.paths).length === 0) {
    return fail('has no paths');
  }
  const looksLikeManage = Object.keys(doc.paths).some((p) =>
    /^\/(service|company|system|finance|sales|project|time)\//.test(p),
  );
  if (!looksLikeManage) {
    return fail(
      'does not describe the ConnectWise Manage API (no /service, /company or /system paths)',
    );
  }
  return doc as OpenApiDocument;
}
