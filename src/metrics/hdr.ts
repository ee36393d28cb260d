/**
 * The one place HDR histograms are made: every latency in gauntlet is recorded in integer microseconds, from
 * 1 µs to 1 hour, with 3 significant digits (0.1 % relative error), so histograms from threads, processes and
 * runs always merge exactly with `add`. Stored compressed and base64-encoded (HdrHistogram's own format), which
 * HdrHistogram's tools read.
 */
import * as hdr from 'hdr-histogram-js';

/** HDR_BOUNDS are the bounds every histogram shares. */
export const HDR_BOUNDS = { lowestUs: 1, highestUs: 3_600_000_000, significantDigits: 3 } as const;

/** Histogram is an HDR histogram of microseconds. */
export type Histogram = hdr.Histogram;

/** newHistogram makes an empty histogram with the shared bounds. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: HDR_BOUNDS.lowestUs,
    highestTrackableValue: HDR_BOUNDS.highestUs,
    numberOfSignificantValueDigits: HDR_BOUNDS.significantDigits,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

/** recordUs records one value in microseconds, rounded and clamped into the histogram's range. */
export function recordUs(h: Histogram, us: number): void {
  const v = Math.round(us);
  h.recordValue(v < HDR_BOUNDS.lowestUs ? HDR_BOUNDS.lowestUs : v > HDR_BOUNDS.highestUs ? HDR_BOUNDS.highestUs : v);
}

/** encodeHistogram returns the compressed base64 form of a histogram. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** decodeHistogram reads a compressed base64 histogram into a new histogram with the shared bounds. */
export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  const h = newHistogram();
  h.add(decoded);
  return h;
}

/**
 * addEncoded adds a compressed base64 histogram into `into` (made by newHistogram) without the copy decodeHistogram
 * makes: merging shards decodes thousands of them, and the copy is 40 % of each one's cost.
 */
export function addEncoded(into: Histogram, encoded: string): void {
  into.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
}

/** LatencySummary is the summary every phase and interval reports, in microseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const SUMMARY_PERCENTILES = [50, 90, 95, 99, 99.9] as const;

/**
 * summarize reads the usual percentiles and the mean off a histogram (zeros when it is empty) in one pass over
 * its buckets, with HdrHistogram's own rounding: the same numbers getValueAtPercentile and mean give, for a
 * sixth of the work (summaries are taken every second during a run).
 */
export function summarize(h: Histogram): LatencySummary {
  const total = h.totalCount;
  if (total === 0) return { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const js = h as unknown as hdr.JsHistogram;
  const targets = SUMMARY_PERCENTILES.map((p) => {
    const fp = (p / 100) * total;
    return Math.max(Math.ceil(fp - fp * Number.EPSILON), 1);
  });
  const values: number[] = [];
  let cumulative = 0;
  let sum = 0;
  for (let i = 0; i < js.countsArrayLength && cumulative < total; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    cumulative += c;
    const v = js.valueFromIndex(i);
    sum += c * js.medianEquivalentValue(v);
    while (values.length < targets.length && cumulative >= targets[values.length]!) values.push(js.highestEquivalentValue(v));
  }
  const [p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0] = values;
  return { count: total, p50, p90, p95, p99, p999, max: h.maxValue, mean: Math.round(sum / total) };
}

/** countAtOrBelow counts the recorded values that are at most `us` (to the histogram's precision). */
export function countAtOrBelow(h: Histogram, us: number): number {
  // Histograms made here are JsHistograms (useWebAssembly: false), which expose their buckets.
  const js = h as unknown as hdr.JsHistogram;
  let n = 0;
  for (let v: number = HDR_BOUNDS.lowestUs; v <= us && v <= h.maxValue; v = js.nextNonEquivalentValue(v)) n += js.getCountAtIndex(js.countsArrayIndex(v));
  return n;
}

/**
 * recordCount records a count (tokens, or a rate in thousandths) rather than a time: 0 is kept as 0 (the lowest
 * bucket holds 0 and 1), larger values are rounded and clamped like recordUs. Same bounds, so it merges exactly.
 */
export function recordCount(h: Histogram, n: number, times = 1): void {
  const v = Math.round(n);
  h.recordValueWithCount(v < 0 ? 0 : v > HDR_BOUNDS.highestUs ? HDR_BOUNDS.highestUs : v, times);
}
