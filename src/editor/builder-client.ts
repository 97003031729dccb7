/**
 * What the conditions builder asks the runtime: the fields of a list's records (once per
 * document and operation) and the count of the records its conditions match.
 */
import type { ResourceFields } from '../shared/conditions-builder/schema-fields';
import { ajaxErrorText } from './catalog-client';

export interface FieldsAnswer extends ResourceFields {
  countOperationId?: string;
}

export type CountAnswer =
  | { ok: true; count: number; operationId: string; query: string }
  | { ok: false; code: string; error: string; statusCode?: number };

export interface CountRequest {
  connection: string;
  operationId: string;
  params: { name: string; value: string | number | boolean }[];
  conditions?: string;
  childConditions?: string;
  customFieldConditions?: string;
}

const fieldRequests = new Map<string, Promise<FieldsAnswer>>();
const loadedFields = new Map<string, FieldsAnswer>();

/** The fields of a list if they were fetched already. */
export function cachedFields(document: string, operationId: string): FieldsAnswer | undefined {
  return loadedFields.get(`${document}\n${operationId}`);
}

export function loadFields(document: string, operationId: string): Promise<FieldsAnswer> {
  const key = `${document}\n${operationId}`;
  let request = fieldRequests.get(key);
  if (!request) {
    request = new Promise<FieldsAnswer>((resolve, reject) => {
      $.ajax({
        url: `connectwise-manage/catalog/operations/${encodeURIComponent(operationId)}/fields`,
        data: document ? { document } : {},
        dataType: 'json',
        cache: true,
      })
        .done((answer: FieldsAnswer) => {
          loadedFields.set(key, answer);
          resolve(answer);
        })
        .fail((xhr: JQuery.jqXHR, _status: string, thrown: string) =>
          reject(new Error(ajaxErrorText(xhr, thrown))),
        );
    });
    request.catch(() => fieldRequests.delete(key));
    fieldRequests.set(key, request);
  }
  return request;
}

export function countMatches(body: CountRequest): Promise<CountAnswer> {
  return new Promise<CountAnswer>((resolve) => {
    $.ajax({
      url: 'connectwise-manage/count',
      method: 'POST',
      contentType: 'application/json',
      data: JSON.stringify(body),
      dataType: 'json',
    })
      .done((answer: CountAnswer) => resolve(answer))
      .fail((xhr: JQuery.jqXHR, _status: string, thrown: string) => {
        const answer = xhr.responseJSON as CountAnswer | undefined;
        resolve(
          answer && answer.ok === false
            ? answer
            : { ok: false, code: 'ERROR', error: ajaxErrorText(xhr, thrown) },
        );
      });
  });
}
