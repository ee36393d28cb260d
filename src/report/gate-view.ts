/**
 * A gate's verdict as reports show it (the report of a `run --repeat --gate` folder): a headline that says which
 * part failed (a metric regressed against the baseline, or the candidate's own SLO), and one row per check, with
 * error rates in percent. Read from the gate report (gate.json), never recomputed.
 */
import type { GateCheck, GateReport } from '../compare/gate.js';
import { msValue, pct, plural, rps } from './format.js';

/** GateHeadline is the gate's verdict in a few words, and the exit code it gave. */
export interface GateHeadline {
  status: 'passed' | 'failed' | 'cannot-judge';
  /** 'gate PASSED', 'gate FAILED: 2 metrics REGRESSED; the candidate's own SLO failed (1 check)', … */
  text: string;
  exitCode: number;
}

/** gateHeadline says whether the gate passed and, when it failed, which of its parts failed. */
export function gateHeadline(g: GateReport): GateHeadline {
  const stated = (g as { exitCode?: unknown }).exitCode;
  if (g.invalid.length) return { status: 'cannot-judge', text: `gate CANNOT JUDGE: ${g.invalid.length === 1 ? 'the candidate' : `${g.invalid.length} problems`} (${g.invalid[0]})`, exitCode: typeof stated === 'number' ? stated : 3 };
  if (g.pass) return { status: 'passed', text: `gate PASSED: ${g.counts.regressed} regressed, ${g.counts.improved} improved, ${g.counts.same} same, ${g.counts.unknown} unknown; the candidate's own SLO met`, exitCode: typeof stated === 'number' ? stated : 0 };
  const unknownFailed = g.checks.filter((c) => c.kind === 'verdict' && c.verdict === 'UNKNOWN' && !c.pass).length;
  const parts = [
    ...(g.counts.regressed ? [`${plural(g.counts.regressed, 'metric')} REGRESSED against the baseline`] : []),
    ...(g.counts.sloFailed ? [`the candidate's own SLO failed (${plural(g.counts.sloFailed, 'check')})`] : []),
    ...(unknownFailed ? [`${unknownFailed} UNKNOWN counted as failures (--unknown fail)`] : []),
  ];
  if (!g.counts.regressed && parts.length) parts.push('no metric regressed');
  return { status: 'failed', text: `gate FAILED: ${parts.length ? parts.join('; ') : 'a check failed'}`, exitCode: typeof stated === 'number' ? stated : 1 };
}

/** GateRow is one check of a gate, ready to print. */
export interface GateRow {
  phase: string;
  /** 'p99', 'SLO error_rate'. */
  check: string;
  baseline: string;
  candidate: string;
  change: string;
  verdict: string;
  reason: string;
  pass: boolean;
}

/** valueText formats a gated figure: requests per second, milliseconds, or an error rate in percent. */
export function valueText(metric: string, v: number | null | undefined, unit?: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (metric === 'error_rate' || unit === 'ratio') return pct(v);
  if (metric === 'throughput' || unit === 'rps') return `${rps(v)}/s`;
  return `${msValue(v)} ms`;
}

function changeText(c: Extract<GateCheck, { kind: 'verdict' }>): string {
  if (!Number.isFinite(c.change)) return '-';
  // Error rates change in percentage points (an absolute rule); the others relative to the baseline.
  if (c.metric === 'error_rate') return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(2)} pp`;
  return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)} %`;
}

/** gateRows lists a gate's checks: metric verdicts first, then the candidate's SLO checks. */
export function gateRows(g: GateReport): GateRow[] {
  return g.checks.map((c): GateRow => {
    if (c.kind === 'slo') {
      return {
        phase: c.phase,
        check: `SLO ${c.metric}`,
        baseline: `limit ${valueText(c.metric, c.threshold, c.unit)}`,
        candidate: c.notRun ? 'not run' : valueText(c.metric, c.actual, c.unit),
        change: '',
        verdict: c.notRun ? 'not run' : c.pass ? 'met' : 'VIOLATED',
        reason: c.partial ? 'partial phase' : '',
        pass: c.pass,
      };
    }
    return { phase: c.phase, check: c.metric, baseline: valueText(c.metric, c.baseline), candidate: valueText(c.metric, c.candidate), change: changeText(c), verdict: c.verdict, reason: c.reason, pass: c.pass };
  });
}
