/**
 * analyzeRates: the rates section from the per-second counts. Windows are aligned in epoch time (a 60 s window
 * starts on a UTC minute), so a window's `atS` may be a little before the first request.
 */
import type { Characterization, Peak } from './characterization.js';

/** MAX_SERIES_POINTS bounds the rate series drawn in the report; longer logs get coarser buckets. */
export const MAX_SERIES_POINTS = 2000;
/** SERIES_BUCKETS_S are the bucket lengths the series may use, smallest first. */
const SERIES_BUCKETS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** iso is an epoch time in µs as ISO 8601 UTC. */
export function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

/** peakOf is the busiest window of `windowS` seconds aligned in epoch time (the earliest on a tie). */
export function peakOf(counts: Uint32Array, minSec: number, firstUs: number, windowS: number): Peak {
  let best = -1;
  let bestStart = 0;
  const firstWindow = Math.floor(minSec / windowS) * windowS;
  for (let w = firstWindow; w < minSec + counts.length; w += windowS) {
    let n = 0;
    const lo = Math.max(w, minSec) - minSec;
    const hi = Math.min(w + windowS, minSec + counts.length) - minSec;
    for (let i = lo; i < hi; i++) n += counts[i]!;
    if (n > best) {
      best = n;
      bestStart = w;
    }
  }
  return { windowS, rps: round3(best / windowS), atS: round3(bestStart - firstUs / 1e6), atIso: iso(bestStart * 1e6) };
}

/** seriesOf is the rate series: one value per bucketS seconds from the first request's second (the last over the seconds it has). */
export function seriesOf(counts: Uint32Array): { bucketS: number; rps: number[] } {
  const bucketS = SERIES_BUCKETS_S.find((b) => Math.ceil(counts.length / b) <= MAX_SERIES_POINTS) ?? Math.ceil(counts.length / MAX_SERIES_POINTS);
  const rps: number[] = [];
  for (let i = 0; i < counts.length; i += bucketS) {
    let n = 0;
    const end = Math.min(i + bucketS, counts.length);
    for (let j = i; j < end; j++) n += counts[j]!;
    rps.push(round3(n / (end - i))); // the last bucket may be shorter
  }
  return { bucketS, rps };
}

/** hourOfDay is the mean rate per UTC hour of day over the seconds the log covers. */
export function hourOfDay(counts: Uint32Array, minSec: number): { hour: number; meanRps: number; requests: number }[] {
  const requests = new Array<number>(24).fill(0);
  const seconds = new Array<number>(24).fill(0);
  for (let i = 0; i < counts.length; i++) {
    const hour = Math.floor(((minSec + i) % 86_400) / 3600);
    requests[hour]! += counts[i]!;
    seconds[hour]!++;
  }
  return requests.map((n, hour) => ({ hour, meanRps: round3(seconds[hour] ? n / seconds[hour]! : 0), requests: n }));
}

/** analyzeRates fills the rates section; `peakWindowS` is --window (whole seconds). */
export function analyzeRates(counts: Uint32Array, minSec: number, firstUs: number, lastUs: number, requests: number, peakWindowS: number): Characterization['rates'] {
  const spanS = (lastUs - firstUs) / 1e6;
  // A log shorter than a second has a mean over one second, not a huge rate over a few microseconds.
  const meanRps = requests / Math.max(spanS, 1);
  const windows = [1, 10, 60];
  if (!windows.includes(peakWindowS)) windows.push(peakWindowS);
  const peaks = windows.map((w) => peakOf(counts, minSec, firstUs, w));
  const peak = peaks.find((p) => p.windowS === peakWindowS)!;
  const rates: Characterization['rates'] = {
    requests,
    spanS: round3(spanS),
    firstIso: iso(firstUs),
    lastIso: iso(lastUs),
    meanRps: round3(meanRps),
    peaks,
    peakWindowS,
    peakRps: peak.rps,
    peakToAverage: round3(peak.rps / meanRps),
    series: seriesOf(counts),
  };
  if (spanS >= 86_400) rates.hourOfDay = hourOfDay(counts, minSec);
  return rates;
}

/** round3 rounds to 3 decimals. */
export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
