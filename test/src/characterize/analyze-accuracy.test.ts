/**
 * The analysis against a synthetic log with a known truth (bench/lib/synthetic-logs.ts): 30 minutes at ~100/s
 * with a diurnal swing, two bursts at known starts and durations, latencies rounded to 1 ms (like $request_time)
 * that rise past 150/s, lognormal sizes, 1 % 503s and 2 % 404s over three routes. Pins what issue 13's
 * "Accuracy and speed" asks: counts exactly, peaks and peak-to-average within 1 %, burst starts and durations
 * within 1 s, percentiles within 2 %.
 */
import { describe, expect, it } from 'vitest';
import { generateSyntheticLog, percentileOf } from '../../../bench/lib/synthetic-logs.js';
import type { Characterization } from '../../../src/characterize/characterization.js';
import { characterize, within } from './analyze-helpers.js';

describe('characterize accuracy on a synthetic log', () => {
  const { records, truth } = generateSyntheticLog({
    seed: 7,
    durationS: 1800,
    baseRps: 100,
    diurnal: { amplitude: 0.3, periodS: 1800 },
    bursts: [
      { atS: 600, durationS: 20, factor: 4 },
      { atS: 1200, durationS: 45, factor: 3 },
    ],
    latency: { baseMs: 20, sigma: 0.2, kneeRps: 150, slope: 3 },
  });
  const c: Characterization = characterize(records);

  it('counts every request, per second exactly', () => {
    expect(c.rates.requests).toBe(truth.requests);
    expect(c.rates.series.bucketS).toBe(1);
    const first = Date.parse(c.rates.firstIso) / 1000;
    const offset = Math.floor(first) - truth.startSec;
    expect(c.rates.series.rps).toEqual(Array.from(truth.perSecond.subarray(offset, offset + c.rates.series.rps.length)));
    expect(c.status.requests).toBe(truth.requests);
    expect(c.status.errorRate).toBeCloseTo(truth.errors / truth.requests, 6);
    expect(c.status.clientErrorRate).toBeCloseTo(truth.clientErrors / truth.requests, 6);
    expect(Object.fromEntries(c.routes.map((r) => [r.name, r.requests]))).toEqual(truth.byRoute);
  });

  it('finds the aligned 1 s, 10 s and 60 s peaks and the peak-to-average ratio within 1 %', () => {
    for (const w of [1, 10, 60] as const) {
      const p = c.rates.peaks.find((x) => x.windowS === w)!;
      within(p.rps, truth.peaks[w].rps, 0.01);
      expect(Date.parse(p.atIso) / 1000).toBe(truth.peaks[w].atSec);
    }
    within(c.rates.peakRps, truth.peaks[1].rps, 0.01);
    within(c.rates.peakToAverage, truth.peaks[1].rps / truth.meanRps, 0.01);
  });

  it('finds each burst within 1 s of its start and duration, and no other', () => {
    expect(c.bursts.count).toBe(truth.bursts.length);
    c.bursts.list.forEach((b, i) => {
      expect(Math.abs(Date.parse(b.startIso) / 1000 - truth.bursts[i]!.startSec)).toBeLessThanOrEqual(1);
      expect(Math.abs(b.durationS - truth.bursts[i]!.durationS)).toBeLessThanOrEqual(1);
    });
  });

  it('reads latency and size percentiles within 2 %, overall and in the busiest 10 s window', () => {
    const lat = c.latency!;
    for (const [key, p] of [['p50', 50], ['p95', 95], ['p99', 99], ['p999', 99.9]] as const) {
      within(lat.overall[key], percentileOf(truth.latencyMs, p), 0.02);
      within(c.payloads.request![key], percentileOf(truth.requestBytes, p), 0.02);
      within(c.payloads.response![key], percentileOf(truth.responseBytes, p), 0.02);
    }
    const w = truth.peaks[10].atSec * 1e6;
    const inWindow = records.filter((r) => r.startUs >= w && r.startUs < w + 10e6).map((r) => r.latencyUs! / 1000);
    expect(Date.parse(lat.busiest10s.atIso) * 1000).toBe(w);
    expect(lat.busiest10s.count).toBe(inWindow.length);
    for (const [key, p] of [['p50', 50], ['p95', 95], ['p99', 99]] as const) within(lat.busiest10s[key], percentileOf(inWindow, p), 0.02);
  });

  it('sees latency rise with load: a knee past 150/s, and a throughput-constrained workload', () => {
    const knee = c.latency!.knee!;
    // Lognormal σ 0.2 and a median 1 + 3 × (rate/150 − 1) times the base: p99 reaches 1.5× the light p99 at 175/s.
    expect(knee.rps).toBeGreaterThanOrEqual(150);
    expect(knee.rps).toBeLessThanOrEqual(260);
    expect(c.classification.kind).toBe('throughput-constrained');
    expect(c.slo.p99Ms).toBeGreaterThanOrEqual(c.latency!.busiest10s.p99 * 1.2);
    expect(c.slo.p99Ms).toBeLessThanOrEqual(c.latency!.busiest10s.p99 * 1.2 * 1.1);
  });
});
