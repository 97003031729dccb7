/**
 * The request rate a shared limit let through, from the times requests arrived. The limit hands
 * out each second's share at the start of the second, so arrivals come in bursts with quiet gaps
 * between them; the rate is measured from the start of one burst to the start of a later one
 * (whole seconds of the limit), which a burst spread out by a busy machine does not change.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

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

/**
 * The longest pause of this process's event loop that counts as the machine stopping it: a
 * limiter waiting for its next window sleeps, it never holds the loop this long.
 */
const STALL_MS = 500;

export interface RateCheck {
  rate: MeasuredRate;
  /** The longest event-loop pause of each measurement, in ms. */
  stalls: number[];
}

/**
 * Measures a rate that should be `expected` a minute (± `tolerance`, a fraction), again when it
 * came out too slow while this process was stopped for over STALL_MS: a virtual machine whose
 * processes are not run for seconds lets whole windows of the limit pass unused, which is the
 * machine's doing, not the limiter's. A rate above the band is never measured again, nor one too
 * slow while everything ran. At most `attempts` measurements.
 */
export async function checkRate(
  expected: number,
  tolerance: number,
  measure: () => Promise<MeasuredRate>,
  attempts = 3,
): Promise<RateCheck> {
  const stalls: number[] = [];
  for (;;) {
    const loop = monitorEventLoopDelay({ resolution: 20 });
    loop.enable();
    const rate = await measure().finally(() => loop.disable());
    stalls.push(Math.round(loop.max / 1e6));
    const slow = rate.perMinute < expected * (1 - tolerance) || Number.isNaN(rate.perMinute);
    if (!slow || stalls[stalls.length - 1] <= STALL_MS || stalls.length >= attempts) {
      return { rate, stalls };
    }
  }
}
