import { describe, expect, it } from 'vitest';
import { arrivalsFor, createArrivals, registerArrival, type Arrivals } from '../../../src/scenario/arrivals.js';
import type { ArrivalSpec, PhasePlan, ShapeSpec } from '../../../src/scenario/plan.js';
import { createRandom } from '../../../src/scenario/random.js';
import { createShape } from '../../../src/scenario/shapes.js';

const all = (a: Arrivals): number[] => {
  const out: number[] = [];
  for (let t = a.next(); t !== undefined; t = a.next()) out.push(t);
  return out;
};
const phase = (shape: ShapeSpec, arrival: ArrivalSpec, durationS: number): PhasePlan => ({
  name: 'p',
  startS: 0,
  durationS,
  load: { kind: 'open', shape, arrival },
  slo: null,
});
const times = (shape: ShapeSpec, arrival: ArrivalSpec, durationS: number, seed = 42, index = 0): number[] =>
  all(createArrivals(phase(shape, arrival, durationS), seed, index));
const countIn = (ts: number[], from: number, to: number): number => ts.filter((t) => t >= from && t < to).length;

/** ks returns the Kolmogorov–Smirnov statistic sup |F_n(x) − F(x)| of samples against a continuous cdf. */
function ks(samples: number[], cdf: (x: number) => number): number {
  const xs = [...samples].sort((a, b) => a - b);
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}
/** Critical value of the KS statistic at significance 0.01 for n samples (asymptotic: 1.6276 / √n). */
const ksCritical01 = (n: number): number => 1.6276 / Math.sqrt(n);
const expCdf = (x: number): number => 1 - Math.exp(-x);
const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => t - ts[i]!);

const constant = (rps: number): ShapeSpec => ({ type: 'constant', rps });
const ramp = (fromRps: number, toRps: number): ShapeSpec => ({ type: 'ramp', fromRps, toRps });
const burst: ShapeSpec = { type: 'burst', baseRps: 100, burstRps: 500, everyS: 10, lengthS: 2 };
const C: ArrivalSpec = { type: 'constant' };
const P: ArrivalSpec = { type: 'poisson' };
const G = (burstiness: number): ArrivalSpec => ({ type: 'gamma', burstiness });

describe('constant arrivals', () => {
  it('sends the k-th request when Λ reaches k − ½: evenly spaced, first at half a gap', () => {
    const ts = times(constant(4), C, 2);
    expect(ts).toEqual([0.125, 0.375, 0.625, 0.875, 1.125, 1.375, 1.625, 1.875]);
  });

  it.each<[string, ShapeSpec, number, number]>([
    ['constant 150 rps × 30 s', constant(150), 30, 4500],
    ['constant 0.5 rps × 10 s', constant(0.5), 10, 5],
    ['constant 3 rps × 0.5 s (Λ = 1.5: the second is due at the end, so not sent)', constant(3), 0.5, 1],
    ['ramp 100 → 500 rps × 20 s', ramp(100, 500), 20, 6000],
    ['ramp 0 → 1000 rps × 10 s', ramp(0, 1000), 10, 5000],
    ['ramp 1000 → 0 rps × 10 s', ramp(1000, 0), 10, 5000],
    ['burst 100/500 rps, 2 s every 10 s, × 30 s', burst, 30, 4600],
  ])('%s sends round(Λ(duration)) requests', (_, shape, durationS, count) => {
    const ts = times(shape, C, durationS);
    expect(ts.length).toBe(count);
    expect(ts.every((t, i) => t >= 0 && t < durationS && (i === 0 || t > ts[i - 1]!))).toBe(true);
  });

  it('a ramp from 0 sends nothing at 0, then ever closer', () => {
    const ts = times(ramp(0, 100), C, 10);
    expect(ts[0]).toBeCloseTo(Math.sqrt(0.5 / 5), 9); // Λ(t) = 5t², Λ = ½
    const g = gaps(ts);
    expect(g.every((x, i) => i === 0 || x <= g[i - 1]! + 1e-12)).toBe(true);
  });

  it.each([
    [0, 10, 1000],
    [10, 12, 1000],
    [12, 20, 800],
    [20, 22, 1000],
    [22, 30, 800],
  ])('burst: [%d, %d) holds %d requests', (from, to, count) => {
    expect(countIn(times(burst, C, 30), from, to)).toBe(count);
  });
});

describe('poisson arrivals', () => {
  it('gaps at a constant rate pass a Kolmogorov–Smirnov test against the exponential distribution', () => {
    const rps = 200;
    const g = gaps(times(constant(rps), P, 30)).map((x) => x * rps);
    expect(g.length).toBeGreaterThan(5000);
    expect(ks(g, expCdf)).toBeLessThan(ksCritical01(g.length));
  });

  it('time-changed gaps of a ramp are unit exponentials in Λ (Kolmogorov–Smirnov)', () => {
    const shape = createShape(ramp(50, 500), 20);
    const ts = all(arrivalsFor(shape, P, 20, createRandom(9, 0)));
    const g = gaps(ts.map((t) => shape.integral!(t)));
    expect(ks(g, expCdf)).toBeLessThan(ksCritical01(g.length));
  });

  it('the KS check has teeth: constant gaps fail it', () => {
    const g = gaps(times(constant(200), C, 30)).map((x) => x * 200);
    expect(ks(g, expCdf)).toBeGreaterThan(ksCritical01(g.length));
  });

  it.each<[string, ShapeSpec, number, number]>([
    ['constant 300 rps × 20 s', constant(300), 20, 6000],
    ['ramp 100 → 500 rps × 20 s', ramp(100, 500), 20, 6000],
    ['burst × 30 s', burst, 30, 4600],
  ])('%s: count within 4σ of Λ(duration)', (_, shape, durationS, expected) => {
    const n = times(shape, P, durationS, 7).length;
    expect(Math.abs(n - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('follows the bursts', () => {
    const ts = times(burst, P, 30, 11);
    expect(countIn(ts, 10, 12) / 2).toBeGreaterThan(400);
    expect(countIn(ts, 12, 20) / 8).toBeLessThan(130);
  });
});

describe('gamma arrivals', () => {
  it.each([0.25, 1, 4, 10])('burstiness %d: gap mean 1/rate, CV² = burstiness', (b) => {
    const rps = 1000;
    const g = gaps(times(constant(rps), G(b), 60, 5));
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const variance = g.reduce((s, x) => s + (x - mean) ** 2, 0) / (g.length - 1);
    expect(mean * rps).toBeCloseTo(1, 1);
    expect(Math.abs(variance / mean ** 2 / b - 1)).toBeLessThan(0.15);
  });

  it('burstiness 1 is Poisson (Kolmogorov–Smirnov against the exponential)', () => {
    const g = gaps(times(constant(100), G(1), 60, 3)).map((x) => x * 100);
    expect(ks(g, expCdf)).toBeLessThan(ksCritical01(g.length));
  });
});

describe('reproducibility', () => {
  it.each<[string, ArrivalSpec]>([
    ['poisson', P],
    ['gamma', G(4)],
  ])('%s: the same seed and phase give the same times; others differ', (_, spec) => {
    const a = times(constant(100), spec, 5, 42, 2);
    expect(times(constant(100), spec, 5, 42, 2)).toEqual(a);
    expect(times(constant(100), spec, 5, 43, 2)).not.toEqual(a);
    expect(times(constant(100), spec, 5, 42, 3)).not.toEqual(a);
  });

  it('a phase depends only on the seed and its index, not on what else is in the plan', () => {
    // Phase 1 alone, and phase 1 after another phase 0 was consumed first: the same stream.
    const alone = times(constant(100), P, 5, 42, 1);
    all(createArrivals(phase(constant(300), P, 5), 42, 0));
    expect(times(constant(100), P, 5, 42, 1)).toEqual(alone);
  });
});

describe('trace replay', () => {
  const trace: ShapeSpec = { type: 'trace', file: 't.csv', offsetsS: [0, 0.5, 1, 1, 2.5, 4], speed: 1 };

  it.each<[string, ShapeSpec, number, number[]]>([
    ['as recorded, the last line included', trace, 4, [0, 0.5, 1, 1, 2.5, 4]],
    ['twice as fast', { ...trace, speed: 2 }, 2, [0, 0.25, 0.5, 0.5, 1.25, 2]],
    ['cut at a shorter duration', trace, 1.5, [0, 0.5, 1, 1]],
  ])('%s', (_, shape, durationS, expected) => {
    expect(times(shape, C, durationS)).toEqual(expected);
  });

  it('ignores the arrival spec (the trace dictates send times)', () => {
    expect(times(trace, P, 4)).toEqual([0, 0.5, 1, 1, 2.5, 4]);
  });
});

describe('createArrivals', () => {
  it('refuses closed-loop phases', () => {
    const closed: PhasePlan = { name: 'c', startS: 0, durationS: 5, load: { kind: 'closed', concurrency: 4 }, slo: null };
    expect(() => createArrivals(closed, 1, 0)).toThrow(/closed-loop/);
  });

  it('throws when an arrival type is registered twice', () => {
    expect(() => registerArrival('poisson', () => ({ next: () => undefined, skip: () => 0 }))).toThrow(/already registered/);
  });

  it('keeps returning undefined after the end', () => {
    const a = createArrivals(phase(constant(2), C, 1), 1, 0);
    expect([a.next(), a.next(), a.next(), a.next()]).toEqual([0.25, 0.75, undefined, undefined]);
  });
});
