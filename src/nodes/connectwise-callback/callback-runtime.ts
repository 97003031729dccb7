/**
 * One callback node's life, from deploy to close: the endpoint (route and raw-body tap), the
 * `/system/callbacks` registration and its periodic check, each delivery verified into a message,
 * and the record deleted when the node is removed.
 */
import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';

import { bodyDigest } from '../../core/callback-dedup';
import type { CallbackDelivery } from '../../core/callback-payload';
import { customFieldMap } from '../../core/custom-fields';
import { CallbackReceiver } from '../../core/callback-receiver';
import {
  ensureCallbackRegistration,
  readCallbackRegistration,
  removeCallbackRegistration,
  type CallbackRecord,
} from '../../core/callback-registration';
import {
  SIGNATURE_HEADER,
  signingKeyOf,
  type SigningKeyFetcher,
} from '../../core/callback-signature';
import type { CwClient } from '../../core/client';
import { CwError, isCwError } from '../../core/errors';
import { NoticeThrottle } from '../../core/notice-throttle';
import { clockTime } from '../connectwise-poll/poll-runner';
import {
  asError,
  failureStatus,
  reportBackgroundFailure,
  reportFailure,
  shortErrorText,
  whenFlowsStarted,
} from '../node-status';
import { afterDelivery } from '../connectwise-poll/change-output';
import type { CallbackContext } from '../connectwise-poll/context-watermark';
import { CallbackChanges } from './callback-changes';
import {
  CALLBACK_WITHOUT_REDIS,
  followCoordination,
  type CoordinatedConnection,
} from '../coordination-status';
import { addDeliveryRoute, type HttpNodeApp } from './callback-route';
import type { CallbackSettings } from './callback-settings';
import { BodyTooLargeError, readRawBody, tapRawBodies, type HttpServer } from './raw-body';

/** How often the registration is read back, to notice ConnectWise disabling or deleting it. */
export const REGISTRATION_CHECK_MS = 15 * 60_000;
const RETRY_REGISTRATION_MS = 30_000;
/** The first safety-net poll, after the flows started: it notes where the list stands. */
const SAFETY_NET_FIRST_DELAY_MS = 1000;
/** The body of a refusal: a word, never the reason (which is for the log). */
const REFUSAL_ANSWERS = { 400: 'bad request', 403: 'forbidden', 503: 'try again later' } as const;

/** What the callback node uses of its connection. */
export interface CallbackConnection extends CoordinatedConnection {
  getClient(): Promise<CwClient>;
}

/** An API path of any codebase: `/v4_6_release/apis/3.0/system/callbackKeys/1`. */
const CODEBASE_API_PATH = /^\/[^/]+\/apis\/3\.0(\/.*)$/i;

/**
 * The key_url's path below the connection's API base, when the key is the API's to serve: under
 * the base URL itself, or under another codebase of the same host (ConnectWise names its own
 * codebase in key_url, the connection may have found another one through companyinfo).
 */
function apiPathOf(keyUrl: URL, base: string): string | undefined {
  const baseUrl = new URL(base);
  if (keyUrl.origin !== baseUrl.origin) return undefined;
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  if (keyUrl.pathname.toLowerCase().startsWith(`${basePath.toLowerCase()}/`)) {
    return keyUrl.pathname.slice(basePath.length);
  }
  return CODEBASE_API_PATH.exec(keyUrl.pathname)?.[1];
}

/**
 * Reads `{signing_key}` from a key_url already known to be on the connection's site: through the
 * connection's client (with its credentials) when it is an API path, else by a plain GET without
 * credentials.
 */
export function signingKeyFetcher(client: CwClient): SigningKeyFetcher {
  return async (keyUrl) => {
    const url = new URL(keyUrl);
    const path = apiPathOf(url, client.settings.baseUrl);
    if (path !== undefined) {
      const response = await client.request({
        method: 'get',
        path,
        query: Object.fromEntries(url.searchParams),
      });
      return signingKeyOf(response.data);
    }
    const response = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(client.settings.timeoutMs),
    });
    if (!response.ok) throw new Error(`key_url answered ${response.status}`);
    return signingKeyOf(await response.json());
  };
}

function isTransient(err: unknown): boolean {
  if (!isCwError(err)) return false;
  if (err.code === 'NETWORK' || err.code === 'TIMEOUT') return true;
  return err.statusCode === 429 || (err.statusCode ?? 0) >= 500;
}

export interface CallbackRuntimeOptions {
  RED: NodeAPI;
  node: Node;
  settings: CallbackSettings;
  connection: CallbackConnection;
}

export class CallbackRuntime {
  private readonly node: Node;
  private readonly settings: CallbackSettings;
  private readonly connection: CallbackConnection;
  private readonly receiver: CallbackReceiver;
  /** Refusals are triggered from outside: at most one warning a minute of each kind. */
  private readonly refusals: NoticeThrottle;
  private readonly stopEndpoint: () => void;
  private closed = false;
  private client: CwClient | undefined;
  private registration: CallbackRecord | undefined;
  private registering: Promise<void> = Promise.resolve();
  private lastDelivery: Date | undefined;
  private inactiveNoticed = false;
  private timer: NodeJS.Timeout | undefined;
  /** Messages leave in the order deliveries arrived, re-fetches included. */
  private sending: Promise<void> = Promise.resolve();
  private cancelReport: () => void = () => undefined;
  /** Watched fields and the safety-net poll, when the node has either. */
  private readonly changes: CallbackChanges | undefined;
  /** Set when ConnectWise had disabled the callback and this node activated it again. */
  private reactivated = false;
  private unfollow: () => void = () => undefined;

  /** Serves the endpoint at once; throws (nothing served) when it cannot be served. */
  constructor(private readonly options: CallbackRuntimeOptions) {
    const { RED, node, settings, connection } = options;
    this.node = node;
    this.settings = settings;
    this.connection = connection;
    this.receiver = new CallbackReceiver({
      connectionBaseUrl: async () => (await connection.getClient()).settings.baseUrl,
      fetchKey: async (keyUrl) => signingKeyFetcher(await connection.getClient())(keyUrl),
      keys: {
        onFetch: (keyUrl, reason) =>
          node.log(
            reason === 'recheck'
              ? `reading the signing key again after a signature mismatch: ${keyUrl}`
              : `reading the signing key: ${keyUrl}`,
          ),
      },
      dedupeWindowMs: settings.dedupeWindowMs,
      // Instances behind one URL share the window: a delivery any of them saw is a repeat.
      sharedFirstTime: async (keys, windowMs) => {
        const coordinator = await connection.getCoordinator?.();
        return coordinator?.firstTime(
          keys.map((key) => `callback:${node.id}:${key}`),
          windowMs,
        );
      },
    });
    this.refusals = new NoticeThrottle((text) => node.warn(text));
    if (settings.tracking !== undefined || settings.safetyNetMs > 0) {
      this.changes = new CallbackChanges(
        settings,
        node.context() as unknown as CallbackContext,
        {
          client: () => connection.getClient(),
          // Records the safety-net poll found carry their custom field values too.
          send: (msg) => node.send(this.addCustomFieldValues(msg)),
          isClosed: () => this.closed,
        },
        (err, sent) => this.safetyNetDone(err, sent),
      );
    }
    this.stopEndpoint = this.serveEndpoint(RED);
  }

  /** Registers the callback in ConnectWise; the first safety-net poll follows shortly. */
  start(): void {
    this.registerNow();
    this.changes?.start(SAFETY_NET_FIRST_DELAY_MS);
    this.unfollow = followCoordination(this.node, this.connection, CALLBACK_WITHOUT_REDIS);
  }

  /** An input message: reads the registration back now and runs the safety-net poll now. */
  input(done: (err?: Error) => void): void {
    void (async () => {
      await this.registering;
      await this.checkRegistrationOnce();
      const err = await this.changes?.pollNow();
      done(err ? asError(err) : undefined);
    })();
  }

  private safetyNetDone(err: unknown, sent: number): void {
    if (err) {
      const status = failureStatus(`safety-net poll: ${shortErrorText(err)}`);
      this.node.status(status);
      reportBackgroundFailure(this.node, err, this.failureContext(), status);
      return;
    }
    if (sent > 0) {
      this.node.log(`the safety-net poll sent ${sent} change(s) that no delivery brought`);
    }
    if (this.registration && this.registration.inactiveFlag !== true) {
      this.node.status(this.registeredStatus());
    }
  }

  /** Stops serving; deletes the registration when the node was removed. */
  async close(removed: boolean): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.cancelReport();
    this.unfollow();
    this.stopEndpoint();
    await this.registering;
    await this.changes?.close();
    const { registration, client } = this;
    if (removed && registration && client) {
      // The connection may be closing in the same deploy: use a client of our own.
      const { CwClient } = await import('../../core/client');
      const ownClient = new CwClient(client.settings);
      try {
        await removeCallbackRegistration(ownClient, registration.id);
        this.node.log(`callback #${registration.id} deleted`);
      } catch (err) {
        this.node.warn(
          `could not delete callback #${registration.id} (${shortErrorText(err)}): delete it ` +
            'in ConnectWise, or a node with the same URL will reuse it',
        );
      } finally {
        ownClient.close();
      }
    }
    this.node.status({});
  }

  /** The route on httpNode, and the tap that keeps the exact bytes of its deliveries. */
  private serveEndpoint(RED: NodeAPI): () => void {
    const app = RED.httpNode as unknown as HttpNodeApp | undefined;
    if (!app || typeof app.post !== 'function') {
      throw new CwError('CONFIG', 'Node-RED serves no HTTP endpoints here (httpNodeRoot is off)');
    }
    const removeRoute = addDeliveryRoute(app, this.settings.routePath, this.node.id, (req, res) => {
      void this.handleDelivery(req, res);
    });
    // The signature covers the exact bytes, which body parsers in front of httpNode (the
    // editor's, when both roots are `/`) would otherwise take away.
    const server = (RED as unknown as { server?: HttpServer }).server;
    if (server && typeof server.prependListener === 'function') {
      const stopTap = tapRawBodies(server, this.settings.serverPath);
      return () => {
        removeRoute();
        stopTap();
      };
    }
    this.node.warn(
      'Node-RED gave this node no HTTP server (RED.server): deliveries can be verified only ' +
        'if no middleware reads their body before this node',
    );
    return removeRoute;
  }

  private registeredStatus(): NodeStatus {
    const last = this.lastDelivery ? ` · last ${clockTime(this.lastDelivery)}` : '';
    const again = this.reactivated ? ' (re-activated)' : '';
    return this.registration
      ? { fill: 'green', shape: 'dot', text: `registered #${this.registration.id}${again}${last}` }
      : { fill: 'blue', shape: 'ring', text: `registering${last}` };
  }

  private schedule(ms: number, run: () => void): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, ms);
  }

  private registerNow(): void {
    const { node, settings } = this;
    this.registering = (async () => {
      node.status({ fill: 'blue', shape: 'ring', text: 'registering' });
      try {
        this.client = await this.connection.getClient();
        const result = await ensureCallbackRegistration(this.client, settings.spec);
        this.registration = result.record;
        this.inactiveNoticed = false;
        node.log(
          `callback #${result.record.id} ${result.outcome} for ${settings.spec.type} ` +
            `${settings.spec.level} at ${settings.spec.url}`,
        );
        if (!this.closed) node.status(this.registeredStatus());
        this.schedule(REGISTRATION_CHECK_MS, () => this.checkRegistration());
      } catch (err) {
        if (this.closed) return;
        const failed = new CwError(
          isCwError(err) ? err.code : 'NETWORK',
          `callback registration failed: ${asError(err).message}`,
          isCwError(err) ? { statusCode: err.statusCode, field: err.field } : {},
        );
        const status = failureStatus(`failed: ${shortErrorText(err)}`);
        node.status(status);
        // At deploy the flow's Catch nodes are not there yet: report once they are.
        this.cancelReport = whenFlowsStarted(this.options.RED, () =>
          reportBackgroundFailure(node, failed, this.failureContext(), status),
        );
        if (isTransient(err)) this.schedule(RETRY_REGISTRATION_MS, () => this.registerNow());
      }
    })();
  }

  /**
   * ConnectWise disables a callback (`inactiveFlag`) after days of failed deliveries, and a user
   * may delete it: either way it is registered again, and the status and log say so.
   */
  private checkRegistration(): void {
    void (async () => {
      await this.checkRegistrationOnce();
      this.schedule(REGISTRATION_CHECK_MS, () => this.checkRegistration());
    })();
  }

  /** Answers true when it started a new registration. */
  private async checkRegistrationOnce(): Promise<boolean> {
    const { client, registration, node, settings } = this;
    if (this.closed || !client || !registration) return false;
    try {
      const current = await readCallbackRegistration(client, registration.id);
      if (this.closed) return false;
      if (!current) {
        this.registration = undefined;
        node.warn(`callback #${registration.id} was deleted in ConnectWise: registering it again`);
        this.registerNow();
        await this.registering;
        return true;
      }
      this.registration = current;
      if (current.inactiveFlag === true) {
        node.status({
          fill: 'yellow',
          shape: 'ring',
          text: `re-activating #${current.id}: ConnectWise disabled it`,
        });
        node.warn(
          `ConnectWise marked callback #${current.id} inactive (deliveries to ${settings.spec.url} ` +
            'failed): activating it again' +
            (this.changes?.hasSafetyNet ? '; the safety-net poll sends what was missed' : ''),
        );
        this.reactivated = true;
        this.registerNow();
        await this.registering;
        return true;
      }
      node.status(this.registeredStatus());
    } catch (err) {
      node.debug(`reading the callback registration failed: ${asError(err).message}`);
    }
    return false;
  }

  private failureContext(): Record<string, unknown> {
    const { spec } = this.settings;
    return { type: spec.type, level: spec.level, url: spec.url, callbackId: this.registration?.id };
  }

  private messageFor(delivery: CallbackDelivery, body: Buffer): NodeMessage {
    const { typeInfo } = this.settings;
    return {
      payload: delivery.entity,
      topic: typeInfo.type,
      event: delivery.event,
      cw: {
        id: delivery.id,
        action: delivery.action,
        type: delivery.type || typeInfo.type.toLowerCase(),
        companyId: delivery.companyId,
        memberId: delivery.memberId,
        fromUrl: delivery.fromUrl,
        deliveryId: bodyDigest(body),
        callbackId: this.registration?.id,
      },
    } as NodeMessage;
  }

  /**
   * With watched fields or a safety net, a delivery is sent only if its version of the record was
   * not sent before (by a delivery or the poll), with `msg.changes` and the poll's event names.
   */
  private async emitTracked(
    changes: CallbackChanges,
    msg: NodeMessage,
    delivery: CallbackDelivery,
  ) {
    let tracked: Awaited<ReturnType<CallbackChanges['delivery']>>;
    try {
      tracked = await changes.delivery(delivery.event, delivery.id, msg.payload);
    } catch (err) {
      if (!this.closed) reportFailure(this.node, err, (error) => this.node.error(error, msg));
      return;
    }
    if (tracked === undefined || this.closed) return;
    if (tracked !== 'untracked') {
      const out = msg as NodeMessage & {
        event?: string;
        changes?: unknown;
        cw: Record<string, unknown>;
      };
      out.event = tracked.fields.event;
      if (tracked.fields.changes !== undefined) out.changes = tracked.fields.changes;
      out.cw.lastUpdated = tracked.fields.lastUpdated;
      out.cw.source = 'callback';
    }
    this.node.send(msg);
    if (tracked === 'untracked') return;
    await afterDelivery();
    if (!this.closed) await tracked.persist();
  }

  /** `msg.customFields` ({caption: value}) of the record, when the node is set to add it. */
  private addCustomFieldValues(msg: NodeMessage): NodeMessage {
    if (this.settings.customFieldValues) {
      const values = customFieldMap(msg.payload);
      if (values !== undefined)
        (msg as NodeMessage & { customFields?: unknown }).customFields = values;
    }
    return msg;
  }

  private async emit(delivery: CallbackDelivery, body: Buffer): Promise<void> {
    const msg = this.messageFor(delivery, body);
    const refetch =
      this.settings.output === 'refetch' &&
      delivery.event !== 'deleted' &&
      delivery.id !== undefined;
    if (refetch) {
      try {
        const active = await this.connection.getClient();
        const response = await active.request({
          method: 'get',
          path: `${this.settings.typeInfo.collection}/${encodeURIComponent(String(delivery.id))}`,
        });
        msg.payload = response.data;
      } catch (err) {
        if (this.closed) return;
        // The delivery's own message goes to Catch nodes, with the entity it carried.
        reportFailure(this.node, err, (error) => this.node.error(error, msg));
        return;
      }
    }
    this.addCustomFieldValues(msg);
    if (this.closed) return;
    if (this.changes) await this.emitTracked(this.changes, msg, delivery);
    else this.node.send(msg);
  }

  private async handleDelivery(req: Request, res: Response): Promise<void> {
    const { node, refusals } = this;
    let body: Buffer | undefined;
    try {
      body = await readRawBody(req);
    } catch (err) {
      const tooLarge = err instanceof BodyTooLargeError;
      res.status(tooLarge ? 413 : 400).end();
      refusals.notice(
        tooLarge ? 'too-large' : 'unreadable',
        `refused a callback delivery: ${asError(err).message}`,
      );
      return;
    }
    if (!body) {
      // Not the sender's fault: this Node-RED's HTTP set-up hid the bytes. ConnectWise retries.
      res.status(500).end();
      const text =
        'cannot verify callback deliveries: middleware read the body before this node, on an ' +
        'HTTP server that is not the one Node-RED gave to nodes (RED.server), and the signature ' +
        'needs the exact bytes. Serve RED.httpNode from the server passed to RED.init';
      node.status(failureStatus('cannot verify deliveries: see the log'));
      refusals.notice('body-consumed', text);
      return;
    }
    const signature = req.get(SIGNATURE_HEADER);
    let outcome;
    try {
      outcome = await this.receiver.receive(body, signature);
    } catch (err) {
      // The connection cannot be used right now: ConnectWise retries the delivery.
      res.status(503).end();
      refusals.notice('unchecked', `could not check a callback delivery: ${shortErrorText(err)}`);
      return;
    }
    if (!outcome.accepted) {
      if (outcome.status === 503) res.set('Retry-After', '60');
      res.status(outcome.status).json({ error: REFUSAL_ANSWERS[outcome.status] });
      refusals.notice(outcome.kind, `refused a callback delivery: ${outcome.reason}`);
      return;
    }
    // Answer first: ConnectWise gives up after 5 seconds and sends the delivery again.
    res.status(200).end();
    if (this.closed) return;
    this.lastDelivery = new Date();
    if (this.registration && !this.inactiveNoticed) node.status(this.registeredStatus());
    if (outcome.duplicate) {
      node.debug(`dropped a repeated delivery of ${outcome.delivery.type} ${outcome.delivery.id}`);
      return;
    }
    const { delivery } = outcome;
    const accepted = body;
    this.sending = this.sending.then(() => this.emit(delivery, accepted)).catch(() => undefined);
  }
}
