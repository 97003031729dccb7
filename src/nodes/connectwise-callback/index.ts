/**
 * connectwise-callback: registers a ConnectWise callback (webhook) for a record type and level,
 * serves its endpoint on Node-RED's httpNode, verifies every delivery's signature, drops retried
 * deliveries and emits one message per change. The `/system/callbacks` record is kept across
 * redeploys (reused by URL) and deleted when the node is removed.
 */
import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';

import { bodyDigest } from '../../core/callback-dedup';
import type { CallbackDelivery } from '../../core/callback-payload';
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
import { CwError, inputError, isCwError } from '../../core/errors';
import { NoticeThrottle } from '../../core/notice-throttle';
import { asError, failureStatus, shortErrorText } from '../node-status';
import { clockTime } from '../connectwise-poll/poll-runner';
import { addDeliveryRoute, type HttpNodeApp } from './callback-route';
import { BodyTooLargeError, readRawBody, tapRawBodies, type HttpServer } from './raw-body';
import {
  resolveCallbackSettings,
  type CallbackConfig,
  type CallbackSettings,
} from './callback-settings';

export type { CallbackConfig } from './callback-settings';

export const CALLBACK_TYPE = 'connectwise-callback';
/** How often the registration is read back, to notice ConnectWise disabling or deleting it. */
export const REGISTRATION_CHECK_MS = 15 * 60_000;
const RETRY_REGISTRATION_MS = 30_000;
/** The body of a refusal: a word, never the reason (which is for the log). */
const REFUSAL_ANSWERS = { 400: 'bad request', 403: 'forbidden', 503: 'try again later' } as const;

type CallbackNodeDef = NodeDef & CallbackConfig;

/** What the callback node uses of its connection. */
export interface CallbackConnection {
  getClient(): Promise<CwClient>;
}

function findConnection(RED: NodeAPI, id: string | undefined): CallbackConnection {
  if (!id) throw inputError('connection', 'choose a ConnectWise connection');
  const found = RED.nodes.getNode(id) as unknown as Partial<CallbackConnection> | null;
  if (!found) {
    throw new CwError('CONFIG', 'connection: the chosen connection is not deployed', {
      field: 'connection',
    });
  }
  if (typeof found.getClient !== 'function') {
    throw new CwError('CONFIG', 'connection: the node chosen is not a ConnectWise connection', {
      field: 'connection',
    });
  }
  return found as CallbackConnection;
}

/**
 * Reads `{signing_key}` from a key_url already known to be on the connection's site: through the
 * connection's client when it is under the API base URL, else by a plain GET without credentials.
 */
export function signingKeyFetcher(client: CwClient): SigningKeyFetcher {
  return async (keyUrl) => {
    const base = client.settings.baseUrl;
    const url = new URL(keyUrl);
    if (keyUrl.toLowerCase().startsWith(`${base.toLowerCase()}/`)) {
      const response = await client.request({
        method: 'get',
        path: url.pathname.slice(new URL(base).pathname.replace(/\/+$/, '').length),
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

/** One callback node's life, from deploy to close. */
function startCallbackNode(RED: NodeAPI, node: Node, config: CallbackNodeDef): void {
  let settings: CallbackSettings;
  let connection: CallbackConnection;
  let removeRoute: (() => void) | undefined;
  let stopTap: (() => void) | undefined;
  try {
    const app = RED.httpNode as unknown as HttpNodeApp | undefined;
    if (!app || typeof app.post !== 'function') {
      throw new CwError('CONFIG', 'Node-RED serves no HTTP endpoints here (httpNodeRoot is off)');
    }
    const httpNodeRoot = (RED.settings as unknown as { httpNodeRoot?: string | false })
      .httpNodeRoot;
    settings = resolveCallbackSettings(config, node.id, httpNodeRoot || '/');
    connection = findConnection(RED, config.connection);
    removeRoute = addDeliveryRoute(app, settings.routePath, node.id, (req, res) => {
      void handleDelivery(req, res);
    });
    // The signature covers the exact bytes, which body parsers in front of httpNode (the
    // editor's, when both roots are `/`) would otherwise take away.
    const server = (RED as unknown as { server?: HttpServer }).server;
    if (server && typeof server.prependListener === 'function') {
      stopTap = tapRawBodies(server, settings.serverPath);
    } else {
      node.warn(
        'Node-RED gave this node no HTTP server (RED.server): deliveries can be verified only ' +
          'if no middleware reads their body before this node',
      );
    }
  } catch (err) {
    const error = asError(err);
    node.status(failureStatus(`failed: ${shortErrorText(err)}`));
    node.error(error.message);
    node.on('close', (_removed: boolean, done: () => void) => done());
    return;
  }

  let closed = false;
  let client: CwClient | undefined;
  let registration: CallbackRecord | undefined;
  let registering: Promise<void> = Promise.resolve();
  let lastDelivery: Date | undefined;
  let inactiveNoticed = false;
  let timer: NodeJS.Timeout | undefined;
  /** Messages leave in the order deliveries arrived, re-fetches included. */
  let sending: Promise<void> = Promise.resolve();

  const receiver = new CallbackReceiver({
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
  });
  /** Refusals are triggered from outside: at most one warning a minute of each kind. */
  const refusals = new NoticeThrottle((text) => node.warn(text));

  const registeredStatus = (): NodeStatus => {
    const last = lastDelivery ? ` · last ${clockTime(lastDelivery)}` : '';
    return registration
      ? { fill: 'green', shape: 'dot', text: `registered #${registration.id}${last}` }
      : { fill: 'blue', shape: 'ring', text: `registering${last}` };
  };

  const schedule = (ms: number, run: () => void): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      run();
    }, ms);
  };

  const registerNow = (): void => {
    registering = (async () => {
      node.status({ fill: 'blue', shape: 'ring', text: 'registering' });
      try {
        client = await connection.getClient();
        const result = await ensureCallbackRegistration(client, settings.spec);
        registration = result.record;
        inactiveNoticed = false;
        node.log(
          `callback #${result.record.id} ${result.outcome} for ${settings.spec.type} ` +
            `${settings.spec.level} at ${settings.spec.url}`,
        );
        if (!closed) node.status(registeredStatus());
        schedule(REGISTRATION_CHECK_MS, checkRegistration);
      } catch (err) {
        if (closed) return;
        node.status(failureStatus(`failed: ${shortErrorText(err)}`));
        node.error(`callback registration failed: ${asError(err).message}`);
        if (isTransient(err)) schedule(RETRY_REGISTRATION_MS, registerNow);
      }
    })();
  };

  /** ConnectWise disables a callback after days of failed deliveries: show it, re-register if deleted. */
  const checkRegistration = (): void => {
    void (async () => {
      if (closed || !client || !registration) return;
      try {
        const current = await readCallbackRegistration(client, registration.id);
        if (closed) return;
        if (!current) {
          registration = undefined;
          registerNow();
          return;
        }
        registration = current;
        if (current.inactiveFlag === true) {
          node.status({
            fill: 'yellow',
            shape: 'ring',
            text: `not reachable: #${current.id} inactive`,
          });
          if (!inactiveNoticed) {
            inactiveNoticed = true;
            node.warn(
              `ConnectWise marked callback #${current.id} inactive (deliveries to ${settings.spec.url} ` +
                'failed); check that the URL is reachable, then redeploy to activate it again',
            );
          }
        } else {
          node.status(registeredStatus());
        }
      } catch (err) {
        node.debug(`reading the callback registration failed: ${asError(err).message}`);
      }
      schedule(REGISTRATION_CHECK_MS, checkRegistration);
    })();
  };

  const messageFor = (delivery: CallbackDelivery, body: Buffer, payload: unknown): NodeMessage => {
    const msg: NodeMessage & Record<string, unknown> = {
      payload,
      topic: settings.typeInfo.type,
      event: delivery.event,
      cw: {
        id: delivery.id,
        action: delivery.action,
        type: delivery.type || settings.typeInfo.type.toLowerCase(),
        companyId: delivery.companyId,
        memberId: delivery.memberId,
        fromUrl: delivery.fromUrl,
        deliveryId: bodyDigest(body),
        callbackId: registration?.id,
      },
    };
    return msg;
  };

  const emit = async (delivery: CallbackDelivery, body: Buffer): Promise<void> => {
    const msg = messageFor(delivery, body, delivery.entity);
    const refetch =
      settings.output === 'refetch' && delivery.event !== 'deleted' && delivery.id !== undefined;
    if (refetch) {
      try {
        const active = await connection.getClient();
        const response = await active.request({
          method: 'get',
          path: `${settings.typeInfo.collection}/${encodeURIComponent(String(delivery.id))}`,
        });
        msg.payload = response.data;
      } catch (err) {
        if (closed) return;
        node.error(asError(err), msg);
        return;
      }
    }
    if (!closed) node.send(msg);
  };

  async function handleDelivery(req: Request, res: Response): Promise<void> {
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
      outcome = await receiver.receive(body, signature);
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
    if (closed) return;
    lastDelivery = new Date();
    if (registration && !inactiveNoticed) node.status(registeredStatus());
    if (outcome.duplicate) {
      node.debug(`dropped a repeated delivery of ${outcome.delivery.type} ${outcome.delivery.id}`);
      return;
    }
    const { delivery } = outcome;
    const accepted = body;
    sending = sending.then(() => emit(delivery, accepted)).catch(() => undefined);
  }

  registerNow();

  node.on('close', (removed: boolean, done: () => void) => {
    closed = true;
    if (timer) clearTimeout(timer);
    removeRoute?.();
    stopTap?.();
    void (async () => {
      await registering;
      if (removed && registration && client) {
        // The connection may be closing in the same deploy: use a client of our own.
        const { CwClient } = await import('../../core/client');
        const ownClient = new CwClient(client.settings);
        try {
          await removeCallbackRegistration(ownClient, registration.id);
          node.log(`callback #${registration.id} deleted`);
        } catch (err) {
          node.warn(
            `could not delete callback #${registration.id} (${shortErrorText(err)}): delete it ` +
              'in ConnectWise, or a node with the same URL will reuse it',
          );
        } finally {
          ownClient.close();
        }
      }
      node.status({});
      done();
    })();
  });
}

export default function register(RED: NodeAPI): void {
  function ConnectwiseCallbackNode(this: Node, config: CallbackNodeDef): void {
    RED.nodes.createNode(this, config);
    startCallbackNode(RED, this, config);
  }

  RED.nodes.registerType(CALLBACK_TYPE, ConnectwiseCallbackNode);
}
