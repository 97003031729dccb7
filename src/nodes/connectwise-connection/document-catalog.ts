/** The catalog of an OpenAPI document file that a connection names. */
import { existsSync } from 'node:fs';

import { getCatalog, type Catalog } from '../../core/catalog-store';
import { CwError, isCwError } from '../../core/errors';

/**
 * The catalog of the connection's own OpenAPI document, compiled now rather than on first lookup,
 * so a missing or unusable file is reported against the setting that names it.
 */
export function documentCatalog(openapiPath: string | undefined): Catalog {
  const file = (openapiPath ?? '').trim();
  const fail = (problem: string): CwError =>
    new CwError('CATALOG', `openapiPath: ${problem}`, { field: 'openapiPath' });
  if (!file) throw fail('is required when the OpenAPI document is a file');
  if (!existsSync(file)) {
    throw fail(`no file at ${file}: save the ConnectWise OpenAPI document there`);
  }
  try {
    const catalog = getCatalog(file);
    catalog.meta();
    return catalog;
  } catch (err) {
    if (isCwError(err) && err.code === 'CATALOG') {
      throw fail(err.message.replace(/^OpenAPI document: /, ''));
    }
    throw err;
  }
}
