/**
 * Latency against load, and within the busiest 10 s window, from the final seconds as the reorder buffer hands
 * them on (in time order), without keeping a histogram per second or per window:
 * - each final second's latencies go into the histogram of that second's request count: one bin per count below
 *   256 and 2 %-wide bins above, made when first used; at the end the bins are merged into at most 12 buckets
 *   of equal width between the lightest and the busiest second;
 * - the aligned 10 s window being filled keeps its own histogram; when it closes it is kept if it had more
 *   requests than the best so far (the earliest wins a tie), else emptied and reused.
 */
import type { Histogram as HdrHistogram } from '../metrics/hdr.js';
import type { LoadBucket } from './characterization.js';
import { iso, round3 } from './analyze-rates.js';
import { newCompactHistogram, ValueDist } from './stats-dist.js';

/** MAX_LOAD_BUCKETS bounds the latency-against-load buckets. */
export const MAX_LOAD_BUCKETS = 12;
/** MIN_BUCKET_REQUESTS: a load bucket with fewer requests is shown but not used for the knee or the classification. */
export const MIN_BUCKET_REQUESTS = 100;
/** MIN_BUCKET_SECONDS: a load bucket with fewer seconds is shown but not used for the knee or the classification. */
export const MIN_BUCKET_SECONDS = 3;
/** KNEE_RISE is how much the p99 must rise over the lightest bucket's for a knee (or a throughput-constrained verdict). */
export const KNEE_RISE = 1.5;

const EXACT_BINS = 256;
const BIN_RATIO = Math.log(1.02);

/** fineBin is the bin of a second's request count. */
function fineBin(count: number): number {
  return count < EXACT_BINS ? count : EXACT_BINS + Math.floor(Math.log(count / EXACT_BINS) / BIN_RATIO);
}

/** fineLow is the lowest count in a bin. */
function fineLow(bin: number): number {
  return bin < EXACT_BINS ? bin : Math.ceil(EXACT_BINS * Math.exp((bin - EXACT_BINS) * BIN_RATIO) - 1e-9);
}

interface LoadBin {
  seconds: number;
  requests: number;
  hist: HdrHistogram;
}

/** LatencyByLoad keeps latencies per request-count bin. */
export class LatencyByLoad {
  private readonly bins = new Map<number, LoadBin>();
  private minCount = Infinity;
  private maxCount = 0;

  /** bin returns the bin for a final second with `count` requests, counting the second. */
  second(count: number): HdrHistogram {
    const b = fineBin(count);
    let bin = this.bins.get(b);
    if (!bin) this.bins.set(b, (bin = { seconds: 0, requests: 0, hist: newCompactHistogram() }));
    bin.seconds++;
    bin.requests += count;
    if (count < this.minCount) this.minCount = count;
    if (count > this.maxCount) this.maxCount = count;
    return bin.hist;
  }

  /** buckets merges the bins into at most MAX_LOAD_BUCKETS of equal width (empty ones left out). */
  buckets(): LoadBucket[] {
    if (this.bins.size === 0) return [];
    const lo = this.minCount;
    const n = Math.min(MAX_LOAD_BUCKETS, this.maxCount - lo + 1);
    const width = (this.maxCount - lo + 1) / n;
    const merged: (LoadBin | undefined)[] = new Array(n).fill(undefined);
    for (const [b, bin] of this.bins) {
      if (bin.hist.totalCount === 0) continue;
      const j = Math.min(n - 1, Math.floor((Math.max(fineLow(b), lo) - lo) / width));
      const m = (merged[j] ??= { seconds: 0, requests: 0, hist: newCompactHistogram() });
      m.seconds += bin.seconds;
      m.requests += bin.requests;
      m.hist.add(bin.hist);
    }
    const out: LoadBucket[] = [];
    merged.forEach((m, j) => {
      if (!m) return;
      const ms = (v: number): number => round3(v / 1000);
      out.push({ fromRps: round3(lo + j * width), toRps: round3(lo + (j + 1) * width), seconds: m.seconds, requests: m.requests, p50Ms: ms(Math.min(m.hist.maxValue, m.hist.getValueAtPercentile(50))), p99Ms: ms(Math.min(m.hist.maxValue, m.hist.getValueAtPercentile(99))) });
    });
    return out;
  }
}

/** qualifying are the load buckets with enough requests and seconds to judge a p99 by. */
export function qualifying(buckets: LoadBucket[]): LoadBucket[] {
  return buckets.filter((b) => b.requests >= MIN_BUCKET_REQUESTS && b.seconds >= MIN_BUCKET_SECONDS);
}

/** KNEE_RULE states the knee rule. */
export const KNEE_RULE = `the lightest load bucket (of those with ≥ ${MIN_BUCKET_REQUESTS} requests over ≥ ${MIN_BUCKET_SECONDS} s; at least 3 needed) whose p99 is ≥ ${KNEE_RISE}× the lightest such bucket's p99; its lower edge is the knee's rate`;

/** findKnee applies KNEE_RULE. */
export function findKnee(buckets: LoadBucket[]): { rps: number; p99Ms: number; rule: string } | undefined {
  const q = qualifying(buckets);
  if (q.length < 3) return undefined;
  const light = q[0]!.p99Ms;
  const knee = q.slice(1).find((b) => b.p99Ms >= KNEE_RISE * light);
  return knee && { rps: knee.fromRps, p99Ms: knee.p99Ms, rule: KNEE_RULE };
}

/** BusiestWindow finds the aligned 10 s window with the most requests and keeps its latencies. */
export class BusiestWindow {
  private window = Number.NaN;
  private count = 0;
  private current = new ValueDist();
  private best = new ValueDist();
  private bestWindow = Number.NaN;
  private bestCount = -1;

  /** second starts final second `sec` with `count` requests, and returns the histogram its latencies go in. */
  second(sec: number, count: number): ValueDist {
    const w = Math.floor(sec / 10);
    if (w !== this.window) {
      this.close();
      this.window = w;
    }
    this.count += count;
    return this.current;
  }

  /** result closes the open window and returns the busiest one's percentiles (ms). */
  result(firstUs: number) {
    this.close();
    const start = this.bestWindow * 10;
    return { ...this.best.percentiles(1000), atS: round3(start - firstUs / 1e6), atIso: iso(start * 1e6), rps: round3(Math.max(0, this.bestCount) / 10) };
  }

  private close(): void {
    if (Number.isNaN(this.window)) return;
    if (this.count > this.bestCount) {
      [this.best, this.current] = [this.current, this.best];
      this.bestCount = this.count;
      this.bestWindow = this.window;
    }
    this.current.reset();
    this.count = 0;
    this.window = Number.NaN;
  }
}
