/**
 * analyzeBursts: runs of seconds whose request count stands above the rolling median of the seconds before them.
 * The median is trailing (the `medianWindowS` seconds before the second, not including it), so a burst's start is
 * found the second it happens and a burst shorter than half the window cannot raise its own baseline. A second
 * is in a burst when its count is above both k × m and m + 3√m, where m is that median (at least 1): the second
 * term keeps Poisson noise at low rates (m = 1: 3 requests in a second is 3× but not a burst) from counting.
 */
import type { Burst, Characterization } from './characterization.js';
import { iso, round3 } from './analyze-rates.js';
import { logBin, quantileOf, median, trimmedHistogram, LOG_BINS } from './stats-dist.js';

/** MAX_BURSTS bounds the bursts listed in characterization.json (`count` has them all). */
export const MAX_BURSTS = 100;
/** MIN_HISTORY_S is the history a second needs before it can be judged (the first seconds of a log have no baseline). */
export const MIN_HISTORY_S = 10;

/** BurstOptions are the burst rule's parameters. */
export interface BurstOptions {
  k: number;
  medianWindowS: number;
  minDurationS: number;
}

/** RollingMedian is the median of the last `size` values pushed, kept sorted (O(size) per push, memmove-fast). */
class RollingMedian {
  private readonly sorted: Float64Array;
  private readonly order: Float64Array;
  private n = 0;
  private next = 0;

  constructor(private readonly size: number) {
    this.sorted = new Float64Array(size);
    this.order = new Float64Array(size);
  }

  get length(): number {
    return this.n;
  }

  push(v: number): void {
    if (this.n === this.size) {
      const old = this.order[this.next]!;
      const i = this.lowerBound(old);
      this.sorted.copyWithin(i, i + 1, this.n);
      this.n--;
    }
    const j = this.lowerBound(v);
    this.sorted.copyWithin(j + 1, j, this.n);
    this.sorted[j] = v;
    this.n++;
    this.order[this.next] = v;
    this.next = (this.next + 1) % this.size;
  }

  median(): number {
    if (this.n === 0) return 0;
    const h = this.n >> 1;
    return this.n % 2 ? this.sorted[h]! : (this.sorted[h - 1]! + this.sorted[h]!) / 2;
  }

  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** burstRule states the rule in words, for characterization.json. */
export function burstRule(o: BurstOptions): string {
  return `a second is in a burst when its request count is above both ${o.k} × m and m + 3√m, where m is the median count of the ${o.medianWindowS} s before it (trailing, at least 1; the first ${MIN_HISTORY_S} s of the log are not judged); runs of at least ${o.minDurationS} s are bursts`;
}

/** analyzeBursts finds the bursts in the per-second counts (index 0 is epoch second minSec). */
export function analyzeBursts(counts: Uint32Array, minSec: number, firstUs: number, o: BurstOptions): Characterization['bursts'] {
  const rolling = new RollingMedian(o.medianWindowS);
  const found: Burst[] = [];
  const durations: number[] = [];
  const starts: number[] = [];
  let count = 0;
  let run: { start: number; peak: number; baseline: number; requests: number } | undefined;
  const close = (endIndex: number): void => {
    if (!run) return;
    const durationS = endIndex - run.start;
    if (durationS >= o.minDurationS) {
      count++;
      durations.push(durationS);
      starts.push(run.start);
      if (found.length < MAX_BURSTS) {
        const sec = minSec + run.start;
        found.push({ startS: round3(sec - firstUs / 1e6), startIso: iso(sec * 1e6), durationS, peakRps: run.peak, baselineRps: run.baseline, requests: run.requests });
      }
    }
    run = undefined;
  };
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    let inBurst = false;
    let m = 0;
    if (rolling.length >= Math.min(MIN_HISTORY_S, o.medianWindowS)) {
      m = Math.max(rolling.median(), 1);
      inBurst = c > o.k * m && c > m + 3 * Math.sqrt(m);
    }
    if (inBurst) {
      if (!run) run = { start: i, peak: c, baseline: m, requests: 0 };
      run.peak = Math.max(run.peak, c);
      run.requests += c;
    } else close(i);
    rolling.push(c);
  }
  close(counts.length);
  const bursts: Characterization['bursts'] = { k: o.k, medianWindowS: o.medianWindowS, minDurationS: o.minDurationS, rule: burstRule(o), count, list: found };
  if (count > 0) {
    const bins = new Float64Array(LOG_BINS);
    for (const d of durations) bins[logBin(d)]!++;
    bursts.durationS = { p50: quantileOf(durations, 50), p90: quantileOf(durations, 90), max: durations.reduce((a, b) => Math.max(a, b), 0), mean: round3(durations.reduce((a, b) => a + b, 0) / count) };
    bursts.durationHistogram = trimmedHistogram(bins);
    if (count > 1) bursts.medianGapS = median(starts.slice(1).map((s, i) => s - starts[i]!));
  }
  return bursts;
}
