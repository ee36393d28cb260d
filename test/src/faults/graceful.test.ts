/**
 * The graceful-degradation verdict of an overloaded phase (docs/drills.md "Graceful degradation"), on synthetic
 * results: a phase that sheds the excess with fast 503s, keeps its accepted p99 within the SLO and is back within
 * it right after is graceful; timeouts, an accepted p99 over the SLO, other failures, a slow or missing recovery
 * each make it not graceful, with the reason named.
 */
import { describe, expect, it } from 'vitest';
import { degradationsOf } from '../../../src/faults/degradation.js';
import { gracefulCell, gracefulVerdicts } from '../../../src/faults/graceful.js';
import type { IntervalResult, PhaseResult } from '../../../src/results/results-schema.js';
import type { PhasePlan, SloSpec } from '../../../src/scenario/plan.js';

const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
const SLO: SloSpec = { p99Ms: 250, errorRate: 0.001 };

function phase(name: string, startS: number, p99Ms: number, o: Partial<PhaseResult> = {}): PhaseResult {
  const latencyUs = { ...zero, count: 1000, p50: (p99Ms * 1000) / 4, p99: p99Ms * 1000 };
  return { name, kind: 'open', startS, durationS: 10, offeredRps: 100, achievedRps: 100, throughputRps: 100, scheduled: 1000, sent: 1000, completed: 1000, ok: 1000, dropped: 0, lateSends: 0, errors: {}, errorRate: 0, latencyUs, serviceTimeUs: latencyUs, ttfbUs: zero, sendLagUs: zero, histogram: '', serviceHistogram: '', ...o };
}

/** second is one per-second row without a histogram (the recovery search then reads its p99). */
function second(t: number, p99Ms: number, errors: Record<string, number> = {}): IntervalResult {
  const latencyUs = { ...zero, count: 100, p99: p99Ms * 1000, max: p99Ms * 1000 };
  return { t, phase: '', offeredRps: 100, sentRps: 100, okRps: 100, errors, latencyUs, serviceTimeUs: latencyUs, sendLagP99Us: 0, lateSends: 0 } as IntervalResult;
}

const plan: { phases: PhasePlan[]; slo: SloSpec } = {
  slo: SLO,
  phases: ['steady', 'peak-5x', 'recovery'].map((name, i) => ({ name, startS: i * 10, durationS: 10, load: { kind: 'open', shape: { type: 'constant', rps: 100 }, arrival: { type: 'constant' } }, slo: i === 1 ? { p99Ms: 250 } : SLO })),
};

/** judge runs the verdict over steady / peak-5x / recovery with this peak and these seconds of the recovery phase. */
function judge(peak: Partial<PhaseResult> & { p99Ms: number }, recovery: IntervalResult[], phases = 3): PhaseResult {
  const { p99Ms, ...o } = peak;
  const all = [phase('steady', 0, 40), phase('peak-5x', 10, p99Ms, { sent: 5000, ...o }), phase('recovery', 20, 40)].slice(0, phases);
  degradationsOf(plan, all).forEach((d, i) => (all[i]!.degradation = d));
  gracefulVerdicts({ slo: plan.slo, phases: plan.phases.slice(0, phases) }, all, [...Array.from({ length: 20 }, (_, t) => second(t, 40)), ...recovery]);
  return all[1]!;
}

const recovered = Array.from({ length: 10 }, (_, i) => second(20 + i, 40));

describe('gracefulVerdicts', () => {
  it('calls shedding with fast 503s, the accepted p99 within the SLO and a prompt recovery graceful', () => {
    const p = judge({ p99Ms: 180, ok: 1000, errors: { HTTP_503: 4000 } }, recovered);
    expect(p.degradation).toMatchObject({ rejected: 4000, rejectedShare: 0.8, graceful: true, reasons: [] });
    expect(gracefulCell(p.degradation!)).toBe('yes');
  });

  it.each([
    ['timeouts', { p99Ms: 180, ok: 4000, errors: { TIMEOUT: 1000 } }, recovered, '1000 request(s) timed out'],
    ['accepted p99 over the SLO', { p99Ms: 1277, ok: 5000 }, recovered, "accepted requests' latency degraded: p99 1277.0 ms, over the 250 ms p99 of the SLO"],
    ['resets', { p99Ms: 100, ok: 4990, errors: { ECONNRESET: 10 } }, recovered, '10 other failure(s) (ECONNRESET: 10)'],
    ['nothing served', { p99Ms: 0, ok: 0, latencyUs: zero, errors: { HTTP_503: 5000 } }, recovered, 'no request was served'],
    ['no recovery', { p99Ms: 100, ok: 4000, errors: { HTTP_503: 1000 } }, recovered.map((s) => ({ ...s, errors: { HTTP_503: 3 } })), 'no recovery after the overload: not recovered by 30 s (the end of phase recovery)'],
  ])('is not graceful with %s', (_, peak, seconds, reason) => {
    const p = judge(peak, seconds);
    expect(p.degradation!.graceful).toBe(false);
    expect(p.degradation!.reasons!.some((r) => r.startsWith(reason))).toBe(true);
    expect(gracefulCell(p.degradation!)).toMatch(/^no: /);
  });

  it('does not call an overload at the end of the run graceful: its recovery is not shown', () => {
    const p = judge({ p99Ms: 180, ok: 1000, errors: { HTTP_503: 4000 } }, [], 2);
    expect(p.degradation).toMatchObject({ graceful: false, reasons: ['no phase after the overload: recovery not shown'] });
  });

  it('leaves phases that were not overloaded without a verdict', () => {
    const p = judge({ p99Ms: 100, ok: 5000 }, recovered);
    expect(p.degradation!.graceful).toBeUndefined();
    expect(gracefulCell(p.degradation!)).toBe('-');
  });
});
