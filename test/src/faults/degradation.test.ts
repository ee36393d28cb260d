/**
 * Graceful degradation's latency rule (docs/drills.md): a phase whose accepted requests' p99 is over the p99
 * threshold that applies to it is degraded even when nothing failed; without a threshold, a p99 several times the
 * run's best phase's is. showsDegradation picks the phases the summary and the reports list.
 */
import { describe, expect, it } from 'vitest';
import { DEGRADED_P99_FACTOR, degradationsOf, showsDegradation } from '../../../src/faults/degradation.js';
import type { PhaseResult } from '../../../src/results/results-schema.js';
import type { PhasePlan, SloSpec } from '../../../src/scenario/plan.js';

const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

function phase(name: string, p99Ms: number, o: Partial<PhaseResult> = {}): PhaseResult {
  const latencyUs = { ...zero, count: 1000, p50: (p99Ms * 1000) / 4, p99: p99Ms * 1000 };
  return { name, kind: 'open', startS: 0, durationS: 10, offeredRps: 100, achievedRps: 100, throughputRps: 100, scheduled: 1000, sent: 1000, completed: 1000, ok: 1000, dropped: 0, lateSends: 0, errors: {}, errorRate: 0, latencyUs, serviceTimeUs: latencyUs, ttfbUs: zero, sendLagUs: zero, histogram: '', serviceHistogram: '', ...o };
}

function plan(slos: (SloSpec | null)[], slo: SloSpec): { phases: PhasePlan[]; slo: SloSpec } {
  return { slo, phases: slos.map((s, i) => ({ name: `p${i}`, startS: i * 10, durationS: 10, load: { kind: 'open', shape: { type: 'constant', rps: 100 }, arrival: { type: 'constant' } }, slo: s })) };
}

describe('degradationsOf', () => {
  it('marks a phase whose accepted p99 is over its SLO\'s p99 degraded, with no request failed (peak-5x: 900 rps, p99 1277 ms)', () => {
    const phases = [phase('steady', 117), phase('peak-5x', 1277), phase('recovery', 240)];
    const d = degradationsOf(plan([{ p99Ms: 250, errorRate: 0.001 }, { p99Ms: 250 }, { p99Ms: 250, errorRate: 0.001 }], { p99Ms: 250, errorRate: 0.001 }), phases);
    expect(d.map((x) => x.latencyDegraded)).toEqual([undefined, 'p99 1277.0 ms, over the 250 ms p99 of the SLO', undefined]);
    expect(d[1]).toMatchObject({ accepted: 1000, rejected: 0, otherFailed: 0 });
    phases.forEach((p, i) => (p.degradation = d[i]));
    expect(phases.map(showsDegradation)).toEqual([false, true, false]);
  });

  it('reads a phase without a p99 threshold (slo: off, or none in its SLO) against the run\'s best phase, not the scenario\'s SLO', () => {
    const phases = [phase('warmup', 39), phase('steady', 8), phase('bursts', 8 * DEGRADED_P99_FACTOR + 1), phase('ramp', 39), phase('cold', 300)];
    const d = degradationsOf(plan([null, { p99Ms: 20 }, null, { errorRate: 0.01 }, null], { p99Ms: 20 }), phases);
    // A warm-up over the scenario's 20 ms, but under 5x the best phase: not degraded.
    expect(d[0]!.latencyDegraded).toBeUndefined();
    expect(d[1]!.latencyDegraded).toBeUndefined();
    expect(d[2]!.latencyDegraded).toBe('p99 41.0 ms, 5.1× the 8.00 ms of phase steady (no p99 threshold in the phase)');
    expect(d[3]!.latencyDegraded).toBeUndefined();
    expect(d[4]!.latencyDegraded).toBe('p99 300.0 ms, 37.5× the 8.00 ms of phase steady (no p99 threshold in the phase)');
  });

  it('leaves a few milliseconds alone however large the factor, and phases that did not run or served nothing', () => {
    const phases = [phase('fast', 0.5), phase('less-fast', 6), phase('empty', 0, { latencyUs: zero, ok: 0 }), phase('later', 900, { state: 'not-run' })];
    const d = degradationsOf(plan([{}, {}, {}, {}], {}), phases);
    expect(d.map((x) => x.latencyDegraded)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('shows phases where requests failed, whatever their latency', () => {
    const p = phase('peak', 20, { ok: 900, errors: { HTTP_503: 100 } });
    p.degradation = degradationsOf(plan([{ p99Ms: 250 }], {}), [p])[0];
    expect(p.degradation!.latencyDegraded).toBeUndefined();
    expect(showsDegradation(p)).toBe(true);
    expect(showsDegradation(phase('no-degradation-field', 2000))).toBe(false);
  });
});
