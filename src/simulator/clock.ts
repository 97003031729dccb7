/** The simulator's clock: follows a base clock with an offset, and can be set, moved or frozen. */
export interface SimClock {
  now(): Date;
  /** Moves the clock to `date`; a frozen clock stays frozen there. */
  set(date: Date | string): void;
  advance(seconds: number): void;
  /** Stops the clock at its current time (for same-second updates in tests). */
  freeze(): void;
  /** Lets a frozen clock run again from where it stands. */
  resume(): void;
}

export function createClock(base: () => Date = () => new Date()): SimClock {
  let offsetMs = 0;
  let frozenAt: number | undefined;
  const current = (): number => frozenAt ?? base().getTime() + offsetMs;
  const toMillis = (date: Date | string): number => {
    const millis = typeof date === 'string' ? Date.parse(date) : date.getTime();
    if (Number.isNaN(millis)) throw new TypeError(`clock.set: invalid date ${String(date)}`);
    return millis;
  };
  return {
    now: () => new Date(current()),
    set(date) {
      const target = toMillis(date);
      if (frozenAt !== undefined) frozenAt = target;
      else offsetMs = target - base().getTime();
    },
    advance(seconds) {
      if (frozenAt !== undefined) frozenAt += seconds * 1000;
      else offsetMs += seconds * 1000;
    },
    freeze() {
      frozenAt = current();
    },
    resume() {
      if (frozenAt === undefined) return;
      offsetMs = frozenAt - base().getTime();
      frozenAt = undefined;
    },
  };
}

// Most stamps in a row fall in the same second.
let lastSecond = Number.NaN;
let lastText = '';

/** Manage's timestamp format: UTC, whole seconds, no milliseconds (`2025-01-01T10:00:00Z`). */
export function manageTimestamp(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastText;
}
