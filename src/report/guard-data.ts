/**
 * Rollout guards in reports (docs/drills.md#bad-rollout): one row per guarded repository step with its verdict,
 * when the breach began and was detected, when the rollback ended, and the damage window with what it cost.
 * Read from faults[].guard only.
 */
import type { FaultRecord, GuardRecord, ResultsFile } from '../results/results-schema.js';
import { ms } from './format.js';
import { faultLabel } from './timeline-data.js';

/** GUARD_HEADER are the columns of the guards table. */
export const GUARD_HEADER = ['#', 'step', 'verdict', 'breach from', 'detected at', 'rolled back at', 'damage window', 'failed', 'over p99', 'worst p99 ms'];

/** GuardRow is one guarded step, ready to print; `pass` says whether its verdict passed. */
export interface GuardRow {
  cells: string[];
  pass: boolean;
  reason: string;
}

const s1 = (v: number): string => `${v.toFixed(1)} s`;

/** guardRows describes every guarded fault of a run (none when no fault had a guard). */
export function guardRows(r: ResultsFile): GuardRow[] {
  return r.faults.filter((f): f is FaultRecord & { guard: GuardRecord } => f.guard !== undefined).map((f) => {
    const g = f.guard;
    const b = g.breach;
    const d = g.damage;
    const rolled = g.rollback ? (g.rollback.outcome === 'ok' ? s1(g.rollback.endedAtS) : `${g.rollback.outcome} at ${s1(g.rollback.endedAtS)}`) : '-';
    const window = d ? `${d.startS}–${d.endS} s (${d.seconds} s${d.recovered ? '' : ', not back by the end'})` : '-';
    return {
      pass: g.verdict.pass,
      reason: g.verdict.reason,
      cells: [
        String(f.index + 1),
        faultLabel(f).replace(/^#\d+ /, ''),
        g.verdict.pass ? 'pass' : 'FAIL',
        b ? `${b.firstSecondS} s` : 'no breach',
        b ? `${s1(b.detectedAtS)} (+${b.detectionDelayS.toFixed(1)} s)` : '-',
        rolled,
        window,
        d ? String(d.failed) : '-',
        d ? String(d.overP99) : '-',
        d ? ms(d.worstP99Us) : '-',
      ],
    };
  });
}

/** guardVerdictText is the guards' part of a run's verdict line: '' without guards. */
export function guardVerdictText(r: ResultsFile): string {
  const rows = guardRows(r);
  if (rows.length === 0) return '';
  const failed = rows.filter((g) => !g.pass);
  return failed.length ? `rollout guard FAILED (${failed.map((g) => `#${g.cells[0]}`).join(', ')})` : 'rollout guards passed';
}
