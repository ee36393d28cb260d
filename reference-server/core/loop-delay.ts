/**
 * LoopDelay tells whether the event loop is overloaded, cheaply enough to ask for every request.
 *
 * Why this matters for shedding: when the main thread is saturated, a request waits in the kernel's socket
 * buffers before Node reads it, for about as long as one turn of the loop. No queue in the server sees that
 * wait; the loop's delay does.
 *
 * How: a timer due every `intervalMs` measures how late it fires. The I/O read in the turn of the loop in which
 * it fired (I/O runs after timers) is what waited that long, so a late firing holds until that turn ends (the
 * check phase). Between firings, the time the timer is overdue shows a long turn while it lasts. One late
 * observation can be a garbage collection, a burst of start-up work or the process being descheduled on a busy
 * machine; overload is two in a row: a late firing followed by another late firing, or by a turn that runs
 * over the limit.
 */

/** LoopDelay watches the event loop's delay against a limit in milliseconds. */
export class LoopDelay {
  private lastMs = 0;
  /** Consecutive firings later than the limit. */
  private streak = 0;
  /** The last firing was late and its turn of the loop has not ended. */
  private turnLate = false;
  private dueAt = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly limitMs: number,
    private readonly intervalMs = 10,
  ) {}

  /** start begins measuring (idempotent); the timer does not keep the process alive. */
  start(): this {
    if (this.timer === undefined) this.arm();
    return this;
  }

  /** delayMs is how late the loop runs now: the larger of this turn's late firing and how overdue the next one is. */
  delayMs(): number {
    if (this.timer === undefined) return 0;
    return Math.max(this.turnLate ? this.lastMs : 0, performance.now() - this.dueAt);
  }

  /** overloaded tells whether the loop has run later than the limit twice in a row, up to now. */
  overloaded(): boolean {
    if (this.timer === undefined) return false;
    if (performance.now() - this.dueAt > this.limitMs) return this.streak >= 1;
    return this.turnLate && this.streak >= 2;
  }

  /** lateStreak is the number of consecutive late firings, up to the last one. */
  get lateStreak(): number {
    return this.streak;
  }

  /** stop ends measuring. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.streak = 0;
    this.turnLate = false;
  }

  private arm(): void {
    this.dueAt = performance.now() + this.intervalMs;
    this.timer = setTimeout(this.fire, this.intervalMs);
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.lastMs = performance.now() - this.dueAt;
    if (this.lastMs > this.limitMs) {
      this.streak++;
      this.turnLate = true;
      setImmediate(this.endTurn);
    } else this.streak = 0;
    this.arm();
  };

  private readonly endTurn = (): void => {
    this.turnLate = false;
  };
}
