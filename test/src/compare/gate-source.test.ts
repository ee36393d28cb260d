/**
 * Which samples the gate's auto mode compares: per-second values whenever the baseline knows each second's run
 * (and they outnumber the repetitions), else repetitions from six per side, else per-second values.
 */
import { describe, expect, it } from 'vitest';
import type { BaselinePhase, MetricSamples } from '../../../src/compare/baseline.js';
import { chooseSource, inRuns } from '../../../src/compare/gate.js';
import type { MetricVerdict } from '../../../src/compare/verdict.js';

function samples(n: number): MetricSamples {
  const v = Array.from({ length: n }, (_, i) => 10 + i);
  return { throughput: v, p50: v, p95: v, p99: v, error_rate: v.map(() => 0) };
}

function phase(reps: number, secondsPerRun: number, withRuns: boolean): BaselinePhase {
  return {
    name: 'steady',
    repetitions: samples(reps),
    intervals: samples(reps * secondsPerRun),
    ...(withRuns && { intervalRuns: { throughput: [], p50: [], p95: [], p99: Array<number>(reps).fill(secondsPerRun), error_rate: [] } }),
    histogram: '',
  };
}

const cand = (reps: number, secondsPerRun: number) => ({ repetitions: samples(reps), intervals: samples(reps * secondsPerRun) });

describe('chooseSource (auto)', () => {
  it('compares per-second values when the baseline keeps its runs', () => {
    expect(chooseSource('auto', phase(6, 20, true), cand(6, 20))).toBe('intervals');
    expect(chooseSource('auto', phase(3, 20, true), cand(3, 20))).toBe('intervals');
    expect(chooseSource('auto', phase(1, 20, true), cand(1, 20))).toBe('intervals');
  });

  it('compares repetitions when seconds add nothing (phases of a second or less), from six per side', () => {
    expect(chooseSource('auto', phase(6, 1, true), cand(6, 1))).toBe('repetitions');
    expect(chooseSource('auto', phase(6, 0, true), cand(6, 0))).toBe('repetitions');
    expect(chooseSource('auto', phase(8, 20, true), cand(6, 1))).toBe('repetitions');
  });

  it('keeps the older rule for baselines without run structure: repetitions from six per side', () => {
    expect(chooseSource('auto', phase(6, 20, false), cand(6, 20))).toBe('repetitions');
    expect(chooseSource('auto', phase(5, 20, false), cand(6, 20))).toBe('intervals');
  });

  it('counts runs on throughput: a repetition dropped from p99 alone (the generator\'s lag) does not switch the phase to per-second values', () => {
    const c = cand(6, 1);
    const dropped = { repetitions: { ...c.repetitions, p99: c.repetitions.p99.slice(1) }, intervals: { ...c.intervals, p99: c.intervals.p99.slice(1) } };
    expect(chooseSource('auto', phase(6, 1, true), dropped)).toBe('repetitions');
  });

  it('does what it is told outside auto', () => {
    expect(chooseSource('repetitions', phase(1, 20, true), cand(1, 20))).toBe('repetitions');
    expect(chooseSource('intervals', phase(6, 20, false), cand(6, 20))).toBe('intervals');
  });
});

describe('inRuns', () => {
  const unknown: MetricVerdict = { metric: 'p99', baseline: 10, candidate: 11, change: 0.1, minEffect: 0.1, pRank: 0.2, pKs: 0.3, samples: { baseline: 120, candidate: 120 }, verdict: 'UNKNOWN', needed: 50, reason: 'not significant' };

  it('states the seconds an UNKNOWN per-second verdict needs as runs of the same length', () => {
    const v = inRuns(unknown, 'intervals', 6, 120); // 20 s per run: 50 more seconds are 3 more runs
    expect(v.needed).toBe(3);
    expect(v.reason).toMatch(/about 3 more runs of this length/);
    expect(inRuns({ ...unknown, needed: 1 }, 'intervals', 6, 120).needed).toBe(1);
  });

  it('leaves repetition verdicts and decided verdicts alone', () => {
    expect(inRuns(unknown, 'repetitions', 6, 120)).toBe(unknown);
    const same: MetricVerdict = { metric: 'p99', baseline: 10, candidate: 10.1, change: 0.01, minEffect: 0.1, pRank: 0.8, pKs: 0.9, samples: { baseline: 120, candidate: 120 }, verdict: 'SAME', reason: 'no change' };
    expect(inRuns(same, 'intervals', 6, 120)).toBe(same);
  });
});
