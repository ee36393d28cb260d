/**
 * Distributions of values that characterize keeps in memory flat in the number of records: an HDR histogram
 * (src/metrics/hdr.ts) for percentiles, plus a count of zeros (nginx logs `$request_time 0.000` and
 * `$body_bytes_sent 0`, which HDR's lowest value of 1 would otherwise turn into 1), the sum, the maximum and
 * counts on 1-2-5 log-spaced edges for the report's histograms.
 */
import * as hdr from 'hdr-histogram-js';
import { HDR_BOUNDS, newHistogram, type Histogram as HdrHistogram } from '../metrics/hdr.js';
import type { Histogram, Percentiles } from './characterization.js';

/** DECADES is how many powers of ten the 1-2-5 edges cover, from 1 (a µs or a byte) to 1e12. */
const DECADES = 12;
/** LOG_BINS is the number of 1-2-5 bins: [0, 1), then [1, 2), [2, 5), [5, 10), [10, 20), ... */
export const LOG_BINS = 1 + 3 * DECADES;

/** logBin is the 1-2-5 bin of a value ≥ 0 (0 for values below 1, the last bin for values past 1e12). */
export function logBin(v: number): number {
  if (!(v >= 1)) return 0;
  // Binary search of the lower edges (called several times per record: Math.log10 costs more).
  let lo = 1;
  let hi = LOG_BINS - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (EDGES[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** logEdge is the lower edge of 1-2-5 bin i (0 for bin 0). */
export function logEdge(i: number): number {
  if (i <= 0) return 0;
  const d = Math.floor((i - 1) / 3);
  return [1, 2, 5][(i - 1) % 3]! * 10 ** d;
}

/** EDGES are the lower edges of the 1-2-5 bins. */
const EDGES: readonly number[] = Array.from({ length: LOG_BINS }, (_, i) => logEdge(i));

/** trimmedHistogram turns 1-2-5 bin counts into a Histogram without its empty leading and trailing bins, edges divided by `unit`. */
export function trimmedHistogram(bins: ArrayLike<number>, unit = 1): Histogram {
  let lo = 0;
  let hi = bins.length - 1;
  while (lo < hi && bins[lo] === 0) lo++;
  while (hi > lo && bins[hi] === 0) hi--;
  const edges: number[] = [];
  const counts: number[] = [];
  for (let i = lo; i <= hi; i++) {
    edges.push(logEdge(i) / unit);
    counts.push(bins[i]!);
  }
  edges.push(logEdge(hi + 1) / unit);
  return { edges, counts };
}

/**
 * newCompactHistogram makes an HDR histogram with the shared bounds but 2 significant digits (1 % relative
 * error, ~13 KB instead of ~94 KB): for the per-load-bucket and per-route latencies, which may number in the
 * hundreds and are read only as a chart and a table.
 */
export function newCompactHistogram(): HdrHistogram {
  return hdr.build({ lowestDiscernibleValue: HDR_BOUNDS.lowestUs, highestTrackableValue: HDR_BOUNDS.highestUs, numberOfSignificantValueDigits: 2, bitBucketSize: 32, useWebAssembly: false });
}

/** clampHdr rounds and clamps a value ≥ 1 into the shared HDR range. */
function clampHdr(v: number): number {
  const r = Math.round(v);
  return r < 1 ? 1 : r > HDR_BOUNDS.highestUs ? HDR_BOUNDS.highestUs : r;
}

/** ValueDist is the distribution of one non-negative quantity (µs or bytes). */
export class ValueDist {
  readonly hist: HdrHistogram;
  readonly bins: Float64Array | undefined;
  zeros = 0;
  count = 0;
  sum = 0;
  max = 0;

  constructor(opts: { compact?: boolean; logBins?: boolean } = {}) {
    this.hist = opts.compact ? newCompactHistogram() : newHistogram();
    this.bins = opts.logBins ? new Float64Array(LOG_BINS) : undefined;
  }

  /** add records one value; negative or non-finite values are ignored (the reader never gives them). */
  add(v: number): void {
    if (!(v >= 0) || v === Infinity) return;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (this.bins) this.bins[logBin(v)]!++;
    if (v < 0.5) this.zeros++;
    else this.hist.recordValue(clampHdr(v));
  }

  /** reset empties the distribution, keeping its memory. */
  reset(): void {
    this.hist.reset();
    this.bins?.fill(0);
    this.zeros = this.count = this.sum = this.max = 0;
  }

  /** quantile is the value at percentile p (0–100), nearest rank, zeros counted. */
  quantile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count - 1e-9));
    if (rank <= this.zeros) return 0;
    const nonZero = this.count - this.zeros;
    // HDR answers a bucket's highest value, which may pass the exact maximum kept here.
    return Math.min(this.max, this.hist.getValueAtPercentile(((rank - this.zeros) / nonZero) * 100));
  }

  /** percentiles summarizes the distribution, every value divided by `unit` (1000 turns µs into ms) and rounded to 3 decimals. */
  percentiles(unit = 1): Percentiles {
    const r = (v: number): number => Math.round((v / unit) * 1000) / 1000;
    return {
      count: this.count,
      p50: r(this.quantile(50)),
      p95: r(this.quantile(95)),
      p99: r(this.quantile(99)),
      p999: r(this.quantile(99.9)),
      max: r(this.max),
      mean: r(this.count ? this.sum / this.count : 0),
    };
  }
}

/** roundUp2 rounds a positive number up to 2 significant figures (123 → 130, 0.0123 → 0.013). */
export function roundUp2(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 0;
  const scale = 10 ** (Math.floor(Math.log10(v)) - 1);
  const up = Math.ceil(v / scale - 1e-9) * scale;
  return Number(up.toPrecision(2));
}

/** median of a numeric array (sorted copy; 0 when empty). */
export function median(values: readonly number[]): number {
  return quantileOf(values, 50);
}

/** quantileOf is the nearest-rank percentile p of an array (sorted copy; 0 when empty). */
export function quantileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
