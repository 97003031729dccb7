/** Finding the records a request path names, with Manage's 404 when they are not there. */
import { notFound } from './manage-errors';
import type { RouteMatch } from './routes';
import type { MemoryStore, SimRecord } from './store';

export const isRecordId = (segment: string | undefined): boolean => /^\d+$/.test(segment ?? '');

/**
 * The record that the last id of a child path belongs to must exist
 * (`/service/tickets/999/notes` -> 404), when the simulator holds records of its collection.
 */
export function checkParent(store: MemoryStore, collectionSegments: string[]): void {
  for (let i = collectionSegments.length - 1; i > 0; i--) {
    if (!isRecordId(collectionSegments[i])) continue;
    const parentCollection = collectionSegments.slice(0, i).join('/');
    const id = Number(collectionSegments[i]);
    if (store.count(parentCollection) > 0 && !store.get(parentCollection, id)) {
      throw notFound(`No record with id ${id} in /${parentCollection}`);
    }
    return;
  }
}

function entityName(match: RouteMatch): string {
  const schema = match.operation.recordSchema;
  return schema ? (schema.split('.').pop() ?? schema) : 'Record';
}

/**
 * The record an item path (`<collection>/{id}`) names: by id, or by identifier ignoring case
 * (`/system/members/jdoe`).
 */
export function findItem(
  store: MemoryStore,
  match: RouteMatch,
): { collection: string; record: SimRecord } {
  const { segments } = match;
  const collection = segments.slice(0, -1).join('/');
  const key = segments[segments.length - 1];
  let record: SimRecord | undefined;
  if (isRecordId(key)) {
    record = store.get(collection, Number(key));
  } else {
    const lower = key.toLowerCase();
    store.scan(collection, 0, (candidate) => {
      if (
        typeof candidate.identifier === 'string' &&
        candidate.identifier.toLowerCase() === lower
      ) {
        record = candidate;
        return false;
      }
      return true;
    });
  }
  if (!record) throw notFound(`${entityName(match)} with id ${key} not found`);
  return { collection, record };
}
