/** Delays that stopping the simulator cancels: slow answers, callback deliveries, retries. */
export class SimTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** Resolves after `ms`, or never when the simulator stops first. */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.add(timer);
    });
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
