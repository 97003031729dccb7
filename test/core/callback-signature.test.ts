/** Callback signature checks, key_url trust, the signing-key cache, deduplication and payloads. */
import { strict as assert } from 'node:assert';
import { createHash, createHmac } from 'node:crypto';

import { DeliveryDeduplicator } from '../../src/core/callback-dedup';
import { parseCallbackDelivery } from '../../src/core/callback-payload';
import { CallbackReceiver } from '../../src/core/callback-receiver';
import {
  KeyFetchLimitError,
  SigningKeyCache,
  callbackHmacKey,
  isTrustedKeyUrl,
  signCallbackBody,
  signingKeyOf,
  verifyCallbackSignature,
} from '../../src/core/callback-signature';

const SIGNING_KEY = 'b1c2d3e4f5-signing-key';
const BODY = Buffer.from(
  JSON.stringify({
    Action: 'updated',
    CompanyId: 'msp',
    Entity: JSON.stringify({
      id: 42,
      summary: 'Printer',
      _info: { lastUpdated: '2025-03-01T10:00:00Z' },
    }),
    FromUrl: 'https://na.myconnectwise.net/',
    ID: 42,
    MemberId: 'jdoe',
    Metadata: {
      key_url: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/callbackKeys/7',
    },
    Type: 'ticket',
  }),
);
const BASE_URL = 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0';

/** The expected signature, computed here step by step as ConnectWise documents it. */
function expectedSignature(signingKey: string, body: Buffer): string {
  const key = createHash('sha256').update(signingKey).digest();
  return createHmac('sha256', key).update(body).digest('base64');
}

describe('callback signature', () => {
  it('uses the raw SHA-256 digest of the signing key as the HMAC key', () => {
    const key = callbackHmacKey(SIGNING_KEY);
    assert.equal(key.length, 32);
    assert.deepEqual(key, createHash('sha256').update(SIGNING_KEY, 'utf8').digest());
  });

  it('signs as base64(HMAC-SHA256(SHA-256(key), body))', () => {
    assert.equal(signCallbackBody(SIGNING_KEY, BODY), expectedSignature(SIGNING_KEY, BODY));
    // A fixed vector (computed once with Node's crypto), so a change of the scheme
    // cannot pass by recomputing it the same wrong way.
    assert.equal(signCallbackBody('key', '{}'), '2P5ugu8P+WJqFxImlwA/l6MOomxD1EiS06BC3IwNbbE=');
  });

  it('accepts the right signature and refuses a wrong, truncated, empty or missing one', () => {
    const good = expectedSignature(SIGNING_KEY, BODY);
    assert.equal(verifyCallbackSignature(SIGNING_KEY, BODY, good), true);
    assert.equal(verifyCallbackSignature('another key', BODY, good), false);
    assert.equal(
      verifyCallbackSignature(SIGNING_KEY, Buffer.concat([BODY, Buffer.from(' ')]), good),
      false,
    );
    assert.equal(verifyCallbackSignature(SIGNING_KEY, BODY, good.slice(0, 20)), false);
    assert.equal(verifyCallbackSignature(SIGNING_KEY, BODY, ''), false);
    assert.equal(verifyCallbackSignature(SIGNING_KEY, BODY, undefined), false);
    assert.equal(verifyCallbackSignature(SIGNING_KEY, BODY, 'not base64 at all!'), false);
  });

  it('signs the bytes, not a re-serialisation: reordered JSON does not verify', () => {
    const good = expectedSignature(SIGNING_KEY, BODY);
    const reordered = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 1));
    assert.equal(verifyCallbackSignature(SIGNING_KEY, reordered, good), false);
  });

  it("trusts a key_url only on the connection's site", () => {
    assert.equal(isTrustedKeyUrl(`${BASE_URL}/system/callbackKeys/7`, BASE_URL), true);
    assert.equal(isTrustedKeyUrl('https://na.myconnectwise.net/keys/7', BASE_URL), true);
    assert.equal(
      isTrustedKeyUrl('https://evil.example.com/v4_6_release/apis/3.0/k', BASE_URL),
      false,
    );
    assert.equal(isTrustedKeyUrl('https://api-na.myconnectwise.net.evil.com/k', BASE_URL), false);
    assert.equal(isTrustedKeyUrl('https://api-eu.myconnectwise.net/k', BASE_URL), false);
    assert.equal(isTrustedKeyUrl('http://api-na.myconnectwise.net/k', BASE_URL), false, 'scheme');
    assert.equal(
      isTrustedKeyUrl('https://api-na.myconnectwise.net:8443/k', BASE_URL),
      false,
      'port',
    );
    assert.equal(isTrustedKeyUrl('https://u:p@api-na.myconnectwise.net/k', BASE_URL), false);
    assert.equal(isTrustedKeyUrl('not a url', BASE_URL), false);
    assert.equal(
      isTrustedKeyUrl('http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/v4_6_release/apis/3.0'),
      true,
    );
    assert.equal(
      isTrustedKeyUrl('http://127.0.0.1:9090/x', 'http://127.0.0.1:8080/v4_6_release/apis/3.0'),
      false,
    );
  });

  it('reads signing_key from the key_url answer', () => {
    assert.equal(signingKeyOf({ signing_key: 'abc' }), 'abc');
    assert.throws(() => signingKeyOf({}), /signing_key/);
    assert.throws(() => signingKeyOf(null), /signing_key/);
  });
});

describe('SigningKeyCache', () => {
  it('fetches a key once per key_url within the TTL, shares concurrent fetches, refetches after', async () => {
    let now = 0;
    const fetched: string[] = [];
    const cache = new SigningKeyCache(
      async (url) => {
        fetched.push(url);
        return `key of ${url}`;
      },
      { ttlMs: 1000, now: () => now },
    );
    const [a, b] = await Promise.all([cache.get('u1'), cache.get('u1')]);
    assert.equal(a, 'key of u1');
    assert.equal(b, a);
    await cache.get('u2');
    now = 999;
    await cache.get('u1');
    assert.deepEqual(fetched, ['u1', 'u2']);
    now = 1000;
    await cache.get('u1');
    assert.deepEqual(fetched, ['u1', 'u2', 'u1']);
  });

  it('does not keep a failed fetch, and stays bounded', async () => {
    let fail = true;
    const cache = new SigningKeyCache(
      async (url) => {
        if (fail) throw new Error('down');
        return url;
      },
      { maxEntries: 2 },
    );
    await assert.rejects(cache.get('u'), /down/);
    fail = false;
    assert.equal(await cache.get('u'), 'u');
    await cache.get('v');
    await cache.get('w');
    assert.equal(cache.size, 2);
  });

  it('rechecks a key at most once per interval, keeps it when unchanged or unreadable, takes a rotated one', async () => {
    let now = 0;
    let served = 'first';
    let down = false;
    const fetched: string[] = [];
    const cache = new SigningKeyCache(
      async (url) => {
        fetched.push(url);
        if (down) throw new Error('down');
        return served;
      },
      { recheckIntervalMs: 1000, now: () => now },
    );
    assert.equal(await cache.get('u'), 'first');
    assert.equal(await cache.recheck('u'), undefined, 'too soon after the first read');
    assert.equal(fetched.length, 1);
    now = 1000;
    const [a, b] = await Promise.all([cache.recheck('u'), cache.recheck('u')]);
    assert.equal(a, undefined, 'read again, unchanged');
    assert.equal(b, undefined);
    assert.equal(fetched.length, 2, 'concurrent rechecks share one read');
    now = 1500;
    assert.equal(await cache.recheck('u'), undefined, 'within the interval again');
    assert.equal(fetched.length, 2);
    now = 2000;
    down = true;
    assert.equal(await cache.recheck('u'), undefined);
    assert.equal(await cache.get('u'), 'first', 'a failed recheck keeps the known key');
    now = 3000;
    down = false;
    served = 'rotated';
    assert.equal(await cache.recheck('u'), 'rotated');
    assert.equal(await cache.get('u'), 'rotated');
    assert.equal(await cache.recheck('never-read'), undefined, 'nothing to recheck');
    assert.equal(fetched.length, 4);
  });

  it('reads at most maxFetchesPerMinute keys a minute, over all key_urls', async () => {
    let now = 0;
    const reasons: string[] = [];
    const cache = new SigningKeyCache(async (url) => url, {
      maxFetchesPerMinute: 3,
      ttlMs: 10,
      now: () => now,
      onFetch: (_url, reason) => reasons.push(reason),
    });
    for (const url of ['a', 'b', 'c']) await cache.get(url);
    await assert.rejects(cache.get('d'), KeyFetchLimitError);
    await assert.rejects(cache.get('d'), /more than 3 signing-key reads/);
    now = 59_999;
    assert.equal(await cache.get('a'), 'a', 'an expired key is used while no read is left');
    now = 60_000;
    assert.equal(await cache.get('d'), 'd');
    now = 60_020;
    assert.equal(await cache.get('a'), 'a');
    assert.deepEqual(reasons, ['new', 'new', 'new', 'new', 'expired']);
  });
});

describe('DeliveryDeduplicator', () => {
  it('recognises the same body, and the same record, action and lastUpdated, within the window', () => {
    let now = 0;
    const seen = new DeliveryDeduplicator({ windowMs: 1000, now: () => now });
    const identity = { id: 1, action: 'updated', lastUpdated: '2025-01-01T00:00:00Z' };
    assert.equal(seen.firstTime('a', identity), true);
    assert.equal(seen.firstTime('a', identity), false, 'same body');
    assert.equal(seen.firstTime('b', identity), false, 'same record change, other body');
    assert.equal(seen.firstTime('c', { ...identity, action: 'deleted' }), true);
    now = 1000;
    assert.equal(seen.firstTime('a', identity), true, 'after the window');
  });

  it('keeps at most maxEntries', () => {
    const seen = new DeliveryDeduplicator({ maxEntries: 10 });
    for (let i = 0; i < 100; i++) seen.firstTime(`body ${i}`);
    assert.equal(seen.size, 10);
    assert.equal(seen.firstTime('body 99'), false);
    assert.equal(seen.firstTime('body 0'), true, 'the oldest were forgotten');
  });
});

describe('parseCallbackDelivery', () => {
  it('reads every field, the Entity JSON string included', () => {
    const delivery = parseCallbackDelivery(BODY);
    assert.equal(delivery.id, 42);
    assert.equal(delivery.action, 'updated');
    assert.equal(delivery.event, 'updated');
    assert.equal(delivery.type, 'ticket');
    assert.equal(delivery.companyId, 'msp');
    assert.equal(delivery.memberId, 'jdoe');
    assert.equal(delivery.fromUrl, 'https://na.myconnectwise.net/');
    assert.match(String(delivery.keyUrl), /callbackKeys\/7$/);
    assert.deepEqual((delivery.entity as { id: number }).id, 42);
    assert.equal(delivery.lastUpdated, '2025-03-01T10:00:00Z');
  });

  it('maps actions to events and refuses a body that is not a JSON object', () => {
    assert.equal(parseCallbackDelivery('{"Action":"added"}').event, 'added');
    assert.equal(parseCallbackDelivery('{"Action":"deleted","Entity":null}').event, 'deleted');
    assert.throws(() => parseCallbackDelivery('[1]'), /body: not a JSON object/);
    assert.throws(() => parseCallbackDelivery('<html>'), /body: not JSON/);
  });
});

describe('CallbackReceiver', () => {
  function receiver(fetched: string[] = []): CallbackReceiver {
    return new CallbackReceiver({
      connectionBaseUrl: () => BASE_URL,
      fetchKey: async (url) => {
        fetched.push(url);
        return SIGNING_KEY;
      },
    });
  }

  it('accepts a signed delivery once, then marks repeats as duplicates', async () => {
    const fetched: string[] = [];
    const target = receiver(fetched);
    const signature = expectedSignature(SIGNING_KEY, BODY);
    const first = await target.receive(BODY, signature);
    assert.equal(first.status, 200);
    assert.equal(first.accepted && first.duplicate, false);
    const again = await target.receive(BODY, signature);
    assert.equal(again.accepted && again.duplicate, true);
    assert.equal(fetched.length, 1, 'the key was fetched once');
  });

  it('refuses unsigned, forged and foreign-key deliveries with 403, malformed ones with 400', async () => {
    const fetched: string[] = [];
    const target = receiver(fetched);
    assert.equal((await target.receive(BODY, undefined)).status, 403);
    assert.equal((await target.receive(BODY, expectedSignature('wrong', BODY))).status, 403);
    const foreignBody = Buffer.from(
      JSON.stringify({
        Action: 'added',
        ID: 1,
        Metadata: { key_url: 'https://evil.example.com/k' },
      }),
    );
    const foreign = await target.receive(foreignBody, expectedSignature(SIGNING_KEY, foreignBody));
    assert.equal(foreign.status, 403);
    assert.ok(!fetched.includes('https://evil.example.com/k'), 'never fetched');
    assert.equal((await target.receive(Buffer.from('nope'), 'x')).status, 400);
  });

  it('reads the key once for a genuine delivery and a thousand forged ones', async () => {
    let now = 0;
    const fetched: string[] = [];
    const target = new CallbackReceiver({
      connectionBaseUrl: () => BASE_URL,
      fetchKey: async (url) => {
        fetched.push(url);
        return SIGNING_KEY;
      },
      now: () => now,
    });
    const genuine = await target.receive(BODY, expectedSignature(SIGNING_KEY, BODY));
    assert.equal(genuine.status, 200);
    const forged = expectedSignature('not the key', BODY);
    for (let i = 0; i < 1000; i++) {
      now += 10;
      const outcome = await target.receive(BODY, forged);
      assert.equal(outcome.status, 403);
      assert.equal(!outcome.accepted && outcome.kind, 'bad-signature');
    }
    // 10 s went by: within the recheck interval of a minute, so no second read.
    assert.equal(fetched.length, 1);
    const again = await target.receive(BODY, expectedSignature(SIGNING_KEY, BODY));
    assert.equal(again.accepted && again.duplicate, true, 'the cached key still verifies');
  });

  it('accepts a delivery signed with a key rotated under the same key_url', async () => {
    let now = 0;
    let key = SIGNING_KEY;
    const fetched: string[] = [];
    const target = new CallbackReceiver({
      connectionBaseUrl: () => BASE_URL,
      fetchKey: async (url) => {
        fetched.push(url);
        return key;
      },
      now: () => now,
    });
    assert.equal((await target.receive(BODY, expectedSignature(key, BODY))).status, 200);
    key = 'the rotated key';
    now = 120_000;
    const other = Buffer.from(BODY.toString('utf8').replace('Printer', 'Scanner'));
    const outcome = await target.receive(other, expectedSignature(key, other));
    assert.equal(outcome.status, 200);
    assert.equal(fetched.length, 2);
  });

  it('answers 503 (try later) when the key reads of the minute are spent', async () => {
    const target = new CallbackReceiver({
      connectionBaseUrl: () => BASE_URL,
      fetchKey: async () => {
        throw new Error('404');
      },
      keys: { maxFetchesPerMinute: 2 },
    });
    const withKeyUrl = (n: number): Buffer =>
      Buffer.from(
        JSON.stringify({
          Action: 'added',
          ID: n,
          Metadata: { key_url: `${BASE_URL}/system/callbackKeys/${n}` },
        }),
      );
    const statuses: number[] = [];
    for (let n = 1; n <= 4; n++) {
      statuses.push((await target.receive(withKeyUrl(n), 'c2lnbmF0dXJl')).status);
    }
    assert.deepEqual(statuses, [403, 403, 503, 503]);
  });
});
