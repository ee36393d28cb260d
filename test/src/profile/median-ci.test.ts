import { describe, expect, it } from 'vitest';
import { medianCi, medianRanks, quantileSorted } from '../../../src/profile/median-ci.js';

describe('medianRanks', () => {
  // Known ranks of the distribution-free 95 % interval of the median (binomial tables).
  it.each([
    [5, null],
    [6, [1, 6]],
    [10, [2, 9]],
    [20, [6, 15]],
    [100, [40, 61]],
  ])('n = %i gives %j', (n, ranks) => {
    expect(medianRanks(n)).toEqual(ranks);
  });

  it('covers the median with at least 95 % probability, exactly below 1000 samples and approximately above', () => {
    for (const n of [6, 7, 30, 101, 999, 1001, 5000]) {
      const [l] = medianRanks(n)!;
      // P(B <= l - 1) for B ~ Binomial(n, 1/2), by the normal approximation with continuity correction.
      const z = (l - 1 + 0.5 - n / 2) / Math.sqrt(n / 4);
      expect(z).toBeLessThan(-1.9);
    }
  });
});

describe('medianCi', () => {
  it('takes the order statistics of made-up samples and states the half-width as a share', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 10 + i); // 10..29, shuffled below
    samples.reverse();
    const ci = medianCi(samples)!;
    expect(ci.median).toBe(19.5);
    expect(ci.lo).toBe(15); // 6th smallest
    expect(ci.hi).toBe(24); // 15th smallest
    expect(ci.share).toBeCloseTo(4.5 / 19.5, 10);
  });

  it('narrows as samples of a tight distribution accumulate', () => {
    const tight = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 100) / 1000);
    expect(medianCi(tight)!.share).toBeLessThan(0.05);
    expect(medianCi(tight.slice(0, 5))).toBeNull();
  });

  it('quantileSorted takes nearest ranks', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileSorted(s, 0.99)).toBe(99);
    expect(quantileSorted(s, 0.5)).toBe(50);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});
