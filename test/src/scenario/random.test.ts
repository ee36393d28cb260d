import { describe, expect, it } from 'vitest';
import { exponential, gamma, normal } from '../../../src/scenario/distributions.js';
import { createRandom, xoshiro128FromState } from '../../../src/scenario/random.js';

const take = (n: number, f: () => number): number[] => Array.from({ length: n }, f);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

describe('xoshiro128**', () => {
  it('matches the reference outputs from state [1, 2, 3, 4]', () => {
    const r = xoshiro128FromState([1, 2, 3, 4]);
    expect(take(3, () => r.uint32())).toEqual([11520, 0, 5927040]);
  });

  it('gives floats in [0, 1) with mean 1/2 and variance 1/12', () => {
    const xs = take(100_000, () => createRandom(7).next());
    const r = createRandom(7);
    const ys = take(100_000, () => r.next());
    expect(new Set(xs).size).toBe(1); // a fresh stream starts at the same place
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ys)).toBeLessThan(1);
    expect(mean(ys)).toBeCloseTo(0.5, 2);
    expect(variance(ys)).toBeCloseTo(1 / 12, 3);
  });
});

describe('createRandom streams', () => {
  const first = (seed: number, stream: number | string): number[] => {
    const r = createRandom(seed, stream);
    return take(4, () => r.uint32());
  };

  it('repeats for the same seed and stream', () => {
    expect(first(42, 3)).toEqual(first(42, 3));
    expect(first(42, 'payloads')).toEqual(first(42, 'payloads'));
  });

  it.each([
    [42, 0, 42, 1],
    [42, 0, 43, 0],
    [0, 0, 0, 1],
    [42, 0, 42, 'payloads'],
    [2 ** 40, 0, 2 ** 40 + 1, 0],
  ])('seed %d stream %j differs from seed %d stream %j', (s1, k1, s2, k2) => {
    expect(first(s1, k1)).not.toEqual(first(s2, k2));
  });
});

describe('distributions', () => {
  it('exponential has mean 1 and variance 1', () => {
    const r = createRandom(1, 'exp');
    const xs = take(50_000, () => exponential(r));
    expect(mean(xs)).toBeCloseTo(1, 1);
    expect(variance(xs)).toBeCloseTo(1, 1);
  });

  it('normal has mean 0 and variance 1', () => {
    const r = createRandom(1, 'normal');
    const xs = take(50_000, () => normal(r));
    expect(mean(xs)).toBeCloseTo(0, 1);
    expect(variance(xs)).toBeCloseTo(1, 1);
  });

  it.each([0.1, 0.25, 0.5, 1, 2, 9.5])('gamma with shape %d has mean and variance equal to the shape', (k) => {
    const r = createRandom(3, `gamma-${k}`);
    const xs = take(60_000, () => gamma(r, k));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(mean(xs) / k).toBeCloseTo(1, 1);
    expect(Math.abs(variance(xs) / k - 1)).toBeLessThan(0.1);
  });

  it('gamma rejects a shape that is not positive', () => {
    expect(() => gamma(createRandom(1), 0)).toThrow(RangeError);
  });
});
