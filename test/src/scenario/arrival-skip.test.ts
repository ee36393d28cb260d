/**
 * Arrivals.skip: discarding a stretch of arrivals without drawing them one by one. Constant and trace arrivals
 * skip exactly what next() would have returned; gamma arrivals do too while the walk is short; Poisson counts are
 * Poisson-distributed (the sampler is checked against the distribution), and gamma's long skips follow the
 * renewal approximation. Skips at absurd rates take constant time.
 */
import { describe, expect, it } from 'vitest';
import { type Arrivals, createArrivals, GAMMA_WALK_LIMIT } from '../../../src/scenario/arrivals.js';
import { logFactorial, poisson } from '../../../src/scenario/distributions.js';
import type { ArrivalSpec, PhasePlan, ShapeSpec } from '../../../src/scenario/plan.js';
import { createRandom } from '../../../src/scenario/random.js';

const phase = (shape: ShapeSpec, arrival: ArrivalSpec, durationS: number): PhasePlan => ({ name: 'p', startS: 0, durationS, load: { kind: 'open', shape, arrival }, slo: null });
const all = (a: Arrivals): number[] => {
  const out: number[] = [];
  for (let t = a.next(); t !== undefined; t = a.next()) out.push(t);
  return out;
};
const C: ArrivalSpec = { type: 'constant' };
const P: ArrivalSpec = { type: 'poisson' };
const constant = (rps: number): ShapeSpec => ({ type: 'constant', rps });
const ramp: ShapeSpec = { type: 'ramp', fromRps: 0, toRps: 400 };
const burst: ShapeSpec = { type: 'burst', baseRps: 100, burstRps: 500, everyS: 3, lengthS: 1 };
const trace: ShapeSpec = { type: 'trace', file: 't.csv', offsetsS: [0, 0.5, 1, 1, 2.5, 4], speed: 1 };

/** skipping replays a phase with skips at `cuts`, returning the times next() gave and the total skipped. */
function skipping(a: Arrivals, cuts: number[]): { seen: number[]; skipped: number } {
  const seen: number[] = [];
  let skipped = 0;
  for (const cut of cuts) {
    skipped += a.skip(cut);
    const t = a.next();
    if (t === undefined) return { seen, skipped };
    seen.push(t);
  }
  for (let t = a.next(); t !== undefined; t = a.next()) seen.push(t);
  return { seen, skipped };
}

describe('Arrivals.skip', () => {
  it.each<[string, ShapeSpec, ArrivalSpec, number]>([
    ['constant rate, constant arrivals', constant(300), C, 10],
    ['ramp from 0, constant arrivals', ramp, C, 10],
    ['burst, constant arrivals', burst, C, 10],
    ['ramp, gamma arrivals (short walks are exact)', ramp, { type: 'gamma', burstiness: 3 }, 10],
    ['trace replay', trace, P, 4],
  ])('%s: skips exactly the arrivals before each cut, and next() goes on from there', (_, shape, arrival, durationS) => {
    const full = all(createArrivals(phase(shape, arrival, durationS), 5, 0));
    const cuts = [0, 0.0001, 0.5, 0.5, 1, 2.2, 2.7, 4, 7.3];
    const { seen, skipped } = skipping(createArrivals(phase(shape, arrival, durationS), 5, 0), cuts);
    expect(seen.length + skipped).toBe(full.length);
    // The same walk over the full list: a skip moves past every time before the cut, next() takes one.
    const expected: number[] = [];
    let i = 0;
    for (const cut of cuts) {
      while (i < full.length && full[i]! < cut) i++;
      if (i >= full.length) break;
      expected.push(full[i++]!);
    }
    expected.push(...full.slice(i));
    expect(seen).toEqual(expected);
  });

  it('past the phase end it skips the rest, and the phase is over', () => {
    const a = createArrivals(phase(constant(100), C, 2), 1, 0);
    expect(a.skip(1)).toBe(100);
    expect(a.skip(Infinity)).toBe(100);
    expect(a.next()).toBeUndefined();
    expect(a.skip(Infinity)).toBe(0);
  });

  it('a trace keeps its last line (due at the phase end) until a skip passes it', () => {
    const a = createArrivals(phase(trace, C, 4), 1, 0);
    expect(a.skip(4)).toBe(5);
    expect(a.next()).toBe(4);
    expect(a.next()).toBeUndefined();
  });

  it('counts 1e12 rps exactly at once', () => {
    const a = createArrivals(phase(constant(1e12), C, 10), 1, 0);
    expect(a.skip(2.5)).toBe(2.5e12);
    expect(a.next()).toBeCloseTo(2.5, 9);
    expect(a.skip(Infinity)).toBe(7.5e12 - 1);
  });

  it('poisson skips are Poisson: mean and variance of the count over many seeds', () => {
    const counts = Array.from({ length: 2000 }, (_, seed) => {
      const a = createArrivals(phase(constant(50), P, 10), seed, 0);
      return a.skip(1) + a.skip(2);
    });
    const mean = counts.reduce((s, x) => s + x, 0) / counts.length;
    const variance = counts.reduce((s, x) => s + (x - mean) ** 2, 0) / (counts.length - 1);
    // 100 expected; the mean of 2000 counts has sd 0.22, the variance estimate sd about 3.2.
    expect(Math.abs(mean - 100)).toBeLessThan(1);
    expect(Math.abs(variance - 100)).toBeLessThan(15);
  });

  it.each([0.25, 4])('gamma (burstiness %d): long skips follow the renewal approximation N(L, b·L)', (b) => {
    const L = 50 * GAMMA_WALK_LIMIT;
    const counts = Array.from({ length: 1000 }, (_, seed) => createArrivals(phase(constant(L), { type: 'gamma', burstiness: b }, 2), seed, 0).skip(1));
    const mean = counts.reduce((s, x) => s + x, 0) / counts.length;
    const variance = counts.reduce((s, x) => s + (x - mean) ** 2, 0) / (counts.length - 1);
    expect(Math.abs(mean - L) / Math.sqrt(b * L)).toBeLessThan(0.2);
    expect(Math.abs(variance / (b * L) - 1)).toBeLessThan(0.15);
  });
});

describe('poisson()', () => {
  it.each([0.3, 4, 9.99, 10, 37, 1e4, 1e6, 1e9])('mean %d: sample mean and variance match', (mean) => {
    const r = createRandom(3, `poisson-${mean}`);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => poisson(r, mean));
    const m = xs.reduce((s, x) => s + x, 0) / n;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(mean / n));
    expect(Math.abs(v / mean - 1)).toBeLessThan(0.06);
  });

  it.each([3, 25, 400])('mean %d: the frequencies pass a chi-square test against the pmf', (mean) => {
    const r = createRandom(8, `chi-${mean}`);
    const n = 50_000;
    const freq = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = poisson(r, mean);
      freq.set(k, (freq.get(k) ?? 0) + 1);
    }
    const pmf = (k: number): number => Math.exp(-mean + k * Math.log(mean) - logFactorial(k));
    // Bins with an expected count of at least 20; the tails pooled into the end bins.
    const lo = Math.max(0, Math.floor(mean - 4 * Math.sqrt(mean)));
    const hi = Math.ceil(mean + 4 * Math.sqrt(mean));
    let chi = 0;
    let bins = 0;
    let tailObs = 0;
    let tailExp = 0;
    for (let k = 0; k <= hi + 50; k++) {
      const e = n * pmf(k);
      const o = freq.get(k) ?? 0;
      if (k < lo || k > hi || e < 20) {
        tailObs += o;
        tailExp += e;
        continue;
      }
      chi += (o - e) ** 2 / e;
      bins++;
    }
    chi += (tailObs - tailExp) ** 2 / Math.max(tailExp, 1);
    bins++;
    // The 99.9th percentile of chi-square with k degrees of freedom is below k + 4.5·√(2k) + 10 for these sizes.
    expect(chi).toBeLessThan(bins + 4.5 * Math.sqrt(2 * bins) + 10);
  });

  it('logFactorial agrees with the sum of logarithms', () => {
    let sum = 0;
    for (let k = 1; k <= 200; k++) {
      sum += Math.log(k);
      expect(logFactorial(k)).toBeCloseTo(sum, 9);
    }
  });
});
