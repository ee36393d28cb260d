/**
 * Validity as the gate and the baseline read it from results files: per figure (the effect rule, the default) or
 * for the whole run (the strict rule, `--strict-validity`). Files written before per-figure verdicts were stored
 * are judged from their phases' figures and intervals, so every file is read by the same rule.
 */
import { addByKey } from '../util/add-counts.js';
import { LATE_FRACTION_LIMIT } from '../run/evaluate.js';
import { measurementReasons, type ValidityRule } from '../run/judge-validity.js';
import { judgePhase, msText, type MetricValidity, type PhaseRow, type PhaseValidity, pctText, rowCounts, type ValidityMetric } from '../run/metric-validity.js';
import type { PhaseResult, ResultsFile } from '../results/results-schema.js';
import { tokenValidity } from './token-validity.js';

export type { ValidityRule } from '../run/judge-validity.js';

/** phaseRows are a phase's per-second rows as the validity rule reads them, from the file's intervals. */
function phaseRows(r: ResultsFile, phase: string): PhaseRow[] {
  return r.intervals.filter((i) => i.phase === phase).map((i) => ({ second: i.t, sent: i.sentRps, dropped: i.errors['DROPPED'] ?? 0 }));
}

/** phaseValidity is a phase's per-figure validity as stored, or worked out from its figures for older files. */
export function phaseValidity(r: ResultsFile, p: PhaseResult): PhaseValidity {
  if (p.validity) return p.validity;
  return judgePhase({ ...p, ...rowCounts(p, phaseRows(r, p.name)), attempted: p.sent + p.dropped });
}

/**
 * metricValidity is one figure's validity in one phase of a run (undefined: no such figure, e.g. no success, or a
 * figure that is not judged). The token metrics are judged here, from the file (token-validity.ts).
 */
export function metricValidity(r: ResultsFile, phase: string, metric: ValidityMetric | string): MetricValidity | undefined {
  const p = r.phases.find((x) => x.name === phase);
  if (!p) return undefined;
  const base = phaseValidity(r, p) as Partial<Record<string, MetricValidity>>;
  return TOKEN_METRICS.has(metric) ? (tokenValidity(r, p, base) as Partial<Record<string, MetricValidity>>)[metric] : base[metric];
}

const TOKEN_METRICS = new Set<string>(['ttft_p99', 'itl_p99', 'output_tokens_per_s', 'goodput']);

/** wholeReasons says why a run's measurement as a whole cannot be trusted (plan not sent, target unreachable, lost requests). */
export function wholeReasons(r: ResultsFile): string[] {
  const facts = r.phases.map((p) => {
    const rows = phaseRows(r, p.name);
    return { name: p.name, kind: p.kind, startS: p.startS, durationS: p.durationS, scheduled: p.scheduled, ...(rows.length > 0 && { rows }) };
  });
  const errors: Record<string, number> = {};
  for (const p of r.phases) addByKey(errors, p.errors);
  return measurementReasons(facts, errors, r.totals.ok, r.totals.lost);
}

/** checkedLate is the share of sends over 1 ms late after the first second (older files: of all sends). */
export function checkedLate(r: ResultsFile): number {
  return r.generator.checkedLateFraction ?? r.generator.lateFraction;
}

/** lateByStrictRule says whether the strict rule (over 1 % of sends more than 1 ms late) calls the run invalid. */
export function lateByStrictRule(r: ResultsFile): boolean {
  return checkedLate(r) > LATE_FRACTION_LIMIT;
}

/** invalidReasonsBy says why a run is invalid as a whole by a rule: the effect rule leaves lag to each figure. */
export function invalidReasonsBy(r: ResultsFile, rule: ValidityRule): string[] {
  const whole = wholeReasons(r);
  if (rule === 'effect' || !lateByStrictRule(r)) return whole;
  return [`the load generator could not keep up: ${pctText(checkedLate(r))} of requests went out more than 1 ms late (p99 send lag ${msText(r.generator.sendLagUs.p99)}; strict limit ${pctText(LATE_FRACTION_LIMIT)})`, ...whole];
}

/** lateText sums a run's punctuality up: "1.11 % of sends over 1 ms late, p99 send lag 2.10 ms". */
export function lateText(r: ResultsFile): string {
  return `${pctText(checkedLate(r))} of sends over 1 ms late, p99 send lag ${msText(r.generator.sendLagUs.p99)}`;
}

/** runLabel names a repetition for notes: "rep-3" from …/rep-3/results.json, else "run 3". */
export function runLabel(name: string | undefined, i: number): string {
  const m = name ? /(?:^|[\\/])(rep-\d+)(?:[\\/]|$)/.exec(name) : null;
  return m ? m[1]! : `run ${i + 1}`;
}
