/**
 * Graceful degradation per phase: how requests split between served and turned away, and whether the served
 * requests' latency degraded. The rule for "degraded" (docs/drills.md) is in numbers: the accepted requests'
 * p99 is over the phase's own p99 threshold; in a phase without one (`slo: off`, or an SLO without p99), it is
 * more than DEGRADED_P99_FACTOR times the lowest p99 of the run's other phases (the stack's unloaded latency)
 * and at least DEGRADED_MIN_P99_MS above it. (A warm-up with `slo: off` is thus not held to the scenario's SLO,
 * only to the run's other phases.)
 */
import type { PhasePlan, SloSpec } from '../scenario/plan.js';
import { REJECTION_CODES, type Degradation, type PhaseResult } from '../results/results-schema.js';

/** DEGRADED_P99_FACTOR: without a p99 threshold, a phase's p99 this many times the run's best phase's is degraded. */
export const DEGRADED_P99_FACTOR = 5;
/** DEGRADED_MIN_P99_MS: ... and at least this much above it (a few milliseconds more is noise, not degradation). */
export const DEGRADED_MIN_P99_MS = 10;

/** degradationOf splits a phase's requests into accepted, rejected (REJECTION_CODES) and other failures. */
export function degradationOf(p: PhaseResult): Degradation {
  const rejected = REJECTION_CODES.reduce((n, code) => n + (p.errors[code] ?? 0), 0);
  const failed = Object.values(p.errors).reduce((a, b) => a + b, 0);
  const attempted = p.sent + p.dropped;
  return {
    accepted: p.ok,
    rejected,
    otherFailed: failed - rejected,
    rejectedShare: attempted > 0 ? rejected / attempted : 0,
    acceptedLatencyUs: { p50: p.latencyUs.p50, p99: p.latencyUs.p99 },
  };
}

/** degradationsOf is every phase's degradation, with `latencyDegraded` saying why where the accepted latency degraded. */
export function degradationsOf(plan: { phases: PhasePlan[]; slo: SloSpec }, phases: PhaseResult[]): Degradation[] {
  return phases.map((p, i) => {
    const d = degradationOf(p);
    const why = latencyDegraded(plan, phases, i);
    return why === undefined ? d : { ...d, latencyDegraded: why };
  });
}

/** showsDegradation tells whether a phase belongs in a graceful-degradation table: some requests failed, or the accepted ones' latency degraded. */
export function showsDegradation(p: PhaseResult): boolean {
  const d = p.degradation;
  return d !== undefined && (d.rejected + d.otherFailed > 0 || d.latencyDegraded !== undefined);
}

function latencyDegraded(plan: { phases: PhasePlan[]; slo: SloSpec }, phases: PhaseResult[], i: number): string | undefined {
  const p = phases[i]!;
  if (p.latencyUs.count === 0 || p.state === 'not-run') return undefined;
  const p99Ms = p.latencyUs.p99 / 1000;
  const limitMs = plan.phases[i]?.slo?.p99Ms;
  if (limitMs !== undefined) return p99Ms > limitMs ? `p99 ${fmtMs(p99Ms)} ms, over the ${limitMs} ms p99 of the SLO` : undefined;
  let best: PhaseResult | undefined;
  for (const q of phases) if (q !== p && q.latencyUs.count > 0 && q.state !== 'not-run' && (!best || q.latencyUs.p99 < best.latencyUs.p99)) best = q;
  if (!best) return undefined;
  const bestMs = best.latencyUs.p99 / 1000;
  if (p99Ms <= DEGRADED_P99_FACTOR * bestMs || p99Ms - bestMs < DEGRADED_MIN_P99_MS) return undefined;
  return `p99 ${fmtMs(p99Ms)} ms, ${(p99Ms / bestMs).toFixed(1)}× the ${fmtMs(bestMs)} ms of phase ${best.name} (no p99 threshold in the phase)`;
}

function fmtMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}
