/**
 * The validity verdict's parts that read only results data, shared by the run (src/run/evaluate.ts) and by
 * readers of results files (the gate and baseline, src/compare/): what makes a measurement invalid as a whole
 * (a phase that could not send its plan, an unreachable target, lost requests), and which figures of which
 * phases the generator's lag made invalid, or could have made fail their SLO check.
 */
import type { PhaseResult, ResultsFile, SloCheck } from '../results/results-schema.js';
import { INVALID_SHARE, type MetricValidity, msText, type PhaseRow, type PhaseValidity, pctText, rowCounts, type ValidityMetric } from './metric-validity.js';

/** ValidityRule: `effect` judges each figure by what the generator's lag could do to it; `strict` is the old rule. */
export type ValidityRule = 'effect' | 'strict';

/** SHORTFALL_LIMIT: an open-loop phase that sent (or dropped) less than 95 % of its plan within its time is invalid. */
export const SHORTFALL_LIMIT = 0.05;
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND']);

/** JUDGED_METRICS are judged in every checked phase (those a gate compares); SLO metrics are added per phase. */
export const JUDGED_METRICS: readonly ValidityMetric[] = ['throughput', 'p50', 'p95', 'p99', 'error_rate'];

/** PhaseFacts is what the whole-measurement checks read of a phase. */
export interface PhaseFacts {
  name: string;
  kind: 'open' | 'closed';
  startS: number;
  durationS: number;
  scheduled: number;
  /** The phase's per-second rows (absent: not known, e.g. a file without intervals). */
  rows?: readonly PhaseRow[];
}

/**
 * measurementReasons says why a measurement as a whole cannot be trusted, whatever rule judges the generator's
 * lag: a phase that sent less than 95 % of its plan in its time, a target that refused every connection, requests
 * sent that never got an outcome.
 */
export function measurementReasons(phases: readonly PhaseFacts[], errors: Record<string, number>, ok: number, lost: number): string[] {
  const reasons: string[] = [];
  for (const p of phases) {
    if (p.kind !== 'open' || !p.rows || p.scheduled <= 0) continue;
    const { handledInTime } = rowCounts(p, p.rows);
    if (handledInTime < p.scheduled * (1 - SHORTFALL_LIMIT)) {
      reasons.push(`phase '${p.name}': the generator sent only ${pctText(handledInTime / p.scheduled)} of the planned requests within the phase (limit ${pctText(1 - SHORTFALL_LIMIT)})`);
    }
  }
  const failed = Object.values(errors).reduce((n, v) => n + v, 0);
  const unreachable = Object.entries(errors).filter(([k]) => UNREACHABLE.has(k)).reduce((n, [, v]) => n + v, 0);
  if (ok === 0 && failed > 0 && unreachable === failed) reasons.push(`the target was unreachable: every request failed to connect (${Object.keys(errors).join(', ')})`);
  if (lost > 0) reasons.push(`${lost} request(s) were sent and never got an outcome`);
  return reasons;
}

/** judgedMetrics are the figures of a checked phase a verdict rests on: the gated ones and its SLO checks' metrics. */
export function judgedMetrics(phase: string, checks: readonly SloCheck[]): ValidityMetric[] {
  const out = new Set<ValidityMetric>(JUDGED_METRICS);
  for (const c of checks) if (c.phase === phase) out.add(c.metric as ValidityMetric);
  return [...out];
}

/**
 * inDoubt gives the validity behind a failed SLO check when the generator's part of the figure could explain the
 * failure (the check would pass without it); undefined otherwise. Lag only adds latency and only takes away
 * throughput, so a passing check is never in doubt.
 */
export function inDoubt(check: SloCheck, validity: PhaseValidity | undefined): MetricValidity | undefined {
  const v = validity?.[check.metric as ValidityMetric];
  if (check.pass !== false || check.actual === null || !Number.isFinite(check.actual) || !v || v.generatorPart <= 0) return undefined;
  const without = check.metric === 'throughput' ? check.actual + v.generatorPart : check.actual - v.generatorPart;
  const passes = check.metric === 'throughput' ? without >= check.threshold : without <= check.threshold;
  return passes ? v : undefined;
}

/**
 * lagReasons lists, for each checked phase (`slo` not off, and it ran), the judged figures the generator's lag
 * made invalid, and the failed SLO checks it could explain; `validityOf` reads a phase's verdicts.
 */
export function lagReasons(phases: readonly PhaseResult[], checked: (phase: string) => boolean, checks: readonly SloCheck[], validityOf: (p: PhaseResult) => PhaseValidity | undefined): string[] {
  const out: string[] = [];
  for (const p of phases) {
    if (!checked(p.name) || p.state === 'not-run') continue;
    const validity = validityOf(p);
    for (const m of judgedMetrics(p.name, checks)) {
      const v = validity?.[m];
      if (v?.status === 'invalid') out.push(`the load generator could not keep up in phase '${p.name}': ${v.reason}, more than ${pctText(INVALID_SHARE)} of the figure`);
    }
    for (const c of checks) {
      if (c.phase !== p.name || validity?.[c.metric as ValidityMetric]?.status === 'invalid') continue;
      const v = inDoubt(c, validity);
      if (v) out.push(`the load generator could not keep up in phase '${p.name}': its SLO check ${c.metric} failed (${checkValue(c.actual!, c.unit)} against ${checkValue(c.threshold, c.unit)}), but ${v.reason}; without it the check could pass`);
    }
  }
  return out;
}

function checkValue(x: number, unit: SloCheck['unit']): string {
  return unit === 'ms' ? msText(x * 1000) : unit === 'ratio' ? pctText(x) : `${x.toFixed(1)} rps`;
}

/** MarginalFigure is a judged figure the generator's lag could account for a noticeable part of. */
export interface MarginalFigure {
  phase: string;
  metric: ValidityMetric;
  validity: MetricValidity;
}

/**
 * marginalFigures lists a run's judged figures (checked phases that ran) whose stored verdict is marginal: valid,
 * but a change smaller than the lag's part could be the lag. Files without stored verdicts have none.
 */
export function marginalFigures(r: Pick<ResultsFile, 'phases' | 'slo'> & { plan?: ResultsFile['plan'] }): MarginalFigure[] {
  const off = new Set((r.plan?.phases ?? []).filter((p) => p.slo === null).map((p) => p.name));
  const out: MarginalFigure[] = [];
  for (const p of r.phases) {
    if (off.has(p.name) || p.state === 'not-run' || !p.validity) continue;
    for (const metric of judgedMetrics(p.name, r.slo.checks)) {
      const v = p.validity[metric];
      if (v?.status === 'marginal') out.push({ phase: p.name, metric, validity: v });
    }
  }
  return out;
}
