import { describe, expect, it } from 'vitest';
import { createArrivals, type Arrivals } from '../../../src/scenario/arrivals.js';
import type { ArrivalSpec, PhasePlan, ShapeSpec } from '../../../src/scenario/plan.js';
import { concurrencyShare, type ShardSpec } from '../../../src/scenario/shard.js';
import { OwnArrivals } from '../../../src/load/own-arrivals.js';

const all = (a: Arrivals): number[] => {
  const out: number[] = [];
  for (let t = a.next(); t !== undefined; t = a.next()) out.push(t);
  return out;
};
const phase = (shape: ShapeSpec, arrival: ArrivalSpec, durationS: number): PhasePlan => ({ name: 'p', startS: 0, durationS, load: { kind: 'open', shape, arrival }, slo: null });
const shardTimes = (p: PhasePlan, shard: ShardSpec, seed = 7): number[] => all(createArrivals(p, seed, 0, shard));
const union = (p: PhasePlan, n: number, seed = 7): number[] =>
  Array.from({ length: n }, (_, index) => shardTimes(p, { index, count: n }, seed))
    .flat()
    .sort((a, b) => a - b);

const CONSTANT = { type: 'constant' } as const;
const POISSON = { type: 'poisson' } as const;

describe('constant arrivals split over shards', () => {
  it.each([
    ['150 rps, 3 shards', { type: 'constant', rps: 150 } as ShapeSpec, 10, 3],
    ['7 rps, 4 shards (shards of unequal count)', { type: 'constant', rps: 7 } as ShapeSpec, 3, 4],
    ['a ramp 0 → 400 rps, 5 shards', { type: 'ramp', fromRps: 0, toRps: 400 } as ShapeSpec, 6, 5],
    ['bursts, 2 shards', { type: 'burst', baseRps: 50, burstRps: 500, everyS: 2, lengthS: 0.5 } as ShapeSpec, 6, 2],
    ['more shards than arrivals', { type: 'constant', rps: 2 } as ShapeSpec, 1, 7],
  ])('%s: the union equals the unsharded sequence exactly', (_, shape, durationS, n) => {
    const p = phase(shape, CONSTANT, durationS);
    expect(union(p, n)).toEqual(shardTimes(p, { index: 0, count: 1 }));
  });

  it('shard I of N sends the global arrivals k ≡ I (mod N): offset I/N of the interval', () => {
    const p = phase({ type: 'constant', rps: 100 }, CONSTANT, 1);
    const whole = shardTimes(p, { index: 0, count: 1 });
    for (let index = 0; index < 3; index++) expect(shardTimes(p, { index, count: 3 })).toEqual(whole.filter((_, k) => k % 3 === index));
    // 100 rps: interval 10 ms, shard 1 of 3 starts at the middle of the second slot (15 ms) and steps by 30 ms.
    expect(shardTimes(p, { index: 1, count: 3 }).slice(0, 2)).toEqual([0.015, 0.045].map((t) => expect.closeTo(t, 12)));
  });

  it('skips in bulk and counts exactly what the shard would have sent', () => {
    const p = phase({ type: 'constant', rps: 1e6 }, CONSTANT, 100);
    const a = createArrivals(p, 1, 0, { index: 2, count: 3 });
    const t0 = performance.now();
    // Arrivals k ≡ 2 (mod 3) with k − ½ < 5e7 (1e6 rps · 50 s): k = 2, 5, …, 49 999 998.
    expect(a.skip(50)).toBe(16_666_666);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(a.next()).toBeCloseTo((50_000_000 + 0.5) / 1e6, 9);
  });
});

describe('poisson arrivals split over shards', () => {
  it('each shard is a Poisson process at rate/N: counts and gaps', () => {
    const p = phase({ type: 'constant', rps: 2000 }, POISSON, 50);
    const n = 4;
    const counts = Array.from({ length: n }, (_, index) => shardTimes(p, { index, count: n }, 11));
    for (const ts of counts) {
      // 25 000 expected per shard; the Poisson sd is 158: 5 sd.
      expect(Math.abs(ts.length - 25_000)).toBeLessThan(800);
      const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
      const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
      const cv2 = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length / mean ** 2;
      expect(mean).toBeCloseTo(1 / 500, 4);
      expect(cv2).toBeGreaterThan(0.95);
      expect(cv2).toBeLessThan(1.05);
    }
    // Independent streams: no two shards share a send time.
    expect(new Set(counts.flat()).size).toBe(counts.flat().length);
    // The union's total is right too (sd 316 over 100 000).
    expect(Math.abs(counts.flat().length - 100_000)).toBeLessThan(1600);
  });

  it('is the same as today when unsharded, and each shard is reproducible', () => {
    const p = phase({ type: 'constant', rps: 100 }, POISSON, 5);
    expect(shardTimes(p, { index: 0, count: 1 }, 3)).toEqual(all(createArrivals(p, 3, 0)));
    expect(shardTimes(p, { index: 1, count: 2 }, 3)).toEqual(shardTimes(p, { index: 1, count: 2 }, 3));
    expect(shardTimes(p, { index: 0, count: 2 }, 3)).not.toEqual(shardTimes(p, { index: 1, count: 2 }, 3));
  });

  it('skips in bulk on a shard', () => {
    const a = createArrivals(phase({ type: 'constant', rps: 1e6 }, POISSON, 100), 1, 0, { index: 1, count: 4 });
    const n = a.skip(40);
    // 1e7 expected; sd 3162.
    expect(Math.abs(n - 1e7)).toBeLessThan(20_000);
    expect(a.next()).toBeGreaterThan(40);
  });
});

describe('gamma arrivals split over shards', () => {
  it('each shard is a gamma renewal process with mean gap N/rate and the same CV²', () => {
    const p = phase({ type: 'constant', rps: 1000 }, { type: 'gamma', burstiness: 4 }, 60);
    for (let index = 0; index < 3; index++) {
      const ts = shardTimes(p, { index, count: 3 }, 5);
      const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
      const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
      const cv2 = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length / mean ** 2;
      // 20 000 expected per shard; a renewal count's sd is √(CV² · 20 000) ≈ 283: 5 sd. The mean gap within 5 %.
      expect(Math.abs(ts.length - 20_000)).toBeLessThan(1415);
      expect(Math.abs(mean * 1000 - 3)).toBeLessThan(0.15);
      expect(cv2).toBeGreaterThan(3.5);
      expect(cv2).toBeLessThan(4.5);
    }
  });

  it('skips in bulk, with the normal approximation past the walk limit', () => {
    const a = createArrivals(phase({ type: 'constant', rps: 1e6 }, { type: 'gamma', burstiness: 2 }, 100), 1, 0, { index: 0, count: 2 });
    const n = a.skip(10);
    // 5e6 expected, sd √(2 · 5e6) ≈ 3162.
    expect(Math.abs(n - 5e6)).toBeLessThan(20_000);
  });
});

describe('trace replay split over shards', () => {
  const trace = (offsetsS: number[], loop?: number): ShapeSpec => ({ type: 'trace', file: 't.csv', offsetsS, speed: 1, ...(loop !== undefined && { loop }) });

  it.each([2, 3, 5])('%i shards partition the lines exactly (i ≡ I mod N), loops included', (n) => {
    const offsets = Array.from({ length: 23 }, (_, i) => i * 0.1 + (i % 3) * 0.01);
    const p = phase(trace(offsets, 2), CONSTANT, 10);
    const whole = shardTimes(p, { index: 0, count: 1 });
    for (let index = 0; index < n; index++) expect(shardTimes(p, { index, count: n })).toEqual(whole.filter((_, i) => i % n === index));
    expect(union(p, n)).toEqual(whole);
  });

  it('skips count only the shard’s lines', () => {
    const p = phase(trace(Array.from({ length: 100 }, (_, i) => i / 10)), CONSTANT, 20);
    const a = createArrivals(p, 1, 0, { index: 1, count: 3 });
    // Lines 0 … 49 are before 5 s; shard 1 has 1, 4, …, 49: 17 of them.
    expect(a.skip(4.95)).toBe(17);
    expect(a.next()).toBeCloseTo(5.2, 9);
  });
});

describe('shards and load workers compose', () => {
  it('a shard with W workers sends exactly the shard’s arrivals, and all shards × workers the whole plan', () => {
    const p = phase({ type: 'constant', rps: 333 }, CONSTANT, 3);
    const n = 3;
    const w = 2;
    const sent: number[] = [];
    for (let index = 0; index < n; index++) {
      const shardAll: number[] = [];
      for (let worker = 0; worker < w; worker++) {
        const own = new OwnArrivals(createArrivals(p, 1, 0, { index, count: n }), 0, worker, w);
        for (let t = own.next(); t !== undefined; t = own.next()) shardAll.push(t);
      }
      expect(shardAll.sort((a, b) => a - b)).toEqual(shardTimes(p, { index, count: n }, 1).map((t) => t * 1e6));
      sent.push(...shardAll);
    }
    expect(sent.sort((a, b) => a - b)).toEqual(shardTimes(p, { index: 0, count: 1 }, 1).map((t) => t * 1e6));
  });

  it('a worker of a shard skips exactly its own arrivals', () => {
    const p = phase({ type: 'constant', rps: 1000 }, CONSTANT, 10);
    const own = new OwnArrivals(createArrivals(p, 1, 0, { index: 1, count: 4 }), 0, 1, 3);
    // Shard 1 of 4 has global arrivals 1, 5, 9, … ; before 2 s (2000 arrivals) it has 500; worker 1 of 3 a third.
    expect(own.skip(2e6)).toBe(167);
  });
});

describe('closed-loop concurrency split over shards', () => {
  it.each([
    [10, 3, [4, 3, 3]],
    [2, 4, [1, 1, 0, 0]],
    [9, 3, [3, 3, 3]],
    [1, 1, [1]],
  ])('concurrency %i over %i shards: %j', (c, n, want) => {
    const shares = Array.from({ length: n }, (_, index) => concurrencyShare(c, { index, count: n }));
    expect(shares).toEqual(want);
    expect(shares.reduce((s, x) => s + x, 0)).toBe(c);
  });
});
