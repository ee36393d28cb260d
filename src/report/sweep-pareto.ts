/**
 * The Pareto chart of a sweep: throughput at the SLO (up) against p99 (right), one numbered point per combination
 * that has both; for a sweep ranked on output tokens/s (an LLM), output tokens/s against TTFT p99. Combinations without a place on that scale (failed, met the SLO at no rate, no p99) are listed
 * beside the chart instead of being drawn at 0 or at a p99 that would squash every other point into a corner.
 */
import type { ComboRecord } from '../sweep/sweep-record.js';
import type { ChartSpec, PointLabel, SeriesSpec } from './chart-spec.js';
import type { SweepInput } from './load-inputs.js';
import { paretoFrontier } from '../sweep/recommend.js';
import { comboTokens, hasTokenRanking } from './sweep-tokens.js';
import { recommendationView } from './sweep-view.js';

/** Unplotted is a combination left off the Pareto chart, and why. */
export interface Unplotted {
  index: number;
  id: string;
  why: string;
}

/** ParetoPoint is a combination's place on the Pareto chart: x (p99 or TTFT p99, ms) and y (rps or tokens/s). */
interface ParetoPoint {
  x: number | null;
  y: number | null;
}

/** unplottedReason says why a combination has no point on the Pareto chart (undefined: it has one). */
export function unplottedReason(c: ComboRecord, point?: ParetoPoint): string | undefined {
  const f = c.figures;
  if (c.status === 'failed') return 'failed';
  if (!f) return c.status === 'done' ? 'no figures' : c.status;
  if (point) {
    if (point.y === null) return 'no token figures';
    if (!(point.y > 0)) return 'no output tokens/s';
    if (point.x === null || !Number.isFinite(point.x)) return 'no TTFT p99';
    return undefined;
  }
  if (!(f.throughputAtSloRps > 0)) return 'met the SLO at no rate (0 rps)';
  if (f.p99Ms === null || !Number.isFinite(f.p99Ms)) return 'no p99';
  return undefined;
}

/**
 * paretoPoints places every combination: throughput at the SLO against p99, or for a sweep ranked on tokens/s,
 * output tokens/s against TTFT p99 (null: no such figure).
 */
function paretoPoints(s: SweepInput): Map<string, ParetoPoint> | undefined {
  if (!hasTokenRanking(s)) return undefined;
  return new Map(s.record.combinations.map((c) => {
    const t = comboTokens(s, c);
    return [c.id, { x: t?.ttftP99Ms ?? null, y: t?.outputTokensPerS ?? null }];
  }));
}

/** unplotted lists the combinations the Pareto chart leaves out, in table order. */
export function unplotted(s: SweepInput): Unplotted[] {
  const points = paretoPoints(s);
  return s.record.combinations.flatMap((c) => {
    const why = unplottedReason(c, points?.get(c.id));
    return why === undefined ? [] : [{ index: c.index, id: c.id, why }];
  });
}

/**
 * tokenFrontier is the Pareto frontier of output tokens/s (higher is better) against TTFT p99 (lower is better)
 * among the combinations the rule considered (valid, or any with --allow-invalid), best first.
 */
export function tokenFrontier(s: SweepInput): string[] {
  const points = paretoPoints(s);
  if (!points) return [];
  const considered = s.record.combinations.filter((c) => c.figures && (c.figures.valid || s.record.sweep.allowInvalid));
  return paretoFrontier(considered.map((c) => ({ id: c.id, throughput: points.get(c.id)?.y ?? 0, p99: points.get(c.id)?.x ?? null })));
}

/**
 * paretoChart: throughput at the SLO (up) against p99 (right) for every combination with a place on that scale.
 * Frontier points are joined; the recommended one (or every tied one) is ringed. Points are numbered as in the
 * table; the client places the numbers so that they overlap neither each other nor the bound's text.
 */
export function paretoChart(id: string, s: SweepInput): ChartSpec | undefined {
  const r = s.record;
  const view = recommendationView(r);
  const points = paretoPoints(s);
  const at = (c: ComboRecord): { x: number; y: number } => {
    const p = points?.get(c.id);
    return p ? { x: p.x!, y: p.y! } : { x: c.figures!.p99Ms!, y: c.figures!.throughputAtSloRps };
  };
  const pts = r.combinations.filter((c) => unplottedReason(c, points?.get(c.id)) === undefined).map((c) => ({ c, ...at(c) }));
  if (pts.length === 0) return undefined;
  // uPlot aligns series on one x axis: equal p99s are moved apart by a hair so each point keeps its own x.
  pts.sort((a, b) => a.x - b.x || a.c.index - b.c.index);
  for (let i = 1; i < pts.length; i++) if (pts[i]!.x <= pts[i - 1]!.x) pts[i]!.x = pts[i - 1]!.x * 1.0001 + 1e-6;
  const limit = points ? ttftLimit(s) : (r.sweep.search?.p99Ms ?? r.sweep.constraints.maxP99Ms);
  const frontier = points ? new Set(tokenFrontier(s)) : undefined;
  const onFrontier = (c: ComboRecord): boolean => (frontier ? frontier.has(c.id) : !!c.verdict?.pareto);
  // The p99 bound gets an x of its own (no point there), so the axis reaches it and its line shows.
  const withBound = limit !== undefined && limit > pts[pts.length - 1]!.x;
  const xs = [...pts.map((p) => p.x), ...(withBound ? [limit] : [])];
  const col = (pick: (c: ComboRecord) => boolean): (number | null)[] => [...pts.map((p) => (pick(p.c) ? p.y : null)), ...(withBound ? [null] : [])];
  const trusted = (c: ComboRecord): boolean => !!c.figures?.valid && !c.search?.inconclusive;
  const series: SeriesSpec[] = [
    { label: 'valid measurement', values: col(trusted), color: '#0072B2', style: 'points' },
    { label: 'invalid / inconclusive', values: col((c) => !trusted(c)), color: '#7F7F7F', style: 'points' },
    { label: 'Pareto frontier', values: col(onFrontier), color: '#009E73', width: 2, spanGaps: true },
  ];
  if (view.outcome === 'tie') series.push({ label: 'tied', values: col((c) => view.tied.includes(c.id)), color: '#CC79A7', style: 'points', width: 4 });
  else series.push({ label: 'recommended', values: col((c) => c.id === view.winner), color: '#D55E00', style: 'points', width: 4 });
  // A combination that passed the search's top step has more capacity than its point shows: its label says so.
  // A ringed point (recommended or tied) is drawn 14 px across, plus its stroke.
  const ringed = (c: ComboRecord): boolean => c.id === view.winner || view.tied.includes(c.id);
  const labels: PointLabel[] = pts.map((p) => ({ x: p.x, y: p.y, text: p.c.figures?.ceilingTooLow ? `${p.c.index} ceiling too low` : String(p.c.index), radius: ringed(p.c) ? 9 : 5 }));
  return {
    id,
    x: { kind: 'linear', label: points ? 'TTFT p99 (ms)' : 'p99 at the throughput at the SLO (ms)', values: xs },
    y: { label: points ? 'output tokens/s' : 'rps at the SLO', fromZero: true },
    series,
    pointLabels: labels,
    markers: limit !== undefined ? [{ x: limit, label: `${points ? 'TTFT p99' : 'p99'} bound ${limit} ms`, color: '#B00020' }] : [],
  };
}

/** ttftLimit is the TTFT p99 bound of a token-ranked sweep: the SLO of the base scenario's runs, when one is set. */
function ttftLimit(s: SweepInput): number | undefined {
  for (const run of s.runs.values()) {
    const check = run.results.slo.checks.find((c) => c.metric === 'ttft_p99');
    if (check) return check.threshold;
  }
  return undefined;
}
