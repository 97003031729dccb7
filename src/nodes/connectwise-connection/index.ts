/**
 * The connection config node: where and who. It owns one client (and so one limiter) shared by
 * every node using the connection, created on first use and closed with the node.
 */

import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef } from 'node-red';

import { getCatalog, type Catalog } from '../../core/catalog-store';
import type { CwClient } from '../../core/client';
import {
  baseUrlFor,
  discoverCodebase,
  resolveClientSettings,
  resolveSiteOrigin,
} from '../../core/connection-settings';
import { CwError, isCwError } from '../../core/errors';
import type { RedisCoordinator } from '../../core/redis-coordinator';
import { coordinationPrefix, resolveRedisSettings } from '../../core/redis-settings';
import { migrateConfig } from '../../shared/config-migrations';
import {
  NODE_TYPES,
  type ConnectionConfig,
  type ConnectionCredentials,
} from '../../shared/node-configs';
import { currentConfig } from '../saved-config';
import { documentCatalog } from './document-catalog';
import { SANDBOX_DESCRIPTION, isSandbox, startSandbox, type Sandbox } from './sandbox';
import { checkConnection, mergeCredentials } from './connection-check';

export const CONNECTION_TYPE = NODE_TYPES.connection;
export const CONNECTION_TEST_ROUTE = '/connectwise-manage/connection/test';
export const CONNECTION_WRITE_PERMISSION = 'connectwise-connection.write';

type ConnectionNodeDef = NodeDef & ConnectionConfig;

/** What the request and poll nodes use of their connection. */
export interface ConnectionNode extends Node<ConnectionCredentials> {
  /** The connection's client, created once (after codebase discovery when enabled). */
  getClient(): Promise<CwClient>;
  getCatalog(): Catalog;
  readonly returnFailures: boolean;
  readonly removeNulls: boolean;
  /** True when the connection coordinates with other instances through Redis. */
  readonly coordinated: boolean;
  /** Host and company, for status text and messages; never a secret. */
  describe(): string;
  /**
   * The coordination with other instances through Redis, created with the client; undefined
   * when the connection does not coordinate (then nothing of Redis is loaded).
   */
  getCoordinator(): Promise<RedisCoordinator | undefined>;
}

const registeredApps = new WeakSet<object>();

function asConfigError(err: unknown): CwError {
  if (isCwError(err)) return err;
  return new CwError('CONFIG', err instanceof Error ? err.message : String(err));
}

function describeConnection(config: ConnectionConfig): string {
  if (isSandbox(config)) return SANDBOX_DESCRIPTION;
  let host: string;
  try {
    host = new URL(resolveSiteOrigin(config)).host;
  } catch {
    host = config.host || config.site || 'no site';
  }
  return config.companyId ? `${host}, company ${config.companyId}` : host;
}

/** The editor's admin routes of this node; registering again on the same app changes nothing. */
export function registerConnectionEndpoints(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (registeredApps.has(app)) return;
  registeredApps.add(app);
  app.post(
    CONNECTION_TEST_ROUTE,
    RED.auth.needsPermission(CONNECTION_WRITE_PERMISSION),
    (req: Request, res: Response) => {
      const body = (req.body ?? {}) as { id?: unknown; config?: unknown; credentials?: unknown };
      if (body.config === null || typeof body.config !== 'object' || Array.isArray(body.config)) {
        res.status(400).json({ ok: false, code: 'INPUT', error: 'config: is required' });
        return;
      }
      const id = typeof body.id === 'string' && body.id ? body.id : undefined;
      const stored = id
        ? (RED.nodes.getCredentials(id) as ConnectionCredentials | undefined)
        : undefined;
      const credentials = mergeCredentials(
        (body.credentials ?? {}) as ConnectionCredentials,
        stored,
      );
      let config: ConnectionConfig;
      try {
        // The dialog's settings, as the runtime would read them.
        config = migrateConfig<ConnectionConfig>('connection', body.config).config;
      } catch (err) {
        res.status(400).json({ ok: false, code: 'CONFIG', error: (err as Error).message });
        return;
      }
      checkConnection(config, credentials).then(
        (result) => res.json(result),
        () => res.status(500).json({ ok: false, code: 'ERROR', error: 'the test failed' }),
      );
    },
  );
}

export default function registerConnection(RED: NodeAPI): void {
  registerConnectionEndpoints(RED);

  function ConnectionNodeConstructor(this: ConnectionNode, saved: ConnectionNodeDef): void {
    RED.nodes.createNode(this, saved);
    let clientPromise: Promise<CwClient> | undefined;
    let coordinator: RedisCoordinator | undefined;
    let closed = false;
    let config: ConnectionNodeDef = saved;
    /** A configuration this release cannot read: every node using the connection is told. */
    let unreadable: CwError | undefined;
    try {
      config = currentConfig<ConnectionNodeDef>('connection', this, saved);
    } catch (err) {
      unreadable = asConfigError(err);
    }

    let sandbox: Sandbox | undefined;
    const createClient = async (): Promise<CwClient> => {
      if (unreadable) throw unreadable;
      if (isSandbox(config)) {
        const started = await startSandbox(config);
        sandbox = started;
        this.warn(
          `${SANDBOX_DESCRIPTION}: requests go to a simulator on ${new URL(started.settings.baseUrl).host}, never to ConnectWise`,
        );
        if (closed) void started.stop();
        const { CwClient: SandboxClient } = await import('../../core/client');
        return new SandboxClient(started.settings, {
          log: (level, message) => (level === 'warn' ? this.warn(message) : this.debug(message)),
        });
      }
      let settings;
      try {
        settings = resolveClientSettings(config, this.credentials ?? {});
      } catch (err) {
        throw asConfigError(err);
      }
      if (config.discoverCodebase) {
        const origin = resolveSiteOrigin(config);
        const codebase = await discoverCodebase(origin, settings.companyId, settings.timeoutMs);
        settings = { ...settings, baseUrl: baseUrlFor(origin, codebase) };
      }
      const log = (level: 'debug' | 'warn', message: string): void =>
        level === 'warn' ? this.warn(message) : this.debug(message);
      let redis;
      try {
        redis = resolveRedisSettings(
          config,
          this.credentials ?? {},
          process.env,
          coordinationPrefix(settings.baseUrl, settings.companyId, settings.publicKey),
        );
      } catch (err) {
        throw asConfigError(err);
      }
      if (redis && !coordinator) {
        // Loaded only for a coordinated connection, with its first use.
        const { RedisCoordinator } = await import('../../core/redis-coordinator');
        coordinator = await RedisCoordinator.connect(redis, {
          ratePerMinute: settings.ratePerMinute,
          concurrency: settings.concurrency,
          attemptMs: settings.timeoutMs + 5_000,
          log,
        });
        // The first requests wait briefly for Redis rather than go out on the local limit.
        await coordinator.whenAvailable(2_000);
      }
      // The HTTP stack is loaded with the first client, not with Node-RED's start-up.
      const { CwClient } = await import('../../core/client');
      const client = new CwClient(settings, { log, gate: coordinator });
      if (closed) {
        client.close();
        void coordinator?.close();
      }
      return client;
    };

    Object.defineProperties(this, {
      returnFailures: { value: config.returnFailures === true, enumerable: true },
      removeNulls: { value: config.removeNulls !== false, enumerable: true },
      coordinated: { value: config.coordinate === true, enumerable: true },
    });

    this.getClient = () => {
      if (closed) {
        return Promise.reject(
          new CwError('CONFIG', `${this.describe()}: the connection is closed`),
        );
      }
      if (!clientPromise) {
        const created = createClient();
        clientPromise = created;
        // A failed start (site unreachable during discovery) is tried again on next use.
        created.catch(() => {
          if (clientPromise === created) clientPromise = undefined;
        });
      }
      return clientPromise;
    };

    this.getCatalog = () =>
      config.openapiSource === 'file' ? documentCatalog(config.openapiPath) : getCatalog();

    this.describe = () => describeConnection(config);

    this.getCoordinator = async () => {
      if (config.coordinate !== true) return undefined;
      await this.getClient();
      return coordinator;
    };

    this.on('close', (done: () => void) => {
      closed = true;
      const pending = clientPromise;
      clientPromise = undefined;
      const running = sandbox;
      sandbox = undefined;
      if (running) {
        const finish = done;
        done = () => void running.stop().then(finish, finish);
      }
      const stopCoordinator = (): void => {
        const ending = coordinator;
        coordinator = undefined;
        if (!ending) done();
        else void ending.close().then(done, done);
      };
      if (!pending) {
        stopCoordinator();
        return;
      }
      pending.then(
        (client) => {
          client.close();
          stopCoordinator();
        },
        () => stopCoordinator(),
      );
    });
  }

  RED.nodes.registerType<ConnectionNode, ConnectionNodeDef, unknown, ConnectionCredentials>(
    CONNECTION_TYPE,
    ConnectionNodeConstructor,
    {
      credentials: {
        publicKey: { type: 'password' },
        privateKey: { type: 'password' },
        clientId: { type: 'password' },
        redisUrl: { type: 'password' },
        redisPassword: { type: 'password' },
      },
    },
  );
}
