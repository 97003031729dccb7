/**
 * A ConnectWise Manage simulator: a real HTTP server on loopback, driven by the OpenAPI
 * document, with seeded records, Manage's auth, paging and error shapes, and switchable faults.
 *
 * Approximations: `childConditions` are evaluated like conditions, a record matching when any
 * element of the child list does; `customFieldConditions` match when one entry of the record's
 * `customFields` satisfies them; action endpoints (`/copy`, `/merge`, ...) answer their success
 * status without effect.
 */
import { existsSync } from 'node:fs';

import { getCatalog } from '../core/catalog-store';
import { defaultDocumentPath } from '../core/openapi-document';
import { DEFAULT_CLIENT_ID, DEFAULT_MEMBER, type SimMember } from './authentication';
import { CallbackDispatcher, type SimCallbacks } from './callbacks';
import { createClock, type SimClock } from './clock';
import { FaultList, type FaultSwitch } from './faults';
import { MemberTokens, type MemberTokenAnswer } from './member-tokens';
import type { RequestLogEntry } from './request-log';
import { RequestValidator } from './request-validation';
import { catalogRouteTable } from './catalog-routes';
import { routeTableFor, type RouteTable } from './routes';
import { seedStore, type SeedSize } from './seed';
import { createRequestHandler, startHttpServer } from './server';
import type { SimContext } from './simulator-context';
import { apiBaseUrl } from './site';
import { MemoryStore, type SimStore } from './store';
import { SimTimers } from './timers';

export type {
  CallbackDeliveryEntry,
  DeliveryAttempt,
  ForgedDelivery,
  SimCallbacks,
} from './callbacks';
export type { SimClock } from './clock';
export type { FaultKind, FaultMatch, FaultSpec, FaultSwitch, PendingFault } from './faults';
export type { SeedSize } from './seed';
export type { CustomFieldDefinition, CustomFieldEntry } from './custom-fields';
export { CUSTOM_FIELD_DEFINITIONS } from './custom-fields';
export type { SimMember } from './authentication';
export type { MemberTokenAnswer } from './member-tokens';
export type { RequestLogEntry } from './request-log';
export type { RecordInput, SimRecord, SimStore, StoredContent } from './store';
export { DEFAULT_CLIENT_ID, DEFAULT_MEMBER } from './authentication';
export { API_VERSION } from './site';

export interface SimulatorOptions {
  /** 0 = a free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Default: defaultDocumentPath() (`CW_OPENAPI`, else the shared 2025.1 document), or the
   * package's compiled catalog when that file is absent (an installed package).
   */
  documentPath?: string;
  /** `catalog`: routes from the compiled catalog even where the document is present. */
  routesFrom?: 'document' | 'catalog';
  /** Seed of the deterministic seed data; false for an empty store. Default 1. */
  seed?: number | false;
  seedSize?: SeedSize;
  /** API members allowed in; default one: msp + simPublicKey : simPrivateKey. */
  members?: SimMember[];
  /** The clock the simulator starts from; default the system clock. */
  clock?: () => Date;
  /** Added to every answer. */
  latencyMs?: number;
  /** Request log entries kept (oldest dropped first); default 10,000. */
  logLimit?: number;
  /** Seconds a member token (`POST /system/members/{id}/tokens`) is valid; default 3,600. */
  memberTokenSeconds?: number;
}

export interface SimulatorCredentials {
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT`: the site (its host is what a connection calls the site). */
  url: string;
  /** `url + '/v4_6_release/apis/3.0'`, or with the given codebase (`v2025_1`). */
  baseUrl(codebase?: string): string;
  credentials: SimulatorCredentials;
  faults: FaultSwitch;
  /** Every request, oldest first; secrets masked. */
  log: RequestLogEntry[];
  clearLog(): void;
  store: SimStore;
  clock: SimClock;
  /** Callbacks (webhooks): the deliveries sent, forged and replayed deliveries, key options. */
  callbacks: SimCallbacks;
  /** Member tokens (impersonation) issued so far. */
  memberTokens: { issued(): MemberTokenAnswer[] };
  /** Closes the server and every connection, keep-alive ones too. */
  stop(): Promise<void>;
}

/** The routes of the document, or of the compiled catalog where the document is not at hand. */
function routesFor(options: SimulatorOptions): RouteTable {
  if (options.documentPath) return routeTableFor(options.documentPath);
  const file = defaultDocumentPath();
  if (options.routesFrom !== 'catalog' && existsSync(file)) return routeTableFor(file);
  return catalogRouteTable(getCatalog());
}

const validators = new Map<string, RequestValidator>();

/** One validator per document (its compiled schemas shared by every simulator of it). */
function validatorFor(documentPath: string | undefined): RequestValidator {
  const key = documentPath ?? '';
  let validator = validators.get(key);
  if (!validator) {
    validator = new RequestValidator(documentPath ? getCatalog(documentPath) : getCatalog());
    validators.set(key, validator);
  }
  return validator;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const routes = routesFor(options);
  const clock = createClock(options.clock);
  const store = new MemoryStore(clock);
  const faults = new FaultList();
  const timers = new SimTimers();
  const members =
    options.members && options.members.length > 0 ? options.members : [DEFAULT_MEMBER];
  const log: RequestLogEntry[] = [];
  let url = '';
  const siteUrl = (): string => url;
  const callbacks = new CallbackDispatcher({
    store,
    siteUrl,
    companyId: members[0].companyId,
    timers,
  });
  const memberTokens = new MemberTokens(clock, options.memberTokenSeconds);
  const context: SimContext = {
    routes,
    validator: validatorFor(options.documentPath),
    store,
    clock,
    faults,
    log,
    logLimit: options.logLimit ?? 10_000,
    members,
    latencyMs: options.latencyMs ?? 0,
    siteUrl,
    timers,
    callbacks,
    memberTokens,
  };
  const server = await startHttpServer(
    createRequestHandler(context),
    options.port ?? 0,
    options.host ?? '127.0.0.1',
  );
  url = server.url;
  const baseUrl = (codebase?: string): string => apiBaseUrl(url, codebase);

  if (options.seed !== false) {
    seedStore(store, {
      seed: options.seed ?? 1,
      size: options.seedSize,
      now: clock.now(),
      apiBase: baseUrl(),
    });
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    baseUrl,
    credentials: { ...members[0], clientId: DEFAULT_CLIENT_ID },
    faults,
    log,
    clearLog: () => {
      log.length = 0;
    },
    store,
    clock,
    callbacks,
    memberTokens,
    stop() {
      stopped ??= (() => {
        callbacks.stop();
        timers.clear();
        return server.close();
      })();
      return stopped;
    },
  };
}
