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
 * over the limit. A loop saturated by many shorter turns (busy 95 % of the time in each of the last two windows
 * of 100 ms or more, and running over a quarter of the limit late) is overloaded too; a busy server loop that keeps up (short turns: a closed-loop
 * client at saturation, say) is not. For a proxy such as the router, saturation alone is overload: each request
 * crosses its loop four times (read, forward, read the answer, answer), so a saturated proxy keeps requests
 * waiting even when every turn is short, and it holds the client's connections while they wait.
 */

/** SATURATED_UTILIZATION: a loop busy this share of the last window is saturated, however short its turns. */
export const SATURATED_UTILIZATION = 0.95;
/** WINDOW_MS is the window over which the loop's utilization is measured. */
const WINDOW_MS = 100;

/** LoopDelay watches the event loop's delay against a limit in milliseconds. */
export class LoopDelay {
  private lastMs = 0;
  private elu = performance.eventLoopUtilization();
  private eluAt = 0;
  /** Consecutive windows in which the loop was busy SATURATED_UTILIZATION of the time or more. */
  private saturated = 0;
  /** Consecutive firings later than the limit. */
  private streak = 0;
  /** The last firing was late and its turn of the loop has not ended. */
  private turnLate = false;
  private dueAt = 0;
  private timer?: NodeJS.Timeout;

  /**
   * `limitMs`: the delay that counts as late. `busyLagMs`: how late a saturated loop must also run to count as
   * overloaded (default a quarter of the limit; 0 for a proxy, see the class comment).
   */
  constructor(
    private readonly limitMs: number,
    private readonly busyLagMs = limitMs / 4,
    private readonly intervalMs = 10,
  ) {}

  /** start begins measuring (idempotent); the timer does not keep the process alive. */
  start(): this {
    if (this.timer === undefined) {
      this.elu = performance.eventLoopUtilization();
      this.eluAt = performance.now();
      this.arm();
    }
    return this;
  }

  /** delayMs is how late the loop runs now: the larger of this turn's late firing and how overdue the next one is. */
  delayMs(): number {
    if (this.timer === undefined) return 0;
    return Math.max(this.turnLate ? this.lastMs : 0, performance.now() - this.dueAt);
  }

  /**
   * overloaded tells whether the loop has run later than the limit twice in a row, up to now, or was busy
   * nearly all of the last two windows and runs over `busyLagMs` late now.
   */
  overloaded(): boolean {
    if (this.timer === undefined) return false;
    if (this.saturated >= 2 && this.delayMs() > this.busyLagMs) return true;
    if (performance.now() - this.dueAt > this.limitMs) return this.streak >= 1;
    return this.turnLate && this.streak >= 2;
  }

  /** calm is true when the last firing was on time and the last window not saturated. */
  get calm(): boolean {
    return this.streak === 0 && this.saturated === 0;
  }

  /** stop ends measuring. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.streak = 0;
    this.turnLate = false;
    this.saturated = 0;
  }

  private arm(): void {
    this.dueAt = performance.now() + this.intervalMs;
    this.timer = setTimeout(this.fire, this.intervalMs);
    this.timer.unref();
  }

  private readonly fire = (): void => {
    const now = performance.now();
    if (now - this.eluAt >= WINDOW_MS) {
      const elu = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(elu, this.elu).utilization >= SATURATED_UTILIZATION;
      this.saturated = busy ? this.saturated + 1 : 0;
      this.elu = elu;
      this.eluAt = now;
    }
    this.lastMs = now - this.dueAt;
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
