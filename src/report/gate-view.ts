/**
 * A gate's verdict as reports show it (the report of a `run --repeat --gate` folder): a headline that says which
 * part failed (a metric regressed against the baseline, or the candidate's own SLO), and one row per check, with
 * error rates in percent. Read from the gate report (gate.json), never recomputed.
 */
import type { GateCheck, GateReport } from '../compare/gate.js';
import { gateExitCode, gateHeadline as compareHeadline } from '../compare/gate-headline.js';
import { msValue, pct, plural, rps } from './format.js';

/** GateHeadline is the gate's verdict in a few words, and the exit code it gave. */
export interface GateHeadline {
  status: 'passed' | 'failed' | 'cannot-judge';
  /** 'gate PASSED', 'gate FAILED: 2 metrics REGRESSED; the candidate's own SLO failed (1 check)', … */
  text: string;
  exitCode: number;
}

/**
 * gateHeadline says whether the gate passed and, when it failed, which of its parts failed: the gate's own
 * headline (src/compare/gate-headline.ts), so a report never words a verdict differently from the gate that gave
 * it. The exit code is the one gate.json states, when it states one.
 */
export function gateHeadline(g: GateReport): GateHeadline {
  // A gate.json written before `undecided` existed has none.
  const report: GateReport = { ...g, undecided: Array.isArray(g.undecided) ? g.undecided : [] };
  const h = compareHeadline(report);
  const stated = (g as { exitCode?: unknown }).exitCode;
  const status = h.status === 'PASSED' ? 'passed' : h.status === 'FAILED' ? 'failed' : 'cannot-judge';
  return { status, text: `gate ${h.status}: ${h.summary}`, exitCode: typeof stated === 'number' ? stated : gateExitCode(report) };
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
  if (metric === 'error_rate' || metric === 'goodput' || unit === 'ratio') return pct(v);
  if (metric === 'throughput' || unit === 'rps') return `${rps(v)}/s`;
  if (metric === 'output_tokens_per_s' || unit === 'tokens/s') return `${rps(v)} tokens/s`;
  return `${msValue(v)} ms`;
}

function changeText(c: Extract<GateCheck, { kind: 'verdict' }>): string {
  if (!Number.isFinite(c.change)) return '-';
  // Error rates change in percentage points (an absolute rule); the others relative to the baseline.
  if (c.metric === 'error_rate' || c.metric === 'goodput') return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(2)} pp`;
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
