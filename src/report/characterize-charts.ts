/**
 * The charts of a characterization, as ChartSpecs (drawn by the report's client script): the rate over time with
 * the bursts shaded, the inter-arrival histogram with the fitted distribution's expected counts, latency against
 * load with the knee marked, and the payload-size histograms. A chart with nothing to draw is undefined (the page
 * says why in a line instead).
 */
import type { Characterization, Histogram } from '../characterize/characterization.js';
import { type BandSpec, type ChartSpec, PERCENTILE_COLORS } from './chart-spec.js';
import { gammaCdf } from './characterize-fit.js';
import { rps } from './format.js';

/** MAX_RATE_POINTS bounds the rate chart: a longer series is drawn as the mean of consecutive buckets. */
export const MAX_RATE_POINTS = 4000;
/** MAX_BURST_BANDS bounds the bursts shaded on the rate chart (the table and the count have them all). */
export const MAX_BURST_BANDS = 60;

/** rateChart is requests per second over the log's span, each burst shaded from its start for its duration. */
export function rateChart(id: string, c: Characterization): { spec: ChartSpec; bucketS: number } | undefined {
  const s = c.rates.series;
  if (s.rps.length === 0) return undefined;
  const group = Math.ceil(s.rps.length / MAX_RATE_POINTS);
  const bucketS = s.bucketS * group;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < s.rps.length; i += group) {
    const part = s.rps.slice(i, i + group);
    xs.push(i * s.bucketS);
    ys.push(part.reduce((a, v) => a + v, 0) / part.length);
  }
  const bands: BandSpec[] = c.bursts.list.slice(0, MAX_BURST_BANDS).map((b, i) => ({ from: b.startS, to: b.startS + Math.max(b.durationS, bucketS / 2), label: `burst ${i + 1}`, shade: 2 }));
  const end = Math.max(c.rates.spanS, xs[xs.length - 1]! + bucketS);
  return {
    bucketS,
    spec: {
      id,
      x: { kind: 'time', label: 'time since the first request', values: xs, min: 0, max: end },
      y: { label: 'requests/s', fromZero: true },
      series: [{ label: `requests/s${bucketS > 1 ? ` (mean of ${bucketS} s)` : ''}`, values: ys, color: '#0072B2', style: 'step', width: 1.5, unit: '/s' }],
      bands,
      lines: [{ y: c.rates.meanRps, label: `mean ${rps(c.rates.meanRps)}/s`, color: '#7F7F7F' }],
    },
  };
}

/** centres are a histogram's bin centres: geometric on a log axis (arithmetic for a bin starting at 0). */
function centres(h: Histogram, log: boolean): number[] {
  return h.counts.map((_, i) => {
    const lo = h.edges[i]!;
    const hi = h.edges[i + 1]!;
    return log && lo > 0 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
  });
}

/** trimmed drops a histogram's empty bins at both ends (undefined when every bin is empty). */
function trimmed(h: Histogram): Histogram | undefined {
  const first = h.counts.findIndex((n) => n > 0);
  if (first < 0) return undefined;
  let last = h.counts.length - 1;
  while (h.counts[last] === 0) last--;
  return { edges: h.edges.slice(first, last + 2), counts: h.counts.slice(first, last + 1) };
}

/** logSpaced says whether a histogram reads better on a log axis: positive edges, log-spaced (bins widening) or spanning two decades. */
function logSpaced(h: Histogram): boolean {
  const e = h.edges;
  const lo = e[0]!;
  if (!(lo > 0)) return false;
  const widening = e.length > 2 && e[e.length - 1]! - e[e.length - 2]! > 1.5 * (e[1]! - e[0]!);
  return widening || e[e.length - 1]! / lo >= 100;
}

/** histogramChart draws counts per bin as bars, with extra line series over the same bins. */
function histogramChart(id: string, h: Histogram, xLabel: string, seriesLabel: string, color: string, extra: (h: Histogram) => ChartSpec['series'] = () => []): ChartSpec | undefined {
  let t = trimmed(h);
  if (!t) return undefined;
  // A first bin of zeros (gaps within one timestamp tick, empty bodies) has no place on a log axis: it is left out
  // there, and the caption says how many it held.
  if (t.edges[0] === 0 && t.counts.length > 2 && logSpaced({ edges: t.edges.slice(1), counts: t.counts.slice(1) })) t = trimmed({ edges: t.edges.slice(1), counts: t.counts.slice(1) });
  if (!t) return undefined;
  const log = logSpaced(t);
  const xs = centres(t, log);
  return {
    id,
    x: { kind: 'linear', label: xLabel, values: xs, ...(log ? { log: true, min: 10 ** Math.floor(Math.log10(t.edges[0]!)), max: 10 ** Math.ceil(Math.log10(t.edges[t.edges.length - 1]!)) } : {}) },
    y: { label: 'count', fromZero: true },
    series: [{ label: seriesLabel, values: t.counts, color, style: 'bars' }, ...extra(t)],
  };
}

/** zeroBin is how many values a histogram's first bin holds when that bin starts at 0 (left off log axes). */
export function zeroBin(h: Histogram): number {
  return h.edges[0] === 0 ? (h.counts[0] ?? 0) : 0;
}

/** interArrivalChart is the histogram of gaps between arrivals (ms), with the counts the fitted distribution expects. */
export function interArrivalChart(id: string, c: Characterization): ChartSpec | undefined {
  const a = c.arrivals;
  const fitted = (h: Histogram): ChartSpec['series'] => {
    const n = h.counts.reduce((s, v) => s + v, 0);
    const shape = a.fit.best === 'poisson' ? 1 : a.fit.gammaShape;
    if (!(a.meanGapMs > 0) || !(shape > 0)) return [];
    const scale = a.meanGapMs / shape;
    const values = h.counts.map((_, i) => n * (gammaCdf(shape, h.edges[i + 1]! / scale) - gammaCdf(shape, h.edges[i]! / scale)));
    return [{ label: a.fit.best === 'poisson' ? 'Poisson (fitted)' : `gamma, shape ${+a.fit.gammaShape.toPrecision(3)} (fitted)`, values, color: '#D55E00', width: 2, dash: [6, 4], points: true }];
  };
  return histogramChart(id, a.histogram, 'gap between arrivals (ms)', 'gaps', '#56B4E9', fitted);
}

/** latencyLoadChart is p50 and p99 per rate bucket (at the bucket's middle), the knee marked and the suggested p99 drawn. */
export function latencyLoadChart(id: string, c: Characterization): ChartSpec | undefined {
  const l = c.latency;
  const rows = (l?.byLoad ?? []).filter((b) => b.requests > 0);
  if (!l || rows.length === 0) return undefined;
  const xs = rows.map((b) => (b.fromRps + b.toRps) / 2);
  return {
    id,
    x: { kind: 'linear', label: 'requests/s in the second', values: xs },
    y: { label: 'latency (ms)', log: true },
    series: [
      { label: 'p50', values: rows.map((b) => b.p50Ms), color: PERCENTILE_COLORS.p50, width: 2, points: true, unit: 'ms' },
      { label: 'p99', values: rows.map((b) => b.p99Ms), color: PERCENTILE_COLORS.p99, width: 2, points: true, unit: 'ms' },
    ],
    markers: l.knee ? [{ x: l.knee.rps, label: `knee ${rps(l.knee.rps)}/s`, color: '#CC79A7' }] : [],
    lines: c.slo.p99Ms !== undefined ? [{ y: c.slo.p99Ms, label: `suggested p99 SLO ${+c.slo.p99Ms.toPrecision(3)} ms`, color: '#b00020' }] : [],
  };
}

/** payloadChart is the histogram of request or response sizes (bytes). */
export function payloadChart(id: string, c: Characterization, side: 'request' | 'response'): ChartSpec | undefined {
  const p = c.payloads[side];
  if (!p) return undefined;
  return histogramChart(id, p.histogram, `${side} size (bytes)`, `${side}s`, side === 'request' ? '#009E73' : '#E69F00');
}
