/**
 * Whether an overloaded phase degraded gracefully (docs/drills.md "Graceful degradation"). A phase is overloaded
 * when the target turned requests away, requests failed, or the accepted ones' latency degraded (showsDegradation);
 * its degradation is graceful when all of these hold:
 *   - it served requests (some were accepted), whatever share it shed;
 *   - the accepted requests' p99 is within the SLO (no `latencyDegraded`, degradation.ts);
 *   - no request timed out (TIMEOUT, STREAM_TIMEOUT, GRPC_DEADLINE_EXCEEDED): excess load is refused, not queued;
 *   - no failure other than a rejection or a timeout (resets, 5xx other than 503, DROPPED);
 *   - it recovered: from the end of the phase, within GRACEFUL_RECOVERY_S seconds, the run's seconds stay without
 *     errors and within the next phase's p99 threshold (windows of GRACEFUL_WINDOW_S) up to the end of the next
 *     phase (drill-recovery.ts). With no phase after it, recovery is not shown and the degradation is not graceful.
 */
import { REJECTION_CODES, type IntervalResult, type PhaseResult } from '../results/results-schema.js';
import type { PhasePlan, SloSpec } from '../scenario/plan.js';
import { p99Limit, recoveryIn } from './drill-recovery.js';
import { bySecond } from './drill-seconds.js';
import { showsDegradation } from './degradation.js';

/** GRACEFUL_RECOVERY_S is the most seconds after an overload ends by which the target must be back within its SLO. */
export const GRACEFUL_RECOVERY_S = 10;
/** GRACEFUL_WINDOW_S is the window over which the p99 after the overload is judged. */
export const GRACEFUL_WINDOW_S = 2;
/** TIMEOUT_CODES are the outcome codes that mean a request ran out of time. */
export const TIMEOUT_CODES = ['TIMEOUT', 'STREAM_TIMEOUT', 'GRPC_DEADLINE_EXCEEDED'] as const;

/** gracefulVerdicts sets `graceful` and `reasons` on the degradation of every overloaded phase (the others are left as they are). */
export function gracefulVerdicts(plan: { phases: PhasePlan[]; slo: SloSpec }, phases: PhaseResult[], intervals: IntervalResult[]): void {
  let seconds: ReturnType<typeof bySecond> | undefined;
  phases.forEach((p, i) => {
    const d = p.degradation;
    if (!d || p.state === 'not-run' || !showsDegradation(p)) return;
    seconds ??= bySecond(intervals);
    const reasons = problemsOf(p);
    const next = plan.phases[i + 1];
    const result = phases[i + 1];
    if (!next || !result || result.state === 'not-run') reasons.push('no phase after the overload: recovery not shown');
    else {
      const fromS = next.startS;
      const r = recoveryIn(seconds, { fromS, horizonS: next.startS + (result.durationS ?? next.durationS), horizon: `the end of phase ${next.name}`, limitMs: p99Limit(plan, i + 1), windowS: GRACEFUL_WINDOW_S });
      if (r.recoveryS === null) reasons.push(`no recovery after the overload: ${r.note ?? 'not seen'}`);
      else if (r.recoveryS > GRACEFUL_RECOVERY_S) reasons.push(`recovered ${r.recoveryS} s after the overload, later than ${GRACEFUL_RECOVERY_S} s`);
    }
    d.graceful = reasons.length === 0;
    d.reasons = reasons;
  });
}

/** problemsOf lists what in the phase itself breaks the rule (recovery aside); empty when nothing does. */
export function problemsOf(p: PhaseResult): string[] {
  const d = p.degradation!;
  const out: string[] = [];
  if (d.accepted === 0) out.push('no request was served');
  if (d.latencyDegraded !== undefined) out.push(`accepted requests' latency degraded: ${d.latencyDegraded}`);
  const timeouts = TIMEOUT_CODES.reduce((n, c) => n + (p.errors[c] ?? 0), 0);
  if (timeouts > 0) out.push(`${timeouts} request(s) timed out`);
  const other = d.otherFailed - timeouts;
  if (other > 0) {
    const codes = Object.entries(p.errors).filter(([c]) => !(TIMEOUT_CODES as readonly string[]).includes(c) && !(REJECTION_CODES as readonly string[]).includes(c));
    out.push(`${other} other failure(s) (${codes.map(([c, n]) => `${c}: ${n}`).join(', ')})`);
  }
  return out;
}

/** gracefulCell is the verdict of a degradation for a table cell: "yes", "no: reasons" or "-" (not judged). */
export function gracefulCell(d: { graceful?: boolean; reasons?: string[] }): string {
  if (d.graceful === undefined) return '-';
  return d.graceful ? 'yes' : `no: ${(d.reasons ?? []).join('; ')}`;
}

/**
 * gracefulRequirement judges `drill.require_graceful`: undefined when the scenario does not require it; otherwise
 * whether every overloaded phase that ran degraded gracefully, and which did not. A phase not judged (not
 * overloaded, or not run) does not count against it.
 */
export function gracefulRequirement(r: { plan?: { drill?: { requireGraceful?: boolean } }; phases: PhaseResult[] }): { pass: boolean; failed: string[] } | undefined {
  if (!r.plan?.drill?.requireGraceful) return undefined;
  const failed = r.phases.filter((p) => p.degradation?.graceful === false).map((p) => p.name);
  return { pass: failed.length === 0, failed };
}

/** gracefulRequirementText is the run verdict's words for it: '' when not required. */
export function gracefulRequirementText(r: Parameters<typeof gracefulRequirement>[0]): string {
  const g = gracefulRequirement(r);
  if (!g) return '';
  return g.pass ? 'graceful degradation met' : `graceful degradation FAILED (${g.failed.join(', ')})`;
}
