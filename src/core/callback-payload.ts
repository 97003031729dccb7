/**
 * Reading a ConnectWise callback delivery: `{Action, CompanyId, Entity (a JSON string), FromUrl,
 * ID, MemberId, Metadata: {key_url}, Type}`.
 */

export type CallbackEvent = 'added' | 'updated' | 'deleted';

export interface CallbackDelivery {
  id: number | string | undefined;
  /** `Action` as sent, lower-cased. */
  action: string;
  event: CallbackEvent | string;
  type: string;
  companyId: string | undefined;
  memberId: string | number | undefined;
  fromUrl: string | undefined;
  keyUrl: string | undefined;
  /** `Entity` parsed; the text itself when it is not JSON; undefined when absent. */
  entity: unknown;
  /** The entity's `_info.lastUpdated`, for deduplication. */
  lastUpdated: string | undefined;
}

function field(payload: Record<string, unknown>, name: string): unknown {
  if (name in payload) return payload[name];
  const lower = name.toLowerCase();
  const key = Object.keys(payload).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : payload[key];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function parseEntity(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? undefined;
  if (value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** `added`, `updated`, `deleted` from ConnectWise's `Action`; other actions as sent. */
export function eventOf(action: string): CallbackEvent | string {
  const lower = action.toLowerCase();
  if (lower === 'added' || lower === 'created' || lower === 'add') return 'added';
  if (lower === 'updated' || lower === 'update') return 'updated';
  if (lower === 'deleted' || lower === 'delete' || lower === 'removed') return 'deleted';
  return lower;
}

/** The delivery in a JSON body, or an error saying what makes it unusable. */
export function parseCallbackDelivery(body: Buffer | string): CallbackDelivery {
  let payload: unknown;
  try {
    payload = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new Error('body: not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error('body: not a JSON object');
  }
  const record = payload as Record<string, unknown>;
  const metadata = field(record, 'Metadata');
  const keyUrl =
    metadata !== null && typeof metadata === 'object'
      ? text(field(metadata as Record<string, unknown>, 'key_url'))
      : undefined;
  const entity = parseEntity(field(record, 'Entity'));
  const info =
    entity !== null && typeof entity === 'object'
      ? (entity as { _info?: { lastUpdated?: unknown } })._info
      : undefined;
  const rawId = field(record, 'ID');
  const id =
    typeof rawId === 'number'
      ? rawId
      : /^\d+$/.test(String(rawId ?? ''))
        ? Number(rawId)
        : text(rawId);
  const action = (text(field(record, 'Action')) ?? '').toLowerCase();
  const member = field(record, 'MemberId');
  return {
    id,
    action,
    event: eventOf(action),
    type: text(field(record, 'Type')) ?? '',
    companyId: text(field(record, 'CompanyId')),
    memberId: typeof member === 'number' || typeof member === 'string' ? member : undefined,
    fromUrl: text(field(record, 'FromUrl')),
    keyUrl,
    entity,
    lastUpdated: typeof info?.lastUpdated === 'string' ? info.lastUpdated : undefined,
  };
}
