import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  baseUrlFor,
  discoverCodebase,
  notApiAdvice,
  normaliseCodebase,
  resolveClientSettings,
  resolveSiteOrigin,
} from '../../src/core/connection-settings';
import { CwError } from '../../src/core/errors';
import type { ConnectionConfig, ConnectionCredentials } from '../../src/shared/node-configs';

const credentials: ConnectionCredentials = {
  publicKey: 'pubKey1234',
  privateKey: 'privSecret987',
  clientId: '9a1b2c3d-0000-4000-8000-000000000001',
};

function config(overrides: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return { site: 'na', companyId: 'msp', ...overrides };
}

function configFailure(run: () => unknown, field: string, message: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof CwError, `expected a CwError, got ${String(err)}`);
    assert.equal(err.code, 'CONFIG');
    assert.equal(err.field, field);
    assert.equal(err.message, message);
    for (const secret of Object.values(credentials))
      assert.ok(!err.message.includes(secret as string));
    return true;
  });
}

describe('resolveClientSettings', () => {
  it('builds the cloud base URL with the defaults', () => {
    const settings = resolveClientSettings(config(), credentials);
    assert.deepEqual(settings, {
      baseUrl: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0',
      companyId: 'msp',
      publicKey: 'pubKey1234',
      privateKey: 'privSecret987',
      clientId: credentials.clientId,
      apiVersion: undefined,
      timeoutMs: 30000,
      retries: 3,
      concurrency: 4,
      ratePerMinute: 600,
      // A request waits in the queue at most as long as the timeout, and 1,000 wait at most.
      maxWaitMs: 30000,
      maxQueue: 1000,
      removeNulls: true,
      // Acting as a member is allowed only where the connection turns it on.
      allowImpersonation: false,
    });
  });

  it('reads the longest wait in seconds, the timeout when empty, and refuses it out of range', () => {
    assert.equal(resolveClientSettings(config({ timeout: 12 }), credentials).maxWaitMs, 12000);
    assert.equal(resolveClientSettings(config({ maxWait: 2.5 }), credentials).maxWaitMs, 2500);
    assert.throws(
      () => resolveClientSettings(config({ maxWait: 0 }), credentials),
      /maxWait: must be between 1 and 3600 seconds/,
    );
    assert.throws(
      () => resolveClientSettings(config({ maxQueue: 0 }), credentials),
      /maxQueue: must be between 1 and 100000 requests/,
    );
  });

  it('uses every cloud site over https', () => {
    assert.equal(
      resolveClientSettings(config({ site: 'eu' }), credentials).baseUrl,
      'https://api-eu.myconnectwise.net/v4_6_release/apis/3.0',
    );
    assert.equal(
      resolveClientSettings(config({ site: 'staging' }), credentials).baseUrl,
      'https://api-staging.connectwisedev.com/v4_6_release/apis/3.0',
    );
  });

  it('reads custom hosts with and without a scheme, and normalises the codebase', () => {
    const custom = (host: string, codebase?: string): string =>
      resolveClientSettings(config({ site: 'custom', host, codebase }), credentials).baseUrl;
    assert.equal(custom('cw.example.com'), 'https://cw.example.com/v4_6_release/apis/3.0');
    assert.equal(
      custom('http://127.0.0.1:8080', '/v2025_1/'),
      'http://127.0.0.1:8080/v2025_1/apis/3.0',
    );
    assert.equal(
      custom('https://cw.example.com:8443/', 'v2025_1/'),
      'https://cw.example.com:8443/v2025_1/apis/3.0',
    );
  });

  it('turns numbers and numeric text into settings', () => {
    const settings = resolveClientSettings(
      config({
        timeout: '12.5',
        retries: '0',
        concurrency: 8,
        rateLimit: '900',
        removeNulls: true,
        apiVersion: '2025.1',
      }),
      credentials,
    );
    assert.equal(settings.timeoutMs, 12500);
    assert.equal(settings.retries, 0);
    assert.equal(settings.concurrency, 8);
    assert.equal(settings.ratePerMinute, 900);
    assert.equal(settings.removeNulls, true);
    assert.equal(settings.apiVersion, '2025.1');
  });

  it('requires the company and each key, without echoing any secret', () => {
    configFailure(
      () => resolveClientSettings(config({ companyId: ' ' }), credentials),
      'companyId',
      'companyId: is required',
    );
    configFailure(
      () => resolveClientSettings(config(), { ...credentials, publicKey: '' }),
      'publicKey',
      'publicKey: is required',
    );
    configFailure(
      () => resolveClientSettings(config(), { ...credentials, privateKey: undefined }),
      'privateKey',
      'privateKey: is required',
    );
    configFailure(
      () => resolveClientSettings(config(), { ...credentials, clientId: '' }),
      'clientId',
      'clientId: is required',
    );
  });

  it('refuses malformed hosts, naming the host', () => {
    configFailure(
      () => resolveClientSettings(config({ site: 'custom' }), credentials),
      'host',
      'host: is required for a custom site',
    );
    configFailure(
      () =>
        resolveClientSettings(config({ site: 'custom', host: 'http://exa mple.com' }), credentials),
      'host',
      'host: "http://exa mple.com" is not a valid host name or URL',
    );
    configFailure(
      () =>
        resolveClientSettings(
          config({ site: 'custom', host: 'ftp://cw.example.com' }),
          credentials,
        ),
      'host',
      'host: must use https or http, got ftp',
    );
    assert.throws(
      () =>
        resolveClientSettings(
          config({ site: 'custom', host: 'https://u:p@cw.example.com' }),
          credentials,
        ),
      (err: unknown) =>
        err instanceof CwError && err.field === 'host' && !err.message.includes('u:p'),
    );
    assert.throws(
      () =>
        resolveClientSettings(
          config({ site: 'custom', host: 'https://cw.example.com/v4_6_release/apis/3.0' }),
          credentials,
        ),
      (err: unknown) =>
        err instanceof CwError && err.field === 'host' && /without a path/.test(err.message),
    );
    assert.throws(
      () =>
        resolveClientSettings(
          config({ site: 'custom', host: 'na.myconnectwise.net' }),
          credentials,
        ),
      (err: unknown) =>
        err instanceof CwError &&
        err.field === 'host' &&
        err.message.includes('api-na.myconnectwise.net'),
    );
  });

  it('refuses out-of-range numbers, naming the field', () => {
    configFailure(
      () => resolveClientSettings(config({ timeout: 0 }), credentials),
      'timeout',
      'timeout: must be between 1 and 600 seconds',
    );
    configFailure(
      () => resolveClientSettings(config({ retries: 11 }), credentials),
      'retries',
      'retries: must be between 0 and 10 retries',
    );
    configFailure(
      () => resolveClientSettings(config({ concurrency: 2.5 }), credentials),
      'concurrency',
      'concurrency: must be a whole number, got 2.5',
    );
    configFailure(
      () => resolveClientSettings(config({ rateLimit: 'lots' }), credentials),
      'rateLimit',
      'rateLimit: must be a number, got "lots"',
    );
    configFailure(
      () => resolveClientSettings(config({ codebase: '../admin' }), credentials),
      'codebase',
      'codebase: "../admin" is not a codebase (expected something like v4_6_release)',
    );
    configFailure(
      () => resolveClientSettings(config({ apiVersion: 'latest' }), credentials),
      'apiVersion',
      'apiVersion: "latest" is not an API version (expected like 2025.1)',
    );
  });

  it('exposes the origin and codebase helpers', () => {
    assert.equal(resolveSiteOrigin({ site: 'au' }), 'https://api-au.myconnectwise.net');
    assert.equal(normaliseCodebase(undefined), 'v4_6_release');
    assert.equal(
      baseUrlFor('http://127.0.0.1:1', 'v2025_1/'),
      'http://127.0.0.1:1/v2025_1/apis/3.0',
    );
  });
});

describe('discoverCodebase', () => {
  let server: http.Server;
  let origin: string;
  const answers: Record<string, { type: string; body: string }> = {
    '/login/companyinfo/msp': {
      type: 'application/json',
      body: JSON.stringify({ CompanyName: 'MSP', Codebase: 'v2025_1/', IsCloud: false }),
    },
    '/login/companyinfo/nobody': { type: 'application/json', body: 'null' },
    '/login/companyinfo/web': { type: 'text/html', body: '<!DOCTYPE html><html></html>' },
  };

  before(async () => {
    server = http.createServer((req, res) => {
      const answer = answers[req.url ?? ''];
      res.writeHead(answer ? 200 : 404, { 'content-type': answer?.type ?? 'text/plain' });
      res.end(answer?.body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads the codebase without its slash', async () => {
    assert.equal(await discoverCodebase(origin, 'msp'), 'v2025_1');
  });

  it('says when the company is not known to the site', async () => {
    await assert.rejects(discoverCodebase(origin, 'nobody'), (err: unknown) => {
      assert.ok(err instanceof CwError);
      assert.equal(err.code, 'CONFIG');
      assert.equal(err.message, 'companyId: company id nobody is not known to this site');
      return true;
    });
  });

  it('says when the site answers a web page', async () => {
    await assert.rejects(discoverCodebase(origin, 'web'), (err: unknown) => {
      assert.ok(err instanceof CwError);
      assert.equal(err.code, 'NOT_API');
      assert.match(err.message, /check the host 127\.0\.0\.1:\d+ .* and the codebase/);
      return true;
    });
  });

  it('names the api- prefix for a cloud site, the host and codebase for an own host', () => {
    assert.equal(
      notApiAdvice('https://na.myconnectwise.net/v4_6_release/apis/3.0/system/info'),
      'check the site (cloud sites need the api- prefix)',
    );
    assert.equal(
      notApiAdvice('https://manage.example.com/v2025_1/apis/3.0/system/info'),
      "check the host manage.example.com (it must be the Manage server's API, not a login page, " +
        'portal or proxy in front of it) and the codebase v2025_1 (v4_6_release routes to the ' +
        'current one; "discover codebase" asks the server)',
    );
  });

  it('says when nothing answers', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(discoverCodebase(`http://127.0.0.1:${port}`, 'msp'), (err: unknown) => {
      assert.ok(err instanceof CwError);
      assert.equal(err.code, 'NETWORK');
      return true;
    });
  });
});
