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

/** summarize reads the usual percentiles off a histogram (zeros when it is empty). */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    mean: Math.round(h.mean),
  };
}

/** countAtOrBelow counts the recorded values that are at most `us` (to the histogram's precision). */
export function countAtOrBelow(h: Histogram, us: number): number {
  // Histograms made here are JsHistograms (useWebAssembly: false), which expose their buckets.
  const js = h as unknown as hdr.JsHistogram;
  let n = 0;
  for (let v: number = HDR_BOUNDS.lowestUs; v <= us && v <= h.maxValue; v = js.nextNonEquivalentValue(v)) n += js.getCountAtIndex(js.countsArrayIndex(v));
  return n;
}
