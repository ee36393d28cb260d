/**
 * OwnArrivals is one load worker's share of a phase's arrivals: with n workers, worker k takes the arrivals whose
 * index (0, 1, 2, … in send-time order) is k modulo n, so the union over the workers is the planned sequence. Times
 * are microseconds on the run's clock. A skip discards arrivals in bulk and still knows exactly how many of them
 * were this worker's, because it keeps the index of every arrival, skipped or not.
 */
import type { Arrivals } from '../scenario/arrivals.js';

/** OwnArrivals yields one worker's arrivals of one phase. */
export class OwnArrivals {
  /** Index of the next arrival of the phase (all workers') that has not been drawn or skipped. */
  private index = 0;
  /** The index in the phase (all workers' arrivals) of the arrival next() last returned. */
  lastIndex = -1;

  constructor(
    private readonly arrivals: Arrivals,
    /** The phase's start on the run's clock (µs). */
    private readonly phaseStartUs: number,
    private readonly worker: number,
    private readonly workers: number,
  ) {}

  /** next returns the intended time (µs) of this worker's next arrival, or undefined once the phase has no more. */
  next(): number | undefined {
    for (;;) {
      const t = this.arrivals.next();
      if (t === undefined) return undefined;
      const i = this.index++;
      if (i % this.workers === this.worker) {
        this.lastIndex = i;
        return this.phaseStartUs + t * 1e6;
      }
    }
  }

  /** skip discards every arrival (any worker's) due before untilUs and returns how many of them were this worker's. */
  skip(untilUs: number): number {
    const n = this.arrivals.skip((untilUs - this.phaseStartUs) / 1e6);
    const own = this.ownBefore(this.index + n) - this.ownBefore(this.index);
    this.index += n;
    return own;
  }

  /** ownBefore counts this worker's arrivals among indices [0, end). */
  private ownBefore(end: number): number {
    return end > this.worker ? Math.floor((end - this.worker - 1) / this.workers) + 1 : 0;
  }
}
