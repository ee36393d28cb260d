import { describe, expect, it } from 'vitest';
import { countAtOrBelow, decodeHistogram, encodeHistogram, newHistogram, recordUs, summarize } from '../../../src/metrics/hdr.js';
import { createRandom } from '../../../src/scenario/random.js';

describe('hdr', () => {
  it.each([1, 7, 100, 5000])('summarize gives HdrHistogram’s own percentiles and mean (%i values)', (n) => {
    const r = createRandom(n, 'hdr');
    const h = newHistogram();
    for (let i = 0; i < n; i++) recordUs(h, Math.exp(r.next() * 16));
    const s = summarize(h);
    expect(s).toEqual({
      count: n,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p95: h.getValueAtPercentile(95),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      max: h.maxValue,
      mean: Math.round(h.mean),
    });
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarize(newHistogram())).toEqual({ count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });

  it('clamps values into 1 µs .. 1 h and round-trips through the compressed encoding', () => {
    const h = newHistogram();
    recordUs(h, -5);
    recordUs(h, 0.2);
    recordUs(h, 1e12);
    recordUs(h, 1234.4);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(4);
    expect(back.getValueAtPercentile(0)).toBe(1);
    expect(back.maxValue).toBeGreaterThanOrEqual(3_600_000_000 * 0.999);
    expect(countAtOrBelow(back, 2000)).toBe(3);
  });
});
