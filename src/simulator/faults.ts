/**
 * Switchable faults: each answers (or breaks) the next matching requests instead of the real
 * handler, so clients can be tested against throttling, outages and broken answers.
 */

export type FaultKind =
  | '429' // throttled: Retry-After seconds
  | '500' // "A timeout has occured"
  | '502' // gateway page
  | '503' // service unavailable
  | 'slow' // the real answer, after delayMs
  | 'drop' // socket destroyed before any answer
  | 'drop-mid-body' // headers and part of the body sent, then the socket destroyed
  | 'invalid-json' // 200 with a truncated JSON body
  | 'html'; // 200 with a login web page (a wrong host)

/** How long a `slow` fault delays its answer unless the spec says. */
export const SLOW_FAULT_DELAY_MS = 2000;

export const FAULT_KINDS: readonly FaultKind[] = [
  '429',
  '500',
  '502',
  '503',
  'slow',
  'drop',
  'drop-mid-body',
  'invalid-json',
  'html',
];

export interface FaultMatch {
  method?: string;
  /** The path under the API base (`/service/tickets`), or the full request path; or a pattern. */
  path?: string | RegExp;
}

export interface FaultSpec {
  kind: FaultKind | 429 | 500 | 502 | 503;
  /** How many requests it answers; default 1; Infinity for all. */
  count?: number;
  match?: FaultMatch;
  /** Retry-After seconds for 429 (default 1) and 503 (sent only when given). */
  retryAfter?: number;
  /** Delay before answering: what `slow` is for (default SLOW_FAULT_DELAY_MS), else optional. */
  delayMs?: number;
  /** Run the real handler first (it acts: creates, updates), then fail: a server-side timeout. */
  after?: boolean;
}

export interface PendingFault {
  kind: FaultKind;
  remaining: number;
  match?: FaultMatch;
  retryAfter?: number;
  delayMs?: number;
  after: boolean;
}

export interface FaultSwitch {
  add(spec: FaultSpec): void;
  clear(): void;
  pending(): PendingFault[];
}

export interface FaultTarget {
  method: string;
  /** Path under the API base, or undefined outside it. */
  apiPath?: string;
  fullPath: string;
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '').toLowerCase();
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export function normaliseFaultSpec(spec: FaultSpec): PendingFault {
  const kind = String(spec.kind) as FaultKind;
  if (!FAULT_KINDS.includes(kind)) {
    throw new TypeError(`fault kind: "${kind}" is not one of ${FAULT_KINDS.join(', ')}`);
  }
  const count = spec.count ?? 1;
  if (!(count > 0)) throw new TypeError(`fault count: must be 1 or more, got ${count}`);
  return {
    kind,
    remaining: count,
    match: spec.match,
    retryAfter: spec.retryAfter,
    delayMs: spec.delayMs,
    after: spec.after === true,
  };
}

function matches(fault: PendingFault, target: FaultTarget): boolean {
  const match = fault.match;
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (match.path === undefined) return true;
  const candidates =
    target.apiPath === undefined ? [target.fullPath] : [target.apiPath, target.fullPath];
  if (match.path instanceof RegExp) {
    const pattern = match.path;
    return candidates.some((candidate) => {
      pattern.lastIndex = 0;
      return pattern.test(candidate);
    });
  }
  const wanted = normalisePath(match.path);
  return candidates.some((candidate) => normalisePath(candidate) === wanted);
}

export class FaultList implements FaultSwitch {
  private faults: PendingFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push(normaliseFaultSpec(spec));
  }

  clear(): void {
    this.faults = [];
  }

  pending(): PendingFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /** The first fault matching the request, used up by one. */
  take(target: FaultTarget): PendingFault | undefined {
    if (this.faults.length === 0) return undefined;
    const index = this.faults.findIndex((fault) => matches(fault, target));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }
}

/** Parses the command line's `kind:count` (`429:3`, `drop`, `slow:2`). */
export function parseFaultArgument(text: string): FaultSpec {
  const [kind, count] = text.split(':');
  const spec: FaultSpec = { kind: kind as FaultKind };
  if (count !== undefined && count !== '') {
    const parsed = count === 'inf' || count === 'all' ? Infinity : Number(count);
    if (!(parsed > 0)) throw new TypeError(`--fault ${text}: count must be a number of 1 or more`);
    spec.count = parsed;
  }
  normaliseFaultSpec(spec);
  return spec;
}
