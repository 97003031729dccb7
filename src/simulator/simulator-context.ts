/** The running simulator's parts that every handler may use, and the shape of a handler. */
import type { Answer } from './answers';
import type { SimMember } from './authentication';
import type { CallbackDispatcher } from './callbacks';
import type { SimClock } from './clock';
import type { FaultList } from './faults';
import type { MemberTokens } from './member-tokens';
import type { RequestLogEntry } from './request-log';
import type { RequestValidator } from './request-validation';
import type { RouteTable } from './routes';
import type { ApiRequest } from './sim-request';
import type { MemoryStore } from './store';
import type { SimTimers } from './timers';

export interface SimContext {
  routes: RouteTable;
  /** Refuses what a strict server built from the document refuses. */
  validator: RequestValidator;
  store: MemoryStore;
  clock: SimClock;
  faults: FaultList;
  log: RequestLogEntry[];
  logLimit: number;
  members: SimMember[];
  latencyMs: number;
  siteUrl(): string;
  timers: SimTimers;
  /** Sends callback deliveries and serves their signing keys. */
  callbacks: CallbackDispatcher;
  /** Member tokens issued for impersonation. */
  memberTokens: MemberTokens;
}

/** Answers one operation; throws a ManageHttpError to answer an error. */
export type OperationHandler = (context: SimContext, request: ApiRequest) => Answer;
