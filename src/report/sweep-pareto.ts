/**
 * The Pareto chart of a sweep: throughput at the SLO (up) against p99 (right), one numbered point per combination
 * that has both. Combinations without a place on that scale (failed, met the SLO at no rate, no p99) are listed
 * beside the chart instead of being drawn at 0 or at a p99 that would squash every other point into a corner.
 */
import type { ComboRecord } from '../sweep/sweep-record.js';
import type { ChartSpec, PointLabel, SeriesSpec } from './chart-spec.js';
import type { SweepInput } from './load-inputs.js';
import { recommendationView } from './sweep-view.js';

/** Unplotted is a combination left off the Pareto chart, and why. */
export interface Unplotted {
  index: number;
  id: string;
  why: string;
}

/** unplottedReason says why a combination has no point on the Pareto chart (undefined: it has one). */
export function unplottedReason(c: ComboRecord): string | undefined {
  const f = c.figures;
  if (c.status === 'failed') return 'failed';
  if (!f) return c.status === 'done' ? 'no figures' : c.status;
  if (!(f.throughputAtSloRps > 0)) return 'met the SLO at no rate (0 rps)';
  if (f.p99Ms === null || !Number.isFinite(f.p99Ms)) return 'no p99';
  return undefined;
}

/** unplotted lists the combinations the Pareto chart leaves out, in table order. */
export function unplotted(s: SweepInput): Unplotted[] {
  return s.record.combinations.flatMap((c) => {
    const why = unplottedReason(c);
    return why === undefined ? [] : [{ index: c.index, id: c.id, why }];
  });
}

/**
 * paretoChart: throughput at the SLO (up) against p99 (right) for every combination with a place on that scale.
 * Frontier points are joined; the recommended one (or every tied one) is ringed. Points are numbered as in the
 * table; the client places the numbers so that they overlap neither each other nor the bound's text.
 */
export function paretoChart(id: string, s: SweepInput): ChartSpec | undefined {
  const r = s.record;
  const view = recommendationView(r);
  const pts = r.combinations.filter((c) => unplottedReason(c) === undefined).map((c) => ({ c, x: c.figures!.p99Ms!, y: c.figures!.throughputAtSloRps }));
  if (pts.length === 0) return undefined;
  // uPlot aligns series on one x axis: equal p99s are moved apart by a hair so each point keeps its own x.
  pts.sort((a, b) => a.x - b.x || a.c.index - b.c.index);
  for (let i = 1; i < pts.length; i++) if (pts[i]!.x <= pts[i - 1]!.x) pts[i]!.x = pts[i - 1]!.x * 1.0001 + 1e-6;
  const limit = r.sweep.search?.p99Ms ?? r.sweep.constraints.maxP99Ms;
  // The p99 bound gets an x of its own (no point there), so the axis reaches it and its line shows.
  const withBound = limit !== undefined && limit > pts[pts.length - 1]!.x;
  const xs = [...pts.map((p) => p.x), ...(withBound ? [limit] : [])];
  const col = (pick: (c: ComboRecord) => boolean): (number | null)[] => [...pts.map((p) => (pick(p.c) ? p.y : null)), ...(withBound ? [null] : [])];
  const trusted = (c: ComboRecord): boolean => !!c.figures?.valid && !c.search?.inconclusive;
  const series: SeriesSpec[] = [
    { label: 'valid measurement', values: col(trusted), color: '#0072B2', style: 'points' },
    { label: 'invalid / inconclusive', values: col((c) => !trusted(c)), color: '#7F7F7F', style: 'points' },
    { label: 'Pareto frontier', values: col((c) => !!c.verdict?.pareto), color: '#009E73', width: 2, spanGaps: true },
  ];
  if (view.outcome === 'tie') series.push({ label: 'tied', values: col((c) => view.tied.includes(c.id)), color: '#CC79A7', style: 'points', width: 4 });
  else series.push({ label: 'recommended', values: col((c) => c.id === view.winner), color: '#D55E00', style: 'points', width: 4 });
  // A combination that passed the search's top step has more capacity than its point shows: its label says so.
  // A ringed point (recommended or tied) is drawn 14 px across, plus its stroke.
  const ringed = (c: ComboRecord): boolean => c.id === view.winner || view.tied.includes(c.id);
  const labels: PointLabel[] = pts.map((p) => ({ x: p.x, y: p.y, text: p.c.figures?.ceilingTooLow ? `${p.c.index} ceiling too low` : String(p.c.index), radius: ringed(p.c) ? 9 : 5 }));
  return {
    id,
    x: { kind: 'linear', label: 'p99 at the throughput at the SLO (ms)', values: xs },
    y: { label: 'rps at the SLO', fromZero: true },
    series,
    pointLabels: labels,
    markers: limit !== undefined ? [{ x: limit, label: `p99 bound ${limit} ms`, color: '#B00020' }] : [],
  };
}
