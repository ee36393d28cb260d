/**
 * RetryBudget bounds retries so they cannot amplify an overload: over a sliding window (10 s), retries may add
 * at most `ratio` (20 %) of the requests received, plus `minPerSecond` (3) per second of window, as in
 * Linkerd's and Envoy's retry budgets.
 */

/** RetryBudgetOptions sizes the budget. */
export interface RetryBudgetOptions {
  ratio?: number;
  minPerSecond?: number;
  windowSeconds?: number;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
}

/** RetryBudget counts requests and retries in one-second buckets over the window. */
export class RetryBudget {
  private readonly ratio: number;
  private readonly minPerSecond: number;
  private readonly window: number;
  private readonly now: () => number;
  private readonly requests: number[];
  private readonly retries: number[];
  private second: number;

  constructor(opts: RetryBudgetOptions = {}) {
    this.ratio = opts.ratio ?? 0.2;
    this.minPerSecond = opts.minPerSecond ?? 3;
    this.window = opts.windowSeconds ?? 10;
    this.now = opts.now ?? Date.now;
    this.requests = new Array<number>(this.window).fill(0);
    this.retries = new Array<number>(this.window).fill(0);
    this.second = Math.floor(this.now() / 1000);
  }

  /** recordRequest counts one request received (not a retry). */
  recordRequest(): void {
    this.requests[this.slot()]!++;
  }

  /** tryRetry spends one retry if the budget allows it, and tells whether it did. */
  tryRetry(): boolean {
    const slot = this.slot();
    const requests = sum(this.requests);
    const retries = sum(this.retries);
    if (retries + 1 > this.ratio * requests + this.minPerSecond * this.window) return false;
    this.retries[slot]!++;
    return true;
  }

  /** slot advances the window to the current second (clearing the seconds that passed) and returns its bucket. */
  private slot(): number {
    const s = Math.floor(this.now() / 1000);
    for (let t = this.second + 1; t <= s && t <= this.second + this.window; t++) {
      const i = t % this.window;
      this.requests[i] = 0;
      this.retries[i] = 0;
    }
    this.second = Math.max(this.second, s);
    return this.second % this.window;
  }
}

function sum(xs: number[]): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}
