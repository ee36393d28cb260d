/**
 * Turning a run's merged measurements into results: per-phase figures, per-second rows, the validity verdict
 * (can these numbers be trusted?) and the SLO checks (did the target meet its thresholds?).
 */
import os from 'node:os';
import type { SenderScheduling } from '../load/messages.js';
import { encodeHistogram, type LatencySummary, summarize } from '../metrics/hdr.js';
import { errorCount, type RunAggregate } from '../metrics/run-aggregate.js';
import type { ServerInterval } from '../metrics/server-scrape.js';
import type { Plan, SloSpec } from '../scenario/plan.js';
import { type TokenSecond, tokenWindow } from '../results/phase-drain.js';
import { perSecond, phaseSpan } from '../results/phase-span.js';
import type { IntervalResult, PhaseResult, SloCheck } from '../results/results-schema.js';
import { generatorAdvice, type MachineStall, machineStalled, stallText } from './generator-advice.js';
import { judgedMetrics, lagReasons, measurementReasons, type ValidityRule } from './judge-validity.js';
import { judgePhase, type PhaseRow, rowCounts } from './metric-validity.js';
import { intervalTokens, phaseTokens, tokenSloChecks } from './token-figures.js';

export { SHORTFALL_LIMIT } from './judge-validity.js';

/** LATE_FRACTION_LIMIT: by the strict rule, more than this share of sends over 1 ms late makes a run invalid. */
export const LATE_FRACTION_LIMIT = 0.01;
/**
 * GENERATOR_WARMUP_S: sends in the run's first seconds are left out of the lateness check (they are measured and
 * reported as usual). A fresh sending thread is slow at first (code not yet optimised, first connections, the run's
 * own start-up on the other threads), as wrk2's calibration period acknowledges; counting it would mark most short
 * runs invalid for a start-up cost that says nothing about the rest of the measurement.
 */
export const GENERATOR_WARMUP_S = 1;

/**
 * phaseResults computes every phase's figures from the aggregate (and the server's view, if scraped). Encoding
 * the histograms costs milliseconds of CPU each, so snapshots written while the run goes leave them empty
 * (`withHistograms` false): the final results carry them, and latency.hlog has every second's histogram meanwhile.
 * `measuredS` is when the run stopped (or the snapshot's time), on the run's clock; undefined when it ran to its
 * end. A phase cut short has its rates over the time it ran (phase-span.ts).
 */
export function phaseResults(plan: Plan, agg: RunAggregate, server: ServerInterval[] = [], withHistograms = true, measuredS?: number): PhaseResult[] {
  const rows = rowsByPhase(plan, agg);
  return plan.phases.map((p, i) => {
    const c = agg.phaseCounts[i]!;
    const h = agg.phaseHists[i]!;
    const failed = errorCount(c);
    const attempted = c.sent + c.dropped;
    const span = phaseSpan(p, measuredS, c.scheduled + attempted);
    const r: PhaseResult = {
      name: p.name,
      kind: p.load.kind,
      startS: p.startS,
      durationS: p.durationS,
      state: span.state,
      elapsedS: span.elapsedS,
      offeredRps: perSecond(p.load.kind === 'open' ? c.scheduled : c.sent, span.elapsedS),
      achievedRps: perSecond(c.sent, span.elapsedS),
      throughputRps: perSecond(c.ok, span.elapsedS),
      scheduled: c.scheduled,
      sent: c.sent,
      completed: c.ok + failed - c.dropped,
      ok: c.ok,
      dropped: c.dropped,
      lateSends: c.late,
      errors: c.errors,
      errorRate: attempted ? failed / attempted : 0,
      latencyUs: summarize(h.latency),
      serviceTimeUs: summarize(h.service),
      ttfbUs: summarize(h.ttfb),
      sendLagUs: summarize(h.lag),
      histogram: withHistograms ? encodeHistogram(h.latency) : '',
      serviceHistogram: withHistograms ? encodeHistogram(h.service) : '',
    };
    if (withHistograms) {
      r.ttfbHistogram = encodeHistogram(h.ttfb);
      r.sendLagHistogram = encodeHistogram(h.lag);
    }
    const tokens = agg.phaseTokens[i];
    if (tokens) r.tokens = phaseTokens(tokens, p.slo, span.elapsedS, attempted, withHistograms, tokenWindow(tokenSeconds(agg), tokenSeconds(agg, i), p.startS, p.startS + span.elapsedS));
    r.validity = judgePhase({ ...r, ...rowCounts(p, rows[i]!), attempted });
    // Seconds of a server without Triton's counters (an LLM server's vLLM metrics) have no Triton figures to average.
    const seconds = server.filter((s) => s.second >= p.startS && s.second < p.startS + span.elapsedS && !s.noTriton);
    if (seconds.length) {
      const mean = (f: (s: ServerInterval) => number): number => seconds.reduce((n, s) => n + f(s), 0) / seconds.length;
      r.server = { meanBatch: mean((s) => s.meanBatch), queueUs: mean((s) => s.queueUs), computeInferUs: mean((s) => s.computeInferUs), requestUs: mean((s) => s.requestUs), requestsPerS: mean((s) => s.requestsPerS) };
    }
    return r;
  });
}

/** intervalResults turns the aggregate's rows into per-second results (histograms only in final results, as for phases). */
export function intervalResults(plan: Plan, agg: RunAggregate, withHistograms = true): IntervalResult[] {
  return agg.rows.map((r) => ({
    t: r.second,
    phase: plan.phases[r.phase]?.name ?? String(r.phase),
    offeredRps: r.scheduled,
    sentRps: r.sent,
    okRps: r.ok,
    errors: r.errors,
    latencyUs: r.latencyUs,
    serviceTimeUs: r.serviceTimeUs,
    sendLagP99Us: r.sendLagUs.p99,
    lateSends: r.late,
    histogram: withHistograms ? r.histogram : '',
    ...(r.tokens && { tokens: intervalTokens(r.tokens) }),
  }));
}

/** checkedLateFraction is the share of sends over 1 ms late, leaving out the generator's warm-up second. */
export function checkedLateFraction(agg: RunAggregate): number {
  let sent = 0;
  let late = 0;
  for (const r of agg.rows) {
    if (r.second < GENERATOR_WARMUP_S) continue;
    sent += r.sent;
    late += r.late;
  }
  return sent > 0 ? late / sent : 0;
}

/** JudgeFacts are what the validity verdict reads besides the aggregate: the generator's lag and the rule. */
export interface JudgeFacts {
  sendLagUs: LatencySummary;
  checkedLateFraction: number;
  /** `effect` (default): per figure, by what the lag could do to it; `strict`: the 1 % / 1 ms rule for the whole run. */
  rule?: ValidityRule;
  /** For the advice: load workers, how each sending thread was scheduled, whether the target shares the machine. */
  workers?: number;
  scheduling?: readonly SenderScheduling[];
  localTarget?: boolean;
  /** Cores of this machine (default: os.availableParallelism()). */
  cores?: number;
  /** Stalls of the whole process, where the run measured them (generator-advice.ts MachineStall). */
  machineStall?: MachineStall;
}

/** RunJudgement is the validity verdict: why the measurement cannot be trusted (empty: it can), and what would help. */
export interface RunJudgement {
  reasons: string[];
  /** Set when the generator's lag made a judged figure marginal or invalid (or, strict, broke the 1 % rule). */
  advice?: string;
}

/**
 * judgeRun says why a run's measurement cannot be trusted. Whatever the rule: a phase that could not send its
 * plan, an unreachable target, lost requests. The generator's lag, by the `effect` rule: a judged figure of a
 * checked phase that the lag could account for more than a quarter of, or a failed SLO check it could explain; by
 * the `strict` rule: more than 1 % of sends (after the first second) over 1 ms late, whatever they did.
 */
export function judgeRun(plan: Plan, agg: RunAggregate, phases: PhaseResult[], lost: number, facts: JudgeFacts): RunJudgement {
  const t = agg.totals();
  const rows = rowsByPhase(plan, agg);
  const phaseFacts = plan.phases.map((p, i) => ({ name: p.name, kind: p.load.kind, startS: p.startS, durationS: p.durationS, scheduled: phases[i]?.scheduled ?? 0, rows: rows[i]! }));
  const whole = measurementReasons(phaseFacts, t.errors, t.ok, lost);
  const checked = new Set(plan.phases.filter((p) => p.slo !== null).map((p) => p.name));
  const slo = checkSlos(plan, phases);
  const lagged = lagReasons(phases, (name) => checked.has(name), slo.checks, (p) => p.validity);
  const late = facts.checkedLateFraction;
  const lag = facts.sendLagUs;
  const strictReason =
    late > LATE_FRACTION_LIMIT
      ? `the load generator could not keep up: ${pct(late)} of requests went out more than 1 ms late (after the first ${GENERATOR_WARMUP_S} s; p99 send lag ${(lag.p99 / 1000).toFixed(1)} ms; limit ${pct(LATE_FRACTION_LIMIT)})`
      : undefined;
  // A machine that held every thread of this process off the CPU at once is named, not the generator's load.
  const stall = facts.machineStall;
  const blame = (reason: string): string => (machineStalled(stall) ? reason.replace(/^the load generator could not keep up/, `the machine stalled (${stallText(stall)}), so the load generator could not keep up`) : reason);
  const generator = (facts.rule === 'strict' ? (strictReason ? [strictReason] : []) : lagged).map(blame);
  const marginal = phases.some((p) => checked.has(p.name) && p.state !== 'not-run' && judgedMetrics(p.name, slo.checks).some((m) => p.validity?.[m]?.status === 'marginal'));
  const out: RunJudgement = { reasons: [...generator, ...whole] };
  if (generator.length || marginal || strictReason) {
    out.advice = generatorAdvice({
      workers: facts.workers ?? 1,
      cores: facts.cores ?? os.availableParallelism(),
      scheduling: facts.scheduling ?? [],
      localTarget: facts.localTarget ?? false,
      sendLagUs: lag,
      ...(stall !== undefined && { machineStall: stall }),
    });
  }
  return out;
}

/** invalidReasons is judgeRun's reasons alone. */
export function invalidReasons(plan: Plan, agg: RunAggregate, phases: PhaseResult[], lost: number, facts: JudgeFacts): string[] {
  return judgeRun(plan, agg, phases, lost, facts).reasons;
}

/** tokenSeconds are the per-second output tokens of one phase, or of every phase (phase-drain.ts). */
function* tokenSeconds(agg: RunAggregate, phase?: number): Iterable<TokenSecond> {
  for (const r of agg.rows) if ((phase === undefined || r.phase === phase) && r.tokens) yield { t: r.second, outputTokens: r.tokens.outputTokens };
}

/** rowsByPhase groups the aggregate's per-second rows by phase, in one pass. */
function rowsByPhase(plan: Plan, agg: RunAggregate): PhaseRow[][] {
  const out: PhaseRow[][] = plan.phases.map(() => []);
  for (const r of agg.rows) out[r.phase]?.push({ second: r.second, sent: r.sent, dropped: r.dropped });
  return out;
}

/**
 * checkSlos checks every phase that has thresholds. A phase that did not run gets its checks marked not run
 * (`pass` and `actual` null): they neither pass nor fail, and the overall verdict is that of the checks that ran.
 * A phase cut short is checked on what it ran (throughput over the time it ran), and its checks say `partial`.
 */
export function checkSlos(plan: Plan, phases: PhaseResult[]): { pass: boolean; checks: SloCheck[] } {
  const checks: SloCheck[] = [];
  plan.phases.forEach((p, i) => {
    const r = phases[i];
    if (!p.slo || !r) return;
    const state = r.state ?? 'complete';
    const push = (metric: string, threshold: number, unit: SloCheck['unit'], actual: number, pass: boolean): void => {
      if (state === 'not-run') checks.push({ phase: p.name, metric, threshold, actual: null, pass: null, unit });
      else checks.push({ phase: p.name, metric, threshold, actual, pass, unit, ...(state === 'partial' && { partial: true }) });
    };
    const ms = (key: keyof SloSpec, metric: string, valueUs: number): void => {
      const threshold = p.slo![key];
      if (threshold === undefined) return;
      // A phase with no successful response cannot meet a latency threshold.
      const actual = r.ok === 0 ? Infinity : valueUs / 1000;
      push(metric, threshold, 'ms', actual, actual <= threshold);
    };
    ms('p50Ms', 'p50', r.latencyUs.p50);
    ms('p90Ms', 'p90', r.latencyUs.p90);
    ms('p95Ms', 'p95', r.latencyUs.p95);
    ms('p99Ms', 'p99', r.latencyUs.p99);
    ms('p999Ms', 'p99.9', r.latencyUs.p999);
    ms('maxMs', 'max', r.latencyUs.max);
    if (p.slo.errorRate !== undefined) push('error_rate', p.slo.errorRate, 'ratio', r.errorRate, r.errorRate <= p.slo.errorRate);
    if (p.slo.badOutputRate !== undefined) {
      const due = r.sent + r.dropped;
      const rate = due > 0 ? (r.errors['BAD_OUTPUT'] ?? 0) / due : 0;
      push('bad_output_rate', p.slo.badOutputRate, 'ratio', rate, rate <= p.slo.badOutputRate);
    }
    if (p.slo.minRps !== undefined) push('throughput', p.slo.minRps, 'rps', r.throughputRps, r.throughputRps >= p.slo.minRps);
    tokenSloChecks(p.slo, r, push);
  });
  return { pass: checks.every((c) => c.pass !== false), checks };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;
}
