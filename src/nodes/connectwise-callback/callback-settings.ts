/**
 * The connectwise-callback node's saved configuration and the settings resolved from it, checked
 * at deploy so a setting that cannot work is named before anything is registered.
 */
import type { CallbackSpec } from '../../core/callback-registration';
import {
  CALLBACK_TYPES,
  OWNER_OBJECT_ID,
  callbackTypeInfo,
  isOwnerLevel,
  type CallbackTypeInfo,
} from '../../core/callback-types';
import { inputError } from '../../core/errors';
import {
  CALLBACK_DESCRIPTION_MAX_LENGTH,
  DEDUPE_WINDOW_RANGE,
  rangeProblem,
  SAFETY_NET_MINUTES_RANGE,
} from '../../shared/limits';
import { CALLBACK_DEFAULTS, type CallbackConfig } from '../../shared/node-configs';
import { resolveTracking, type TrackingSettings } from '../connectwise-poll/poll-settings';

export type CallbackOutput = NonNullable<CallbackConfig['output']>;
export type { CallbackConfig };

export interface CallbackSettings {
  spec: CallbackSpec;
  typeInfo: CallbackTypeInfo;
  /** The route on RED.httpNode (`/connectwise/callback/abc`). */
  routePath: string;
  /** The same route as the HTTP server sees it, httpNodeRoot included (`/api/connectwise/...`). */
  serverPath: string;
  output: CallbackOutput;
  dedupeWindowMs: number;
  /** Messages carry `msg.customFields` ({caption: value}) of the record. */
  customFieldValues: boolean;
  /** Watched fields and filters; undefined when the node watches no field. */
  tracking: TrackingSettings | undefined;
  /** Milliseconds between safety-net polls; 0: off. */
  safetyNetMs: number;
  /** The conditions that read the records the callback reports (its level), for the safety net. */
  levelConditions: string;
}

export function defaultCallbackPath(nodeId: string): string {
  return `/connectwise/callback/${nodeId.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

function routePathOf(path: string | undefined, nodeId: string): string {
  const given = (path ?? '').trim();
  if (given === '') return defaultCallbackPath(nodeId);
  const withSlash = given.startsWith('/') ? given : `/${given}`;
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(withSlash) || /[:*?()]/.test(withSlash)) {
    throw inputError(
      'path',
      `${JSON.stringify(given)} is not a plain URL path (no : * ? or spaces)`,
    );
  }
  return withSlash.replace(/\/+$/, '') || defaultCallbackPath(nodeId);
}

function publicBaseOf(publicUrl: string | undefined): URL {
  const given = (publicUrl ?? '').trim();
  if (given === '') {
    throw inputError('publicUrl', 'is required: the address where ConnectWise reaches Node-RED');
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw inputError('publicUrl', `${JSON.stringify(given)} is not a URL (https://host[:port])`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw inputError('publicUrl', 'must start with https:// (or http://)');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw inputError('publicUrl', 'must not carry user, password, query or fragment');
  }
  return url;
}

/** The route's path on the HTTP server: httpNodeRoot + route path. */
export function serverPathOf(httpNodeRoot: string | undefined, routePath: string): string {
  const root = (httpNodeRoot ?? '/').replace(/^\/*/, '/').replace(/\/+$/, '');
  return `${root}${routePath}`;
}

/** The callback URL registered in ConnectWise: public base + httpNodeRoot + route path. */
export function callbackUrl(
  publicUrl: string,
  httpNodeRoot: string | undefined,
  routePath: string,
): string {
  const base = publicBaseOf(publicUrl).toString().replace(/\/+$/, '');
  return `${base}${serverPathOf(httpNodeRoot, routePath)}`;
}

function objectIdOf(level: string, value: number | string | undefined): number {
  if (isOwnerLevel(level)) return OWNER_OBJECT_ID;
  const text = String(value ?? '').trim();
  const id = Number(text);
  if (text === '' || !Number.isInteger(id) || id < 1) {
    throw inputError(
      'objectId',
      `the ${level} level needs the id of a ${level.toLowerCase()} (a whole number from 1)`,
    );
  }
  return id;
}

export function resolveCallbackSettings(
  config: CallbackConfig,
  nodeId: string,
  httpNodeRoot?: string,
): CallbackSettings {
  const typeInfo = callbackTypeInfo(config.callbackType ?? '');
  if (!typeInfo) {
    throw inputError(
      'callbackType',
      `${JSON.stringify(config.callbackType ?? '')} is not a callback type (${CALLBACK_TYPES.map((t) => t.type).join(', ')})`,
    );
  }
  const level = (config.level ?? '').trim() || CALLBACK_DEFAULTS.level;
  if (!/^[A-Za-z]+$/.test(level))
    throw inputError('level', `${JSON.stringify(level)} is not a level name`);
  const description = (config.description ?? '').trim() || `Node-RED ${typeInfo.type} callback`;
  if (description.length > CALLBACK_DESCRIPTION_MAX_LENGTH) {
    throw inputError(
      'description',
      `is ${description.length} characters, ConnectWise takes at most ${CALLBACK_DESCRIPTION_MAX_LENGTH}`,
    );
  }
  const routePath = routePathOf(config.path, nodeId);
  const url = callbackUrl(config.publicUrl, httpNodeRoot, routePath);
  if (url.includes('"')) throw inputError('publicUrl', 'must not contain double quotes');
  const windowText = String(config.dedupeWindow ?? '').trim();
  const windowS = windowText === '' ? CALLBACK_DEFAULTS.dedupeWindow : Number(windowText);
  if (rangeProblem(DEDUPE_WINDOW_RANGE, windowS)) {
    throw inputError(
      'dedupeWindow',
      `${JSON.stringify(windowText)} is not a number of seconds from ${DEDUPE_WINDOW_RANGE.min} to ${DEDUPE_WINDOW_RANGE.max}`,
    );
  }
  const output = config.output || CALLBACK_DEFAULTS.output;
  if (output !== 'entity' && output !== 'refetch') {
    throw inputError('output', `${JSON.stringify(output)} is not entity or refetch`);
  }
  const canonicalLevel =
    typeInfo.levels.find((known) => known.toLowerCase() === level.toLowerCase()) ?? level;
  return {
    spec: {
      url,
      type: typeInfo.type,
      level: canonicalLevel,
      objectId: objectIdOf(canonicalLevel, config.objectId),
      description,
    },
    typeInfo,
    routePath,
    serverPath: serverPathOf(httpNodeRoot, routePath),
    output,
    dedupeWindowMs: windowS * 1000,
    customFieldValues: config.customFieldValues === true,
    tracking: resolveTracking(config.watchedFields, config.changeFilters),
    safetyNetMs: safetyNetMsOf(config.safetyNet),
    levelConditions: levelConditionsOf(typeInfo.type, canonicalLevel, config.objectId),
  };
}

/** Minutes between safety-net polls, as milliseconds; empty and 0 turn it off. */
export function safetyNetMsOf(value: number | string | undefined): number {
  const text = String(value ?? '').trim();
  if (text === '') return 0;
  const minutes = Number(text);
  const problem = rangeProblem(SAFETY_NET_MINUTES_RANGE, minutes);
  if (problem) throw inputError('safetyNet', `${JSON.stringify(text)}: ${problem}`);
  return Math.round(minutes * 60_000);
}

/**
 * The records a callback of this level reports, as list conditions: all of them for `Owner`,
 * the record itself for its own type's level (`Ticket`), else those of the board, status,
 * company ... named by `objectId` (`board/id = 3`).
 */
export function levelConditionsOf(
  type: string,
  level: string,
  objectId: number | string | undefined,
): string {
  if (isOwnerLevel(level)) return '';
  const id = Number(objectId);
  if (level.toLowerCase() === type.toLowerCase()) return `id = ${id}`;
  return `${level.charAt(0).toLowerCase()}${level.slice(1)}/id = ${id}`;
}
