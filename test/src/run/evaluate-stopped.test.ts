/**
 * A run stopped mid-phase (SIGINT at 8 s of a 15 s phase): the phase's rates are per second of the time it ran,
 * it says so (partial, 8 s), the phase after it did not run, and its SLO checks say not run instead of failing.
 * The aggregate is made by hand, as the load workers would report it.
 */
import { describe, expect, it } from 'vitest';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { checkSlos, phaseResults } from '../../../src/run/evaluate.js';
import type { Plan, PhasePlan } from '../../../src/scenario/plan.js';

const RATE = 200;
const phases: PhasePlan[] = [
  { name: 'warmup', startS: 0, durationS: 2, load: { kind: 'open', shape: { type: 'constant', rps: RATE }, arrival: { type: 'constant' } }, slo: null },
  { name: 'steady', startS: 2, durationS: 15, load: { kind: 'open', shape: { type: 'constant', rps: RATE }, arrival: { type: 'constant' } }, slo: { p99Ms: 50, errorRate: 0.01, minRps: 150 } },
  { name: 'spike', startS: 17, durationS: 5, load: { kind: 'open', shape: { type: 'constant', rps: 2 * RATE }, arrival: { type: 'constant' } }, slo: { p99Ms: 100 } },
  { name: 'closed', startS: 22, durationS: 5, load: { kind: 'closed', concurrency: 4 }, slo: { p99Ms: 100 } },
];
const plan = { phases, durationS: 27 } as unknown as Plan;

/** aggregateUntil records every request due before `stopS` (answered in 5 ms), as the workers would have. */
function aggregateUntil(stopS: number): RunAggregate {
  const rec = new IntervalRecorder(0);
  for (let i = 0; ; i++) {
    const intendedUs = (i * 1e6) / RATE;
    if (intendedUs >= stopS * 1e6) break;
    const phase = intendedUs < 2e6 ? 0 : 1;
    rec.scheduled(phase, intendedUs);
    rec.sent(phase, intendedUs, intendedUs + 100);
    rec.outcome(phase, intendedUs, { code: 'OK', sentUs: intendedUs + 100, doneUs: intendedUs + 5000 });
  }
  const agg = new RunAggregate(phases, 1);
  agg.add(rec.take(), 0, Math.ceil(stopS) + 1);
  agg.finish();
  return agg;
}

describe('a run stopped mid-phase', () => {
  const stopS = 2 + 8; // 8 s into 'steady'
  const agg = aggregateUntil(stopS);
  const results = phaseResults(plan, agg, [], true, stopS);

  it('divides the cut phase\'s counts by the time it ran, not its planned duration', () => {
    const steady = results[1]!;
    expect(steady.sent).toBe(8 * RATE);
    expect(steady.state).toBe('partial');
    expect(steady.elapsedS).toBeCloseTo(8, 9);
    expect(steady.offeredRps).toBeCloseTo(RATE, 6);
    expect(steady.achievedRps).toBeCloseTo(RATE, 6);
    expect(steady.throughputRps).toBeCloseTo(RATE, 6);
    expect(steady.durationS).toBe(15);
  });

  it('leaves the phases before the stop complete and marks those after it not run', () => {
    expect(results.map((p) => p.state)).toEqual(['complete', 'partial', 'not-run', 'not-run']);
    expect(results[0]!.offeredRps).toBeCloseTo(RATE, 6);
    expect(results[2]!.offeredRps).toBe(0);
    expect(results[2]!.elapsedS).toBe(0);
  });

  it('says not run for the checks of phases that never started, and does not fail the SLO for them', () => {
    const slo = checkSlos(plan, results);
    const spike = slo.checks.filter((c) => c.phase === 'spike' || c.phase === 'closed');
    expect(spike).toHaveLength(2);
    for (const c of spike) {
      expect(c.pass).toBeNull();
      expect(c.actual).toBeNull();
    }
    const steady = slo.checks.filter((c) => c.phase === 'steady');
    expect(steady.map((c) => [c.metric, c.pass, c.partial])).toEqual([
      ['p99', true, true],
      ['error_rate', true, true],
      ['throughput', true, true],
    ]);
    expect(slo.pass).toBe(true);
  });

  it('still fails on a check that ran and failed in the cut phase', () => {
    const slow = { ...plan, phases: phases.map((p) => (p.name === 'steady' ? { ...p, slo: { p99Ms: 1 } } : p)) } as Plan;
    const slo = checkSlos(slow, phaseResults(slow, agg, [], true, stopS));
    expect(slo.checks.find((c) => c.phase === 'steady')!.pass).toBe(false);
    expect(slo.pass).toBe(false);
  });

  it('keeps the planned duration for a run that went to its end', () => {
    const full = phaseResults(plan, aggregateUntil(2), [], true, undefined);
    expect(full.map((p) => p.state)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(full[1]!.elapsedS).toBe(15);
  });
});
