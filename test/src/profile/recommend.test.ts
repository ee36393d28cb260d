import { describe, expect, it } from 'vitest';
import type { Cell, Variant } from '../../../src/profile/profile-record.js';
import { recommend } from '../../../src/profile/recommend.js';

const cell = (precision: string, batch: number, throughput: number, p99: number): Cell => ({
  precision,
  ep: 'cpu',
  batch,
  warmupIterations: 5,
  iterations: 100,
  latencyMs: { p50: p99 / 2, p99, mean: p99 / 2, min: p99 / 3, max: p99 },
  p50Ci95Ms: [p99 / 2.1, p99 / 1.9],
  ciShare: 0.04,
  converged: true,
  throughputSamplesPerS: throughput,
  rssGrowthBytes: 1e6,
});
const variant = (precision: string, cosine: number): Variant => ({
  precision,
  file: `${precision}.onnx`,
  bytes: 1000,
  accuracy: { cosine, maxAbsError: 1 - cosine },
  broken: cosine < 0.95,
});

const variants = [variant('fp32', 1), variant('int8', 0.9995), variant('fp16', 0.99999), variant('int4', 0.995), variant('bad', 0.88)];
const cells = [
  cell('fp32', 1, 1000, 1), cell('fp32', 32, 8000, 4), cell('fp32', 128, 9000, 14),
  cell('int8', 1, 1500, 0.7), cell('int8', 32, 16000, 2), cell('int8', 128, 20000, 6.4),
  cell('fp16', 1, 1020, 1), cell('fp16', 32, 8100, 4), cell('fp16', 128, 9100, 14),
  cell('int4', 1, 2000, 0.5), cell('int4', 32, 20000, 1.6), cell('int4', 128, 25000, 5),
  cell('bad', 1, 5000, 0.2), cell('bad', 32, 90000, 0.4),
];

describe('recommend', () => {
  it('picks the highest-throughput batch within --p99-ms per precision and never a BROKEN variant', () => {
    const r = recommend(variants, cells, { p99Ms: 5, minCosine: 0.999 });
    const best = Object.fromEntries(r.perPrecision.map((p) => [p.precision, p.bestBatch]));
    expect(best).toEqual({ fp32: 32, int8: 32, fp16: 32, int4: 128, bad: null });
    expect(r.perPrecision.find((p) => p.precision === 'bad')!.why).toContain('BROKEN');
    expect(r.rule).toContain('p99 <= 5 ms');
  });

  it('judges each quantized variant by its speed-up at its best batch against its accuracy loss', () => {
    const r = recommend(variants, cells, { p99Ms: 5, minCosine: 0.999 });
    const v = Object.fromEntries(r.variants.map((x) => [x.precision, x]));
    expect(v.int8).toMatchObject({ worthIt: true, speedup: 2 });
    expect(v.int8!.accuracyLoss).toBeCloseTo(0.0005, 6);
    expect(v.fp16).toMatchObject({ worthIt: false }); // 1.0125x: not a measurable gain
    expect(v.fp16!.why).toContain('speed-up');
    expect(v.int4).toMatchObject({ worthIt: false, speedup: 3.125 }); // fast but cosine 0.995 < 0.999
    expect(v.int4!.why).toContain('--min-cosine');
    expect(v.bad).toMatchObject({ worthIt: false });
    expect(v.bad!.why).toContain('BROKEN');
    // A looser --min-cosine makes int4 worth it; nothing makes the BROKEN one so.
    const loose = recommend(variants, cells, { p99Ms: 5, minCosine: 0.5 });
    expect(loose.variants.find((x) => x.precision === 'int4')!.worthIt).toBe(true);
    expect(loose.variants.find((x) => x.precision === 'bad')!.worthIt).toBe(false);
  });

  it('without --p99-ms considers every batch; with a bound nothing meets it says the lowest p99', () => {
    const free = recommend(variants, cells, { p99Ms: null, minCosine: 0.999 });
    expect(free.perPrecision.find((p) => p.precision === 'fp32')!.bestBatch).toBe(128);
    const tight = recommend(variants, cells, { p99Ms: 0.1, minCosine: 0.999 });
    const fp32 = tight.perPrecision.find((p) => p.precision === 'fp32')!;
    expect(fp32.bestBatch).toBeNull();
    expect(fp32.why).toContain('lowest: 1 ms at batch 1');
  });
});
