/**
 * Log lines that can be triggered from outside (a refused delivery, say) are written at most once
 * per interval per kind, with the count of those held back, so a flood of forged requests cannot
 * flood the log.
 */
export class NoticeThrottle {
  private readonly kinds = new Map<string, { lastAt: number; heldBack: number }>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `text` unless a notice of the same kind was written within the interval. */
  notice(kind: string, text: string): void {
    const now = this.now();
    const state = this.kinds.get(kind);
    if (state && state.lastAt + this.intervalMs > now) {
      state.heldBack += 1;
      return;
    }
    const held = state?.heldBack ?? 0;
    this.kinds.set(kind, { lastAt: now, heldBack: 0 });
    this.write(held > 0 ? `${text} (and ${held} more like it since the last notice)` : text);
  }
}
