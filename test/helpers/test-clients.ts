/**
 * CwClient instances for tests: settings fast enough for a loopback server (short retry delays,
 * no effective rate limit), every log line kept for the secret checks, and all of them closed in
 * one call.
 */
import { strict as assert } from 'node:assert';

import { CwClient, type LogLevel } from '../../src/core/client';
import { CwError } from '../../src/core/errors';
import type { ClientSettings } from '../../src/core/http-types';

/** Where to connect and as whom; read when each client is made, after the server has started. */
export type ClientTarget = Pick<
  ClientSettings,
  'baseUrl' | 'companyId' | 'publicKey' | 'privateKey' | 'clientId' | 'timeoutMs'
>;

export interface TestClients {
  /** A new client on the target, with `overrides` applied last. */
  client(overrides?: Partial<ClientSettings>): CwClient;
  /** Closes every client made so far. */
  closeAll(): void;
}

/** `logLines` receives `"<level> <message>"` for every line any of the clients logs. */
export function testClients(target: () => ClientTarget, logLines: string[]): TestClients {
  const clients: CwClient[] = [];
  return {
    client(overrides = {}) {
      const created = new CwClient(
        {
          ...target(),
          retries: 3,
          concurrency: 4,
          ratePerMinute: 60000,
          removeNulls: false,
          ...overrides,
        },
        {
          retryBaseDelayMs: 20,
          log: (level: LogLevel, message: string) => logLines.push(`${level} ${message}`),
        },
      );
      clients.push(created);
      return created;
    },
    closeAll() {
      for (const created of clients.splice(0)) created.close();
    },
  };
}

/** The CwError `promise` rejects with; fails the test if it resolves or rejects otherwise. */
export async function cwFailure(promise: Promise<unknown>): Promise<CwError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CwError, `expected a CwError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}
