/**
 * The request rate a shared limit let through, from the times requests arrived. The limit hands
 * out each second's share at the start of the second, so arrivals come in bursts with quiet gaps
 * between them; the rate is measured from the start of one burst to the start of a later one
 * (whole seconds of the limit), which a burst spread out by a busy machine does not change.
 */
export interface MeasuredRate {
  /** Requests a minute. */
  perMinute: number;
  requests: number;
  ms: number;
  /** How many bursts were found. */
  bursts: number;
}

/** A gap longer than this between two arrivals starts a new burst. */
const QUIET_MS = 250;

/** Measured over `windows` bursts, skipping the first (it may have started before the load). */
export function measuredRate(arrivals: readonly number[], windows: number): MeasuredRate {
  const times = [...arrivals].sort((a, b) => a - b);
  const starts = [0];
  for (let index = 1; index < times.length; index += 1) {
    if (times[index] - times[index - 1] > QUIET_MS) starts.push(index);
  }
  if (starts.length < windows + 2) {
    return { perMinute: NaN, requests: times.length, ms: 0, bursts: starts.length };
  }
  const from = starts[1];
  const to = starts[1 + windows];
  const ms = times[to] - times[from];
  const requests = to - from;
  return { perMinute: (requests / ms) * 60_000, requests, ms, bursts: starts.length };
}
