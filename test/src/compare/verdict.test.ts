/**
 * Verdicts on synthetic samples: A/A gives SAME, a shift gives REGRESSED or IMPROVED by direction, too few
 * samples give UNKNOWN with the number needed.
 */
import { describe, expect, it } from 'vitest';
import { judge, requiredSamples, type MetricRule } from '../../../src/compare/verdict.js';
import { createRandom } from '../../../src/scenario/random.js';

const p99: MetricRule = { metric: 'p99', higherIsWorse: true, minEffect: 0.1 };
const throughput: MetricRule = { metric: 'throughput', higherIsWorse: false, minEffect: 0.05 };

/** noisy draws n values around `center` with ±spread relative noise, from a seeded stream. */
function noisy(n: number, center: number, spread: number, stream: string): number[] {
  const r = createRandom(7, stream);
  return Array.from({ length: n }, () => center * (1 + spread * (r.next() * 2 - 1)));
}

describe('judge', () => {
  it('A/A with enough samples is SAME', () => {
    const v = judge(noisy(30, 10, 0.03, 'a'), noisy(30, 10, 0.03, 'b'), p99);
    expect(v.verdict).toBe('SAME');
  });

  it('a 25 % higher p99 is REGRESSED', () => {
    const v = judge(noisy(10, 10, 0.03, 'a'), noisy(10, 12.5, 0.03, 'b'), p99);
    expect(v.verdict).toBe('REGRESSED');
    expect(v.change).toBeCloseTo(0.25, 1);
  });

  it('a 25 % lower p99 is IMPROVED', () => {
    expect(judge(noisy(10, 10, 0.03, 'a'), noisy(10, 7.5, 0.03, 'b'), p99).verdict).toBe('IMPROVED');
  });

  it('lower throughput is REGRESSED', () => {
    expect(judge(noisy(10, 1000, 0.01, 'a'), noisy(10, 900, 0.01, 'b'), throughput).verdict).toBe('REGRESSED');
  });

  it('a significant change below the minimum effect is SAME', () => {
    const v = judge(noisy(40, 10, 0.005, 'a'), noisy(40, 10.3, 0.005, 'b'), p99);
    expect(v.verdict).toBe('SAME');
    expect(v.reason).toMatch(/below the minimum effect/);
  });

  it('too few samples is UNKNOWN with how many more are needed', () => {
    const v = judge([10, 11], [12, 13], p99);
    expect(v.verdict).toBe('UNKNOWN');
    expect(v.needed).toBeGreaterThanOrEqual(1);
  });

  it('a large but noisy change with few samples is UNKNOWN, naming the samples that would decide', () => {
    const v = judge(noisy(4, 10, 0.4, 'a'), noisy(4, 12, 0.4, 'b'), p99);
    expect(v.verdict).toBe('UNKNOWN');
    expect(v.needed).toBeGreaterThan(0);
    expect(v.reason).toMatch(/would decide/);
  });

  it('identical constant samples are SAME', () => {
    expect(judge([5, 5, 5, 5], [5, 5, 5, 5], p99).verdict).toBe('SAME');
  });

  it('error rates are judged as absolute differences', () => {
    const rule: MetricRule = { metric: 'error_rate', higherIsWorse: true, minEffect: 0.01, absolute: true };
    const v = judge([0, 0, 0, 0, 0, 0], [0.05, 0.06, 0.04, 0.05, 0.05, 0.07], rule);
    expect(v.verdict).toBe('REGRESSED');
    expect(v.change).toBeCloseTo(0.05, 3);
  });
});

describe('requiredSamples', () => {
  it('grows with the spread and shrinks with the effect', () => {
    const tight = requiredSamples(noisy(20, 10, 0.02, 'a'), noisy(20, 10, 0.02, 'b'), p99);
    const loose = requiredSamples(noisy(20, 10, 0.2, 'a'), noisy(20, 10, 0.2, 'b'), p99);
    expect(loose).toBeGreaterThan(tight);
    expect(requiredSamples(noisy(20, 10, 0.2, 'a'), noisy(20, 10, 0.2, 'b'), { ...p99, minEffect: 0.3 })).toBeLessThan(loose);
  });
});

describe('judge on per-second samples from several runs', () => {
  // Three runs of eight seconds per side; each run has its own level (run-to-run drift), seconds vary around it.
  const runs = (levels: number[], stream: string): number[] => levels.flatMap((l, i) => noisy(8, l, 0.02, `${stream}${i}`));
  const sizes = [8, 8, 8];

  it('widens the tests by the design effect: a shift as large as the run-to-run drift is not called', () => {
    const base = runs([10, 11, 12], 'a');
    const cand = runs([11.5, 12.5, 13.5], 'b');
    expect(judge(base, cand, p99).verdict).toBe('REGRESSED'); // as if the 24 seconds were independent
    const v = judge(base, cand, p99, undefined, { baselineRuns: sizes, candidateRuns: sizes });
    expect(v.verdict).toBe('UNKNOWN');
    expect(v.designEffect).toBeGreaterThan(4);
    expect(v.designEffect).toBeLessThanOrEqual(8);
  });

  it('calls a large shift when the runs agree with each other', () => {
    const steady = (levels: number[], stream: string): number[] => levels.flatMap((l, i) => noisy(8, l, 0.1, `${stream}${i}`));
    const v = judge(steady([10, 10.1, 9.9], 'a'), steady([14, 14.1, 13.9], 'b'), p99, undefined, { baselineRuns: sizes, candidateRuns: sizes });
    expect(v.designEffect).toBeLessThan(3);
    expect(v.verdict).toBe('REGRESSED');
  });

  it('measures the design effect on ranks: one huge second does not hide the runs\' own levels', () => {
    // Run levels as above, but on each side one second is a 40x spike (a stall). On the raw values that second
    // dominates the within-run variance and the run structure seems to vanish (design effect 1.0); the rank test
    // does not see magnitudes, and neither does its design effect.
    const base = runs([10, 11, 12], 'a');
    base[3] = 400;
    const cand = runs([11.5, 12.5, 13.5], 'b');
    cand[11] = 400;
    const v = judge(base, cand, p99, undefined, { baselineRuns: sizes, candidateRuns: sizes });
    expect(v.designEffect).toBeGreaterThan(4);
    expect(v.verdict).toBe('UNKNOWN');
  });

  it('cannot call even a large shift when each run is its own level: three runs a side are three values', () => {
    const v = judge(runs([10, 10.3, 10.6], 'a'), runs([14, 14.3, 14.6], 'b'), p99, undefined, { baselineRuns: sizes, candidateRuns: sizes });
    expect(v.verdict).toBe('UNKNOWN');
    expect(v.designEffect).toBeGreaterThan(5);
  });
});
