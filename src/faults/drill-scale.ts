/**
 * The spike drill's analysis (docs/drills.md#the-spike-drill), from results alone: for each step up in load (a
 * phase whose rate is at least twice the one before), the lag from the step to enough capacity (the moment the
 * replicas of the last scale-up decided during that phase were ready; none: never within the phase), and what
 * the lag cost: requests shed (503 / UNAVAILABLE), timed out, failed otherwise, and answered but late (over the
 * phase's p99 SLO, counted from the seconds' histograms). Whole seconds: the lag window covers every second it
 * touches.
 */
import { countAtOrBelow, decodeHistogram } from '../metrics/hdr.js';
import type { PhasePlan, SloSpec } from '../scenario/plan.js';
import type { IntervalResult, ScaleEventRecord, SpikeLag } from '../results/results-schema.js';
import { REJECTION_CODES } from '../results/results-schema.js';
import { createShape } from '../scenario/shapes.js';
import { p99Limit } from './drill-recovery.js';
import { bySecond, round3, secondsTouching } from './drill-seconds.js';

/** SPIKE_STEP is the ratio of a phase's rate to the previous one's from which it counts as a spike. */
export const SPIKE_STEP = 3;

/** analyzeSpikes finds the steps up in load and measures the autoscaler's lag behind each. */
export function analyzeSpikes(plan: { phases: PhasePlan[]; slo: SloSpec }, intervals: IntervalResult[], events: ScaleEventRecord[]): SpikeLag[] {
  const seconds = bySecond(intervals);
  const out: SpikeLag[] = [];
  plan.phases.forEach((p, i) => {
    const prev = plan.phases[i - 1];
    if (!prev || startRate(p) < SPIKE_STEP * endRate(prev) || endRate(prev) <= 0) return;
    const endS = p.startS + p.durationS;
    const ups = events.filter((e) => e.direction === 'up' && e.atS >= p.startS && e.atS < endS);
    const before = events.filter((e) => e.atS < p.startS).at(-1)?.to ?? events[0]?.from ?? 0;
    const last = ups.at(-1);
    const readyAtS = last && last.readyAtS !== null && last.readyAtS < endS ? last.readyAtS : null;
    const span = secondsTouching(seconds, p.startS, readyAtS ?? endS);
    const limitMs = p99Limit(plan, i);
    let shed = 0;
    let timedOut = 0;
    let failed = 0;
    let sent = 0;
    let late = 0;
    let exact = limitMs !== undefined;
    for (const s of span) {
      sent += s.ok + s.failed;
      failed += s.failed;
      for (const [code, n] of Object.entries(s.errors)) {
        if ((REJECTION_CODES as readonly string[]).includes(code)) shed += n;
        else if (code === 'TIMEOUT') timedOut += n;
      }
      if (limitMs === undefined) continue;
      for (const enc of s.histograms) {
        if (!enc) exact = false;
        else {
          const h = decodeHistogram(enc);
          late += h.totalCount - countAtOrBelow(h, limitMs * 1000);
        }
      }
    }
    out.push({
      phase: p.name,
      spikeAtS: p.startS,
      readyAtS,
      lagS: readyAtS === null ? null : round3(readyAtS - p.startS),
      decidedAfterS: ups[0] ? round3(ups[0].atS - p.startS) : null,
      replicasBefore: before,
      replicasAfter: last?.to ?? before,
      sent,
      shed,
      timedOut,
      otherFailed: failed - shed - timedOut,
      ...(exact && limitMs !== undefined && { late, lateLimitMs: limitMs }),
    });
  });
  return out;
}

function startRate(p: PhasePlan): number {
  return rateOf(p, 0);
}

function endRate(p: PhasePlan): number {
  return rateOf(p, p.durationS);
}

/** rateOf is a phase's open-loop rate t seconds into it (0 for closed-loop phases, which are never a step). */
function rateOf(p: PhasePlan, t: number): number {
  return p.load.kind === 'open' ? createShape(p.load.shape, p.durationS).rate(Math.min(t, Math.max(0, p.durationS - 1e-6))) : 0;
}
