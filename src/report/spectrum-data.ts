/**
 * The percentile spectrum, drawn the way HdrHistogram plots it: latency (log) against the percentile on an axis
 * of 1/(1-p), so 90 %, 99 %, 99.9 % and 99.99 % are equally far apart and the tail is as visible as the median.
 * Every series is read from a compressed HDR histogram (a phase's, a baseline's) at one shared grid of
 * percentiles, so several runs overlay point for point. A series stops where its histogram runs out of samples
 * (1/(1-p) above its count), with its maximum as the last point.
 */
import { decodeHistogram } from '../metrics/hdr.js';
import type { ChartSpec } from './chart-spec.js';
import { colorAt } from './chart-spec.js';

/** STEPS_PER_DECADE is how many grid points each factor of ten of 1/(1-p) gets. */
export const STEPS_PER_DECADE = 8;
/** MAX_X is the grid's end: 1/(1-p) = 10^6, p = 99.9999 %. */
export const MAX_X = 1e6;

/** spectrumGrid is the shared x grid: 1 (p = 0) to MAX_X in even log steps, with 2 (p50) and 4 (p75) added. */
export function spectrumGrid(): number[] {
  const xs = new Set<number>([2, 4]);
  const decades = Math.log10(MAX_X);
  for (let k = 0; k <= decades * STEPS_PER_DECADE; k++) xs.add(+(10 ** (k / STEPS_PER_DECADE)).toPrecision(6));
  return [...xs].sort((a, b) => a - b);
}

/** percentileOfX converts a grid position 1/(1-p) to the percentile p (0..100). */
export function percentileOfX(x: number): number {
  return 100 * (1 - 1 / x);
}

/** SpectrumEntry is one series to draw: a name and a compressed histogram. */
export interface SpectrumEntry {
  label: string;
  histogram: string;
  /** Fixed colour (otherwise by position). */
  color?: string;
}

/**
 * spectrumValues reads a histogram at each grid point (ms): the value at that percentile while the histogram has
 * samples enough to tell (1/(1-p) <= count), then its maximum once, then nothing.
 */
export function spectrumValues(encoded: string, grid: number[]): (number | null)[] {
  const h = decodeHistogram(encoded);
  const n = h.totalCount;
  const out: (number | null)[] = [];
  let ended = n === 0;
  for (const x of grid) {
    if (ended) out.push(null);
    else if (x <= n) out.push(h.getValueAtPercentile(percentileOfX(x)) / 1000);
    else {
      out.push(h.maxValue / 1000);
      ended = true;
    }
  }
  return out;
}

/** spectrumChart overlays the entries' spectra; undefined when none has samples. */
export function spectrumChart(id: string, entries: SpectrumEntry[], threshold?: { y: number; label: string }): ChartSpec | undefined {
  const grid = spectrumGrid();
  const series = entries
    .map((e, i) => ({ label: e.label, values: e.histogram ? spectrumValues(e.histogram, grid) : [], color: e.color ?? colorAt(i), unit: 'ms' }))
    .filter((s) => s.values.some((v) => v !== null));
  if (series.length === 0) return undefined;
  // Trim the grid after the last point any series has.
  const last = series.reduce((m, s) => Math.max(m, s.values.findLastIndex((v) => v !== null)), -Infinity);
  return {
    id,
    x: { kind: 'percentile', label: 'percentile', values: grid.slice(0, last + 1), log: true },
    y: { label: 'latency (ms)', log: true },
    series: series.map((s) => ({ ...s, values: s.values.slice(0, last + 1) })),
    lines: threshold ? [{ y: threshold.y, label: threshold.label, color: '#B00020' }] : [],
  };
}
