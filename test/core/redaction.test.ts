import { strict as assert } from 'node:assert';

import { connectionSecrets, REDACTED, redactSecrets } from '../../src/core/redaction';

describe('redactSecrets', () => {
  it('masks every occurrence of every secret', () => {
    const text = 'key privSecret987 then privSecret987 and pubKey1234';
    assert.equal(
      redactSecrets(text, ['privSecret987', 'pubKey1234']),
      `key ${REDACTED} then ${REDACTED} and ${REDACTED}`,
    );
  });

  it('masks URL-encoded and JSON-escaped spellings', () => {
    const secret = 'a+b/c"d&e';
    const text = `url ${encodeURIComponent(secret)} json ${JSON.stringify(secret)}`;
    const result = redactSecrets(text, [secret]);
    assert.ok(!result.includes(encodeURIComponent(secret)));
    assert.ok(!result.includes('a+b/c\\"d&e'));
  });

  it('leaves text alone when there is nothing to mask, and ignores empty or tiny secrets', () => {
    assert.equal(redactSecrets('plain text', ['absent-secret', '', undefined, 'a']), 'plain text');
  });

  it('lists the Basic credentials as sent on the wire among the secrets', () => {
    const secrets = connectionSecrets({
      companyId: 'msp',
      publicKey: 'pubKey1234',
      privateKey: 'privSecret987',
      clientId: 'client-guid-1',
    });
    const basic = Buffer.from('msp+pubKey1234:privSecret987').toString('base64');
    assert.ok(secrets.includes(basic));
    assert.equal(
      redactSecrets(`Authorization: Basic ${basic}`, secrets),
      `Authorization: Basic ${REDACTED}`,
    );
    assert.ok(!secrets.includes('msp'), 'the company id is not a secret');
  });
});
