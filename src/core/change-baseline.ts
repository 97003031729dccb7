/**
 * The values a tracker starts from, so the first change after a deploy already says what a field
 * was before ("In Progress -> Waiting on Customer", not just "Waiting on Customer").
 *
 * When a poller first stores its watermark, every record of the list last updated at or before it
 * is read once, the watched fields only, in pages as large as the API allows, paged by id (which
 * neither skips nor repeats records while others change). A record updated after the watermark is
 * left out: the next poll sends it, as a first sighting.
 */
import {
  readFieldPath,
  type ChangeSource,
  type ResolvedChangeOptions,
  type Watermark,
} from './change-poller';
import type { ChangeTracker } from './change-tracker';
import { CwError } from './errors';
import { MAX_PAGE_SIZE } from '../shared/limits';

export interface BaselineResult {
  records: number;
  queries: number;
}

export async function readBaseline(
  source: ChangeSource,
  options: ResolvedChangeOptions,
  tracker: ChangeTracker,
  watermark: Watermark,
): Promise<BaselineResult> {
  const result: BaselineResult = { records: 0, queries: 0 };
  if (watermark.lastUpdated === null) return result;
  const { idField, updatedField } = options;
  const upTo = `${updatedField} <= [${watermark.lastUpdated}]`;
  const fields = [idField, updatedField, ...tracker.fields].join(',');
  let afterId: number | undefined;
  for (;;) {
    const own = afterId === undefined ? upTo : `${upTo} and ${idField} > ${afterId}`;
    result.queries += 1;
    const page = await source.fetch({
      conditions: options.conditions === '' ? own : `(${own}) and (${options.conditions})`,
      orderBy: `${idField} asc`,
      pageSize: MAX_PAGE_SIZE,
      fields,
    });
    for (const record of page) {
      const id = readFieldPath(record, idField);
      const lastUpdated = readFieldPath(record, updatedField);
      if (typeof id !== 'number' || typeof lastUpdated !== 'string') {
        throw new CwError(
          'INVALID_RESPONSE',
          `idField: a record of the list has no ${idField} or ${updatedField}`,
          { field: 'idField' },
        );
      }
      afterId = id;
      // Later than the watermark (changed while this was read): the next poll sends it.
      if (Date.parse(lastUpdated) > Date.parse(watermark.lastUpdated)) continue;
      tracker.observe(id, lastUpdated, record, 'updated');
      result.records += 1;
    }
    if (page.length < MAX_PAGE_SIZE) break;
  }
  return result;
}
