/**
 * Resident memory as the kernel counts it (/proc/<pid>/status), and a peak that cannot miss a
 * spike between samples: VmHWM, reset before each measured run through /proc/self/clear_refs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MB = 1024;

function statusField(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kb / MB;
}

/** Resident set size in MB. */
export function rssMb(pid: number | 'self' = 'self'): number {
  return statusField(pid, 'VmRSS');
}

/** Highest RSS since start or since the last resetPeakRss(), in MB. */
export function peakRssMb(): number {
  return statusField('self', 'VmHWM');
}

/** Restarts the peak from the current RSS; false where the kernel does not allow it. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

let collector: (() => void) | undefined;

/** A full garbage collection, so a run starts from the memory that is really held. */
export function collectGarbage(): void {
  if (!collector) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
  collector();
}

export interface RssTrace {
  startMb: number;
  /** Highest sample, or VmHWM when it could be reset (whichever is higher). */
  peakMb: number;
  endMb: number;
  samples: number;
  stop(): RssTrace;
}

/**
 * Samples this process's RSS every `everyMs` until stopped. The peak also reads VmHWM, so a spike
 * between two samples still counts when the kernel let the peak be reset at the start.
 */
export function traceRss(everyMs = 50): RssTrace {
  const exactPeak = resetPeakRss();
  const startMb = rssMb();
  let peak = startMb;
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb());
    samples += 1;
  }, everyMs);
  const trace: RssTrace = {
    startMb,
    peakMb: startMb,
    endMb: startMb,
    samples,
    stop() {
      clearInterval(timer);
      trace.endMb = rssMb();
      trace.peakMb = Math.max(peak, trace.endMb, exactPeak ? peakRssMb() : 0);
      trace.samples = samples + 1;
      return trace;
    },
  };
  return trace;
}
