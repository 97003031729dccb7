import { strict as assert } from 'node:assert';

import type { PreparedRequest } from '../../src/core/http-types';
import { fitToUrlLimit, MAX_URL_LENGTH } from '../../src/core/long-url-search';

const BASE = 'http://127.0.0.1:8080/v4_6_release/apis/3.0';

describe('fitToUrlLimit', () => {
  it('moves the conditions and the order into the body, keeping the rest in the query', () => {
    const conditions = `id in (${Array.from({ length: 400 }, (_, i) => i).join(',')})`;
    const request: PreparedRequest = {
      method: 'get',
      path: '/company/contacts/',
      query: { conditions, customFieldConditions: 'caption = "X"', fields: 'id' },
      responseType: 'json',
      operationId: 'getCompanyContacts',
    };
    assert.deepEqual(fitToUrlLimit(request, BASE), {
      method: 'post',
      path: '/company/contacts/search',
      query: { fields: 'id' },
      body: { conditions, customfieldconditions: 'caption = "X"' },
      responseType: 'json',
      operationId: 'getCompanyContacts',
    });
    const onlyConditions = { ...request, query: { conditions } };
    assert.equal(fitToUrlLimit(onlyConditions, BASE).query, undefined);
  });

  it('keeps a short GET as it is', () => {
    const request: PreparedRequest = {
      method: 'get',
      path: '/service/tickets',
      query: { conditions: 'id = 1' },
    };
    assert.equal(fitToUrlLimit(request, BASE), request);
  });

  it('counts the base URL, and leaves long URLs without conditions alone', () => {
    const path = '/service/tickets';
    const fill = (length: number): string => 'x'.repeat(length);
    const prefix = `${BASE}${path}?conditions=`.length;
    const justFits: PreparedRequest = {
      method: 'get',
      path,
      query: { conditions: fill(MAX_URL_LENGTH - prefix) },
    };
    assert.equal(fitToUrlLimit(justFits, BASE).method, 'get');
    const tooLong = { ...justFits, query: { conditions: fill(MAX_URL_LENGTH - prefix + 1) } };
    assert.equal(fitToUrlLimit(tooLong, BASE).method, 'post');
    assert.equal(fitToUrlLimit(tooLong, `${BASE}/`).method, 'post');
    const noConditions: PreparedRequest = { method: 'get', path, query: { fields: fill(3000) } };
    assert.equal(fitToUrlLimit(noConditions, BASE), noConditions);
    const post: PreparedRequest = { ...tooLong, method: 'post' };
    assert.equal(fitToUrlLimit(post, BASE), post);
  });
});
