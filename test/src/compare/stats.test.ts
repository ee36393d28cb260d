/**
 * Statistics against known values (computed with SciPy 1.17: mannwhitneyu two-sided, ks_2samp; 'auto' methods)
 * and edge cases: ties, tiny samples, identical inputs.
 */
import { describe, expect, it } from 'vitest';
import { kolmogorovSf, ksTwoSample, mannWhitney, median, normalQuantile, normalSf, ranks } from '../../../src/compare/stats.js';

const range = (n: number, add = 0): number[] => Array.from({ length: n }, (_, i) => i + add);

describe('mannWhitney', () => {
  it.each([
    ['separated, exact', [1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0, 0.007936507936507936, 'exact'],
    ['overlapping, exact', [1.1, 2.2, 3.3, 4.4], [2.5, 3.5, 4.5, 5.5, 6.5], 3, 0.1111111111111111, 'exact'],
    ['ties, normal', [3, 1, 4, 1, 5, 9, 2, 6], [5, 3, 5, 8, 9, 7, 9, 3], 17, 0.12415307686326289, 'normal'],
    ['large with ties, normal', range(30), range(30, 5), 312.5, 0.04274735330571392, 'normal'],
    ['many ties', [1, 2, 2, 3, 3, 3, 4, 4, 4, 4], [2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6], 25, 0.03228809440576987, 'normal'],
  ] as const)('%s', (_name, x, y, u, p, method) => {
    const r = mannWhitney(x, y);
    expect(r.u).toBe(u);
    expect(r.p).toBeCloseTo(p, 6);
    expect(r.method).toBe(method);
  });

  it('identical samples give p = 1', () => {
    expect(mannWhitney([10, 10, 10], [10, 10, 10]).p).toBe(1);
    expect(mannWhitney([1, 2, 3], [1, 2, 3]).p).toBe(1);
  });

  it('an empty sample gives p = 1', () => {
    expect(mannWhitney([], [1, 2]).p).toBe(1);
  });

  it('is symmetric in its p-value', () => {
    const x = [5, 9, 2, 7, 7, 1];
    const y = [8, 3, 6, 6, 10];
    expect(mannWhitney(x, y).p).toBeCloseTo(mannWhitney(y, x).p, 12);
  });
});

describe('ranks', () => {
  it('gives 1-based ranks in place, ties their average (as scipy.stats.rankdata)', () => {
    expect(ranks([30, 10, 20])).toEqual([3, 1, 2]);
    expect(ranks([5, 1, 5, 5, 0])).toEqual([4, 2, 4, 4, 1]);
    expect(ranks([])).toEqual([]);
  });
});

describe('ksTwoSample', () => {
  it.each([
    ['separated', [1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 1, 0.007936507936507936],
    ['overlapping', [1.1, 2.2, 3.3, 4.4], [2.5, 3.5, 4.5, 5.5, 6.5], 0.6, 0.2857142857142857],
    ['ties', [3, 1, 4, 1, 5, 9, 2, 6], [5, 3, 5, 8, 9, 7, 9, 3], 0.375, 0.6601398601398599],
    ['shifted', range(30), range(30, 5), 0.16666666666666666, 0.8079631540901643],
    ['many ties', [1, 2, 2, 3, 3, 3, 4, 4, 4, 4], [2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6], 0.45454545454545453, 0.13599042856008803],
  ] as const)('%s', (_name, x, y, d, p) => {
    const r = ksTwoSample(x, y);
    expect(r.d).toBeCloseTo(d, 12);
    expect(r.p).toBeCloseTo(p, 6);
  });

  it('identical samples give D = 0 and p = 1', () => {
    const r = ksTwoSample([4, 4, 4], [4, 4, 4]);
    expect(r.d).toBe(0);
    expect(r.p).toBe(1);
  });

  it('uses the asymptotic distribution for large samples', () => {
    const r = ksTwoSample(range(200), range(200, 40));
    expect(r.method).toBe('asymptotic');
    expect(r.d).toBeCloseTo(0.2, 12);
    expect(r.p).toBeLessThan(0.001);
  });
});

describe('distributions', () => {
  it.each([
    [0, 0.5],
    [1.959963984540054, 0.025],
    [2.5758293035489, 0.005],
    [-1, 0.8413447460685429],
  ])('normalSf(%d) = %d', (z, p) => expect(normalSf(z)).toBeCloseTo(p, 6));

  it.each([[0.975, 1.959963984540054], [0.5, 0], [0.01, -2.3263478740408408], [0.9999, 3.719016485455709]])('normalQuantile(%d)', (p, z) =>
    expect(normalQuantile(p)).toBeCloseTo(z, 7),
  );

  it('kolmogorovSf matches known values', () => {
    expect(kolmogorovSf(1.358)).toBeCloseTo(0.05, 3);
    expect(kolmogorovSf(1.628)).toBeCloseTo(0.01, 3);
    expect(kolmogorovSf(0.1)).toBe(1);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('serialCorrelationFactor', () => {
  it('is 1 for alternating (anti-correlated) or short series and grows with positive correlation', async () => {
    const { serialCorrelationFactor } = await import('../../../src/compare/stats.js');
    expect(serialCorrelationFactor([1, 2, 1, 2, 1, 2, 1, 2])).toBe(1);
    expect(serialCorrelationFactor([1, 2, 3])).toBe(1);
    const trend = Array.from({ length: 40 }, (_, i) => i);
    expect(serialCorrelationFactor(trend)).toBeGreaterThan(5);
  });

  it('widens the rank test for correlated samples', () => {
    const x = Array.from({ length: 20 }, (_, i) => i);
    const y = Array.from({ length: 20 }, (_, i) => i + 6);
    expect(mannWhitney(x, y, 4).p).toBeGreaterThan(mannWhitney(x, y).p);
    expect(ksTwoSample(x, y, 4).p).toBeGreaterThan(ksTwoSample(x, y).p);
  });
});

describe('clusteredVarianceFactor', () => {
  it('is about 1 for independent values split into runs', async () => {
    const { clusteredVarianceFactor } = await import('../../../src/compare/stats.js');
    // A fixed, irregular sequence with no run-level shift and no trend.
    const x = [5, 3, 6, 2, 7, 4, 5, 6, 3, 4, 7, 2, 6, 5, 3];
    expect(clusteredVarianceFactor(x, [5, 5, 5])).toBeLessThan(1.5);
  });

  it('approaches the run length when runs differ and seconds within a run agree', async () => {
    const { clusteredVarianceFactor } = await import('../../../src/compare/stats.js');
    const x = [1, 1.01, 0.99, 1.6, 1.61, 1.59, 1.3, 1.31, 1.29];
    const f = clusteredVarianceFactor(x, [3, 3, 3]);
    expect(f).toBeGreaterThan(2.8);
    expect(f).toBeLessThanOrEqual(3);
  });

  it('does not take a shift between runs for a long within-run correlation (bounded by the run length)', async () => {
    const { clusteredVarianceFactor, serialCorrelationFactor } = await import('../../../src/compare/stats.js');
    const x = [1.115, 1.188, 1.187, 1.274, 1.455, 1.845, 1.621, 1.582, 1.767];
    expect(serialCorrelationFactor(x)).toBeGreaterThan(3);
    expect(clusteredVarianceFactor(x, [3, 3, 3])).toBeLessThanOrEqual(3);
  });

  it('falls back to the AR(1) factor for one run or unknown sizes, capped at the length', async () => {
    const { clusteredVarianceFactor, serialCorrelationFactor } = await import('../../../src/compare/stats.js');
    const trend = Array.from({ length: 8 }, (_, i) => i);
    expect(clusteredVarianceFactor(trend)).toBe(Math.min(8, serialCorrelationFactor(trend)));
    expect(clusteredVarianceFactor(trend, [8])).toBe(clusteredVarianceFactor(trend));
    expect(clusteredVarianceFactor(trend, [3, 3])).toBe(clusteredVarianceFactor(trend)); // sizes that do not add up
    expect(clusteredVarianceFactor([1, 2, 3], [1, 1, 1])).toBe(1); // one value per run: independent runs
  });
});
