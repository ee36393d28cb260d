/**
 * The run's timeline, one point per second: latency percentiles, offered, sent and successful requests, and
 * failures by code, with the phases as shaded bands and the faults as markers. Built from results.intervals,
 * which has one row per second and phase: in the second where one phase hands over to the next both have a row,
 * and they are added up (latency merged exactly from the rows' histograms when the file has them, else the
 * busier row's percentiles stand for the second).
 */
import { alertMarkers } from './alert-view.js';
import { decodeHistogram, newHistogram, summarize } from '../metrics/hdr.js';
import type { IntervalResult, ResultsFile } from '../results/results-schema.js';
import { describeFault } from '../scenario/describe-plan.js';
import type { FaultPlan } from '../scenario/plan.js';
import { scaleMarkers } from './scale-data.js';
import { type BandSpec, type ChartSpec, colorAt, type MarkerSpec, PERCENTILE_COLORS } from './chart-spec.js';

/** Second is one second of the run, all phases' rows together. */
export interface Second {
  t: number;
  offered: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  failed: number;
  /** Latency of the second's successful responses (µs); null when there were none. */
  p50Us: number | null;
  p90Us: number | null;
  p99Us: number | null;
  maxUs: number | null;
}

/** secondsOf merges the interval rows into one row per second, from the first second to the last, gaps filled. */
export function secondsOf(intervals: IntervalResult[]): Second[] {
  if (intervals.length === 0) return [];
  const byT = new Map<number, IntervalResult[]>();
  let first = Infinity;
  let last = -Infinity;
  for (const row of intervals) {
    const rows = byT.get(row.t);
    if (rows) rows.push(row);
    else byT.set(row.t, [row]);
    first = Math.min(first, row.t);
    last = Math.max(last, row.t);
  }
  const out: Second[] = [];
  for (let t = first; t <= last; t++) out.push(mergeRows(t, byT.get(t) ?? []));
  return out;
}

function mergeRows(t: number, rows: IntervalResult[]): Second {
  const errors: Record<string, number> = {};
  for (const r of rows) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const withLatency = rows.filter((r) => r.latencyUs.count > 0);
  let latency = withLatency[0]?.latencyUs;
  if (withLatency.length > 1) {
    if (withLatency.every((r) => r.histogram)) {
      const h = newHistogram();
      for (const r of withLatency) h.add(decodeHistogram(r.histogram));
      latency = summarize(h);
    } else latency = withLatency.reduce((a, b) => (b.latencyUs.count > a.latencyUs.count ? b : a)).latencyUs;
  }
  return {
    t,
    offered: rows.reduce((n, r) => n + r.offeredRps, 0),
    sent: rows.reduce((n, r) => n + r.sentRps, 0),
    ok: rows.reduce((n, r) => n + r.okRps, 0),
    errors,
    failed: Object.values(errors).reduce((a, b) => a + b, 0),
    p50Us: latency ? latency.p50 : null,
    p90Us: latency ? latency.p90 : null,
    p99Us: latency ? latency.p99 : null,
    maxUs: latency ? latency.max : null,
  };
}

/** phaseBands are the phases as shaded spans of the time axis, as far as they ran (none for a phase that did not run). */
export function phaseBands(r: ResultsFile): BandSpec[] {
  return r.phases.flatMap((p, i) => (p.state === 'not-run' ? [] : [{ from: p.startS, to: p.startS + (p.elapsedS ?? p.durationS), label: p.name, shade: (i % 2) as 0 | 1 }]));
}

/** faultLabel names a fault for people: its number and what it does. */
export function faultLabel(f: ResultsFile['faults'][number]): string {
  return `#${f.index + 1} ${describeFault({ action: f.action, params: f.params } as FaultPlan)}`;
}

/** runMarkers are the timeline's vertical lines: the faults and the autoscaler's decisions (faultMarkers), and where alerts of an alerting drill fired and resolved. */
export function runMarkers(r: ResultsFile): MarkerSpec[] {
  return [...faultMarkers(r), ...alertMarkers(r)];
}

/** faultMarkers are vertical lines where faults began (and where timed faults ended), and the autoscaler's (scale-data.ts). */
export function faultMarkers(r: ResultsFile): MarkerSpec[] {
  const out: MarkerSpec[] = [];
  for (const f of r.faults) {
    if (f.startedAtS === null) continue;
    out.push({ x: f.startedAtS, label: faultLabel(f), color: '#6A3D9A' });
    if (f.durationS !== undefined && f.endedAtS !== null) out.push({ x: f.endedAtS, label: `#${f.index + 1} ends`, color: '#6A3D9A' });
  }
  return [...out, ...scaleMarkers(r)];
}

const mid = (s: Second): number => s.t + 0.5;

/**
 * runTimeAxis is the x axis every time chart of a run shares: whole seconds from the first second anything was
 * measured (by the client or in the server's metrics) to the end of the last, so the charts stacked on the page
 * line up second for second.
 */
export function runTimeAxis(r: ResultsFile, seconds: Second[]): { kind: 'time'; label: string; min?: number; max?: number } {
  const ts = [...seconds.map((s) => s.t), ...(r.server?.intervals ?? []).map((s) => s.second)];
  const axis = { kind: 'time' as const, label: 'seconds since the start' };
  if (ts.length === 0) return axis;
  return { ...axis, min: ts.reduce((a, b) => Math.min(a, b)), max: ts.reduce((a, b) => Math.max(a, b)) + 1 };
}
const msOrNull = (us: number | null): number | null => (us === null || us <= 0 ? null : us / 1000);

/** p99Limit is the p99 threshold to draw: the scenario's, else the one every checked phase shares. */
export function p99Limit(r: ResultsFile): number | undefined {
  if (r.plan.slo.p99Ms !== undefined) return r.plan.slo.p99Ms;
  const limits = new Set(r.plan.phases.flatMap((p) => (p.slo?.p99Ms !== undefined ? [p.slo.p99Ms] : [])));
  return limits.size === 1 ? [...limits][0] : undefined;
}

/** latencyChart: p50, p90 and p99 of each second, on a log axis, with phases, faults and the p99 threshold. */
export function latencyChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec {
  const limit = p99Limit(r);
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: seconds.map(mid) },
    y: { label: 'latency (ms)', log: true },
    series: [
      { label: 'p50', values: seconds.map((s) => msOrNull(s.p50Us)), color: PERCENTILE_COLORS.p50, unit: 'ms' },
      { label: 'p90', values: seconds.map((s) => msOrNull(s.p90Us)), color: PERCENTILE_COLORS.p90, unit: 'ms' },
      { label: 'p99', values: seconds.map((s) => msOrNull(s.p99Us)), color: PERCENTILE_COLORS.p99, unit: 'ms', width: 2 },
    ],
    bands: phaseBands(r),
    markers: runMarkers(r),
    lines: limit !== undefined ? [{ y: limit, label: `SLO p99 ${limit} ms`, color: '#B00020' }] : [],
  };
}

/** rateChart: requests offered (due by the plan), sent, and answered successfully, per second. */
export function rateChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec {
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: seconds.map(mid) },
    y: { label: 'requests per second', fromZero: true },
    series: [
      { label: 'offered', values: seconds.map((s) => s.offered), color: '#7F7F7F', dash: [6, 4], width: 2, unit: '/s' },
      { label: 'sent', values: seconds.map((s) => s.sent), color: '#0072B2', unit: '/s' },
      { label: 'succeeded', values: seconds.map((s) => s.ok), color: '#009E73', unit: '/s' },
    ],
    bands: phaseBands(r),
    markers: runMarkers(r),
  };
}

/** errorCodes lists the failure codes of a run, most frequent first. */
export function errorCodes(seconds: Second[]): string[] {
  const totals: Record<string, number> = {};
  for (const s of seconds) for (const [code, n] of Object.entries(s.errors)) totals[code] = (totals[code] ?? 0) + n;
  return Object.entries(totals).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code]) => code);
}

/** errorsChart: failed requests per second by code; undefined when nothing failed. */
export function errorsChart(id: string, r: ResultsFile, seconds: Second[]): ChartSpec | undefined {
  const codes = errorCodes(seconds);
  if (codes.length === 0) return undefined;
  return {
    id,
    x: { ...runTimeAxis(r, seconds), values: seconds.map(mid) },
    y: { label: 'failed requests per second', fromZero: true },
    series: codes.map((code, i) => ({ label: code, values: seconds.map((s) => s.errors[code] ?? 0), color: colorAt(i + 1), style: 'step' as const, width: 2, unit: '/s' })),
    bands: phaseBands(r),
    markers: runMarkers(r),
  };
}
