/**
 * Token-length distributions: draws stay within [min, max], and their means, spreads and quantiles are those of
 * the distribution named (within sampling error of 20,000 draws); truncation mass is computed right.
 */
import { describe, expect, it } from 'vitest';
import { lengthSampler, normalCdf, truncatedMass } from '../../../src/llm/length-sampler.js';
import { createRandom } from '../../../src/scenario/random.js';
import type { LengthDist } from '../../../src/targets/llm-spec.js';

const N = 20_000;
function draws(dist: LengthDist, seed = 1): number[] {
  const next = lengthSampler(dist, createRandom(seed, 'test'));
  return Array.from({ length: N }, next);
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

describe('lengthSampler', () => {
  it('draws a fixed length', () => {
    expect(new Set(draws({ kind: 'fixed', value: 77 }))).toEqual(new Set([77]));
  });

  it('draws uniform integers over [min, max], both ends included', () => {
    const xs = draws({ kind: 'uniform', min: 32, max: 256 });
    expect(Math.min(...xs)).toBe(32);
    expect(Math.max(...xs)).toBe(256);
    expect(mean(xs)).toBeCloseTo(144, -0.3); // ±1.6 (the standard error is 0.46)
    expect(quantile(xs, 0.25)).toBeGreaterThan(84 - 4);
    expect(quantile(xs, 0.25)).toBeLessThan(88 + 4);
  });

  it('draws a normal with its mean and stddev, truncated to [min, max]', () => {
    const xs = draws({ kind: 'normal', mean: 500, stddev: 100, min: 1, max: 1_048_576 });
    expect(Math.abs(mean(xs) - 500)).toBeLessThan(3);
    expect(Math.abs(sd(xs) - 100)).toBeLessThan(3);
    const cut = draws({ kind: 'normal', mean: 500, stddev: 100, min: 450, max: 520 });
    expect(Math.min(...cut)).toBe(450);
    expect(Math.max(...cut)).toBe(520);
    expect(Math.abs(mean(cut) - 485.6)).toBeLessThan(1); // the truncated normal's mean, μ + σ(φ(a) − φ(b))/(Φ(b) − Φ(a)) over [449.5, 520.5]
  });

  it('draws a lognormal with its median and sigma, truncated to [min, max]', () => {
    const xs = draws({ kind: 'lognormal', median: 200, sigma: 0.6, min: 1, max: 1_048_576 });
    expect(Math.abs(quantile(xs, 0.5) / 200 - 1)).toBeLessThan(0.03);
    // The 84th percentile is median · e^σ.
    expect(Math.abs(quantile(xs, 0.8413) / (200 * Math.exp(0.6)) - 1)).toBeLessThan(0.04);
    const cut = draws({ kind: 'lognormal', median: 200, sigma: 0.6, min: 8, max: 300 });
    expect(Math.min(...cut)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...cut)).toBe(300);
  });

  it("draws a file's counts uniformly", () => {
    const xs = draws({ kind: 'file', file: 'lengths.txt', values: [10, 20, 20, 90] });
    const share = (v: number): number => xs.filter((x) => x === v).length / N;
    expect(Math.abs(share(10) - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(share(20) - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(share(90) - 0.25)).toBeLessThan(0.02);
  });

  it('draws the same lengths from the same seed', () => {
    const dist: LengthDist = { kind: 'lognormal', median: 100, sigma: 1, min: 1, max: 5000 };
    expect(draws(dist, 5)).toEqual(draws(dist, 5));
    expect(draws(dist, 6)).not.toEqual(draws(dist, 5));
  });
});

describe('truncatedMass', () => {
  it.each<[LengthDist, number]>([
    [{ kind: 'normal', mean: 0.5, stddev: 1e-9, min: 0, max: 1 }, 1],
    [{ kind: 'normal', mean: 100, stddev: 10, min: 1, max: 100 }, normalCdf(0.05)],
    [{ kind: 'normal', mean: 100, stddev: 1, min: 500, max: 600 }, 0],
    [{ kind: 'lognormal', median: 200, sigma: 0.6, min: 1, max: 1e6 }, 1],
    [{ kind: 'uniform', min: 1, max: 2 }, 1],
  ])('of %j is %f', (dist, mass) => {
    expect(truncatedMass(dist)).toBeCloseTo(mass, 5);
  });

  it('uses a normal distribution function accurate to 1e-7', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980, 7);
  });
});
