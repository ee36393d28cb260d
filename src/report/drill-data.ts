/**
 * Failure drills in reports: one row per fault (what it did, failed and lost requests, recovery, cold start) and
 * a close-up of the seconds around it: p99 and failures per second, the fault's window shaded and the moment of
 * recovery marked. Read from faults[] and its drill measurements (docs/drills.md).
 */
import type { FaultRecord, ResultsFile } from '../results/results-schema.js';
import type { ChartSpec, MarkerSpec } from './chart-spec.js';
import { errorsText, ms, seconds as fmtSeconds } from './format.js';
import { faultLabel, type Second } from './timeline-data.js';

/** FaultRow is one fault, ready to print. */
export interface FaultRow {
  index: number;
  label: string;
  at: string;
  outcome: string;
  ok: boolean;
  failed: string;
  lost: string;
  worstP99: string;
  recovery: string;
  /** Why recovery was not seen, or how it was judged ('' when there is nothing to add). */
  recoveryNote: string;
  coldStart: string;
  throughput: string;
  detail: string;
}

/** faultRows describes every fault of a run. */
export function faultRows(r: ResultsFile): FaultRow[] {
  return r.faults.map((f) => {
    const d = f.drill;
    const tp = d?.throughputRps;
    return {
      index: f.index + 1,
      label: faultLabel(f).replace(/^#\d+ /, ''),
      at: f.startedAtS === null ? `due ${fmtSeconds(f.atS)}, not started` : fmtSeconds(f.startedAtS),
      outcome: f.outcome,
      ok: f.outcome === 'ok',
      failed: d ? (d.failed === 0 ? '0' : `${d.failed} (${errorsText(d.failedByCode)})`) : '-',
      lost: d ? String(d.lost) : '-',
      worstP99: d ? `${ms(d.worstP99Us)} ms` : '-',
      recovery: recoveryText(f, false),
      recoveryNote: f.drill?.recovery.note ?? '',
      coldStart: f.coldStartMs !== undefined ? fmtSeconds(f.coldStartMs / 1000) : '-',
      throughput: tp ? `${num(tp.before)} → ${num(tp.during)} → ${num(tp.after)}` : '-',
      detail: f.detail,
    };
  });
}

/** FAULT_TOKEN_HEADER heads the table of what each fault did to an LLM target's token streams. */
export const FAULT_TOKEN_HEADER = ['#', 'fault', 'streams cut', 'tokens lost', 'TTFT p99 ms before → worst → after', 'output tok/s before → during → after', 'TTFT recovery'];

/** faultTokenRows gives, for each fault with token figures (LLM targets), the cells of FAULT_TOKEN_HEADER. */
export function faultTokenRows(r: ResultsFile): string[][] {
  return r.faults.flatMap((f) => {
    const t = f.drill?.tokens;
    if (!t) return [];
    const rec = t.ttftRecovery;
    const recovery = rec.recoveryS === null ? `not seen${rec.note ? ` (${rec.note})` : ''}` : rec.recoveryS === 0 ? 'no visible effect' : fmtSeconds(rec.recoveryS);
    const p = t.ttftP99Ms;
    const o = t.outputTokensPerS;
    return [[String(f.index + 1), faultLabel(f).replace(/^#\d+ /, ''), String(t.streamsCut), t.tokensLost === null ? '-' : String(Math.max(0, Math.round(t.tokensLost))), `${num(p.before)} → ${num(p.worst)} → ${num(p.after)}`, `${num(o.before)} → ${num(o.during)} → ${num(o.after)}`, recovery]];
  });
}

function num(v: number | null): string {
  return v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** recoveryText says how long the target took to be back within its SLO after a fault (with the note why not, if asked). */
export function recoveryText(f: FaultRecord, withNote = true): string {
  const rec = f.drill?.recovery;
  if (!rec) return '-';
  if (rec.recoveryS === null) return `not seen${withNote && rec.note ? ` (${rec.note})` : ''}`;
  return rec.recoveryS === 0 ? 'no visible effect' : fmtSeconds(rec.recoveryS);
}

/** faultChart: the seconds around a fault (its window, plus the compare window either side), p99 and failures. */
export function faultChart(id: string, r: ResultsFile, f: FaultRecord, seconds: Second[]): ChartSpec | undefined {
  const d = f.drill;
  if (!d || f.startedAtS === null) return undefined;
  const pad = r.plan.drill?.compareWindowS ?? 10;
  const from = Math.floor(d.window.startS - pad);
  const to = Math.ceil(d.window.endS + pad);
  const shown = seconds.filter((s) => s.t + 1 > from && s.t < to);
  if (shown.length === 0) return undefined;
  const markers: MarkerSpec[] = [{ x: f.startedAtS, label: faultLabel(f), color: '#6A3D9A' }];
  if (d.recovery.recoveredAtS !== null && d.recovery.recoveryS !== 0) markers.push({ x: d.recovery.recoveredAtS, label: 'recovered', color: '#009E73' });
  const limit = d.recovery.p99LimitMs;
  return {
    id,
    height: 220,
    x: { kind: 'time', label: 'seconds since the start', values: shown.map((s) => s.t + 0.5) },
    y: { label: 'p99 (ms)', log: true },
    y2: { label: 'failed per second', fromZero: true },
    series: [
      { label: 'p99', values: shown.map((s) => (s.p99Us ? s.p99Us / 1000 : null)), color: '#D55E00', width: 2, unit: 'ms' },
      { label: 'failed', values: shown.map((s) => s.failed), color: '#7F7F7F', style: 'step', axis: 'right', unit: '/s' },
    ],
    bands: [{ from: d.window.startS, to: d.window.endS, label: `window (${d.window.endsAt})`, shade: 2 }],
    markers,
    lines: limit !== null ? [{ y: limit, label: `SLO p99 ${limit} ms`, color: '#B00020' }] : [],
  };
}
