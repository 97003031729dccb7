/**
 * Property validators the node definitions use. Node-RED calls them with the node as `this`;
 * they answer `true` or a message naming what is wrong.
 */
import {
  INTERVAL_UNIT_SECONDS,
  POLL_INTERVAL_SECONDS,
  rangeProblem,
  type IntervalUnit,
  type NumberRange,
} from '../shared/limits';
import type { ParameterRow } from '../shared/modes';
import {
  POLL_DEFAULTS,
  type CallbackConfig,
  type PollConfig,
  type RequestConfig,
} from '../shared/node-configs';
import { cachedOperation, documentForConnection } from './catalog-client';
import { isBlank, requiredPathParams } from './parameter-rows';

type Validity = true | string;
/**
 * Node-RED reads a returned message only from validators declaring two parameters (value and
 * options); with one, any string counts as valid. Every validator here declares both.
 */
type ValidatorOptions = { label?: string } | undefined;

/**
 * Every path parameter of the chosen operation has a value. Only checked once the operation's
 * detail has been fetched in this session (the dialog fetches it); otherwise the runtime checks.
 */
export function validateParams(
  this: Partial<RequestConfig | PollConfig>,
  rows: ParameterRow[] | undefined,
  _options?: ValidatorOptions,
): Validity {
  if (!this.operationId) return true;
  const answer = cachedOperation(documentForConnection(this.connection), this.operationId);
  if (!answer) return true;
  const filled = new Set((rows ?? []).filter((row) => !isBlank(row.value)).map((row) => row.name));
  const missing = requiredPathParams(answer.operation)
    .map((spec) => spec.name)
    .filter((name) => !filled.has(name));
  return missing.length === 0 ? true : `params: ${missing.join(', ')} needs a value`;
}

/** A fixed body must be JSON. */
export function validateBody(
  this: Partial<RequestConfig>,
  body: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const source = formValue('bodySource') ?? this.bodySource;
  if (source !== 'fixed' || isBlank(body)) return true;
  try {
    JSON.parse(String(body));
    return true;
  } catch (err) {
    return `body: not valid JSON (${(err as Error).message})`;
  }
}

/**
 * Custom fields to set: empty (none), JSON of caption: value, or where to read them per message
 * (the runtime checks what it reads). Written out so an empty JSON input is not refused.
 */
export function validateCustomFields(
  this: Partial<RequestConfig>,
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const type = formValue('customFieldsType') ?? this.customFieldsType ?? 'json';
  if (isBlank(value)) return true;
  if (type !== 'json') return true;
  try {
    const parsed: unknown = JSON.parse(String(value));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return true;
    return 'customFields: must be an object of caption: value, like {"Contract level": "Gold"}';
  } catch (err) {
    return `customFields: not valid JSON (${(err as Error).message})`;
  }
}

/** The member to act as: empty (the API member), a member identifier, or where to read it. */
export function validateActAs(
  this: Partial<RequestConfig>,
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const type = formValue('actAsType') ?? this.actAsType ?? 'str';
  if (isBlank(value) || type !== 'str') return true;
  return /^[^/\\?#%\s]+$/.test(String(value).trim())
    ? true
    : 'actAs: must be a member identifier, like jsmith';
}

/** Empty, or a whole number of zero or more. */
export function validateCount(value: unknown, _options?: ValidatorOptions): Validity {
  if (isBlank(value)) return true;
  return /^\d+$/.test(String(value).trim()) ? true : 'must be a whole number, 0 or more';
}

/** Empty (the runtime's default) or a number in the range. */
export function numberInRange(
  range: NumberRange,
): (value: unknown, options?: ValidatorOptions) => Validity {
  return (value, _options) => {
    if (isBlank(value)) return true;
    const text = String(value).trim();
    return rangeProblem(range, text === '' ? NaN : Number(text)) ?? true;
  };
}

/** Empty, or an API version like 2025.1. */
export function validateApiVersion(value: unknown, _options?: ValidatorOptions): Validity {
  if (isBlank(value)) return true;
  return /^\d{4}\.\d+$/.test(String(value).trim()) ? true : 'apiVersion: expected like 2025.1';
}

/** The poll interval, in its unit, from ten seconds to a day. */
export function validateInterval(
  this: Partial<PollConfig>,
  value: unknown,
  _options?: ValidatorOptions,
): Validity {
  const unit = formValue('intervalUnit') ?? this.intervalUnit ?? POLL_DEFAULTS.intervalUnit;
  const amount = Number(String(value ?? '').trim());
  if (!Number.isFinite(amount) || String(value ?? '').trim() === '') {
    return 'interval: must be a number';
  }
  const seconds = amount * (INTERVAL_UNIT_SECONDS[unit as IntervalUnit] ?? 1);
  if (seconds < POLL_INTERVAL_SECONDS.min) {
    return `interval: must be at least ${POLL_INTERVAL_SECONDS.min} seconds`;
  }
  return seconds > POLL_INTERVAL_SECONDS.max ? 'interval: must be at most a day' : true;
}

/** `since` needs a date when the poll starts from one. */
export function validateSince(
  this: Partial<PollConfig>,
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const start = formValue('start') ?? this.start;
  if (start !== 'since') return true;
  if (isBlank(value)) {
    // While the dialog is open the date lives in its own input.
    const typed = $('#node-input-cw-since');
    if (typed.length && !isBlank(typed.val())) return true;
    return 'since: a start date is needed';
  }
  return Number.isNaN(new Date(String(value)).getTime()) ? 'since: not a date' : true;
}

/** A custom site needs its host. */
export function validateHost(
  this: { site?: string },
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const site = formValue('site', 'node-config-input-') ?? this.site;
  return site !== 'custom' || !isBlank(value) ? true : 'host: needed for a custom site';
}

/** Every site but the Sandbox (which has its own) needs the company id. */
export function validateCompanyId(
  this: { site?: string },
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const site = formValue('site', 'node-config-input-') ?? this.site;
  return site === 'sandbox' || !isBlank(value) ? true : 'companyId: is required';
}

/** A file document needs its path. */
export function validateOpenapiPath(
  this: { openapiSource?: string },
  value: string | undefined,
  _options?: ValidatorOptions,
): Validity {
  const source = formValue('openapiSource', 'node-config-input-') ?? this.openapiSource;
  return source !== 'file' || !isBlank(value) ? true : 'openapiPath: needed for a file document';
}

/** Empty (the default variable) or an environment variable name such as CW_REDIS_URL. */
export function validateRedisEnv(value: unknown, _options?: ValidatorOptions): Validity {
  if (isBlank(value)) return true;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(value).trim())
    ? true
    : 'redisEnv: not an environment variable name';
}

/** While a dialog is open, a sibling field's value comes from its input, not the saved node. */
/** A board, status or company id, needed by every level except Owner. */
export function validateObjectId(
  this: Partial<CallbackConfig>,
  value: unknown,
  _options?: ValidatorOptions,
): Validity {
  const level = formValue('level') ?? this.level ?? 'Owner';
  if (String(level).toLowerCase() === 'owner') return true;
  return /^[1-9]\d*$/.test(String(value ?? '').trim())
    ? true
    : `objectId: the ${level} id is required for the ${level} level`;
}

/** Where ConnectWise reaches Node-RED: http(s)://host[:port][/path], nothing else. */
export function validatePublicUrl(value: unknown, _options?: ValidatorOptions): Validity {
  const text = String(value ?? '').trim();
  if (!text) return 'publicUrl: is required (the address where ConnectWise reaches Node-RED)';
  return /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/.test(text)
    ? true
    : 'publicUrl: must be like https://nodered.example.com (no query, fragment or user)';
}

/** Empty (the node's own path) or a plain URL path. */
export function validateCallbackPath(value: unknown, _options?: ValidatorOptions): Validity {
  if (isBlank(value)) return true;
  return /^\/?[A-Za-z0-9._~!$&'+,;=@/-]*$/.test(String(value).trim())
    ? true
    : 'path: must be a plain URL path (no : * ? or spaces)';
}

function formValue(name: string, prefix = 'node-input-'): string | undefined {
  const input = $(`#${prefix}${name}`);
  if (input.length === 0) return undefined;
  const value = input.val();
  return typeof value === 'string' ? value : undefined;
}
