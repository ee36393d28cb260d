/**
 * The analysis at its edges: bad input and options (every problem listed, stable codes), the bounds that keep
 * memory flat (span, routes, statuses), long logs (hour of day, a coarser series), and the stated rules for the
 * classification, the knee and the SLOs on workloads made to fall on one side or the other.
 */
import { describe, expect, it } from 'vitest';
import { generateSyntheticLog } from '../../../bench/lib/synthetic-logs.js';
import { Characterizer } from '../../../src/characterize/analyze.js';
import type { Characterization } from '../../../src/characterize/characterization.js';
import type { LogRecord } from '../../../src/characterize/log-record.js';
import { MAX_SPAN_S } from '../../../src/characterize/stats-seconds.js';
import { roundUp2 } from '../../../src/characterize/stats-dist.js';
import { GauntletError } from '../../../src/errors.js';
import { characterize, CTX } from './analyze-helpers.js';

const T0 = Date.UTC(2026, 0, 5, 12) * 1000;
const rec = (s: number, extra: Partial<LogRecord> = {}): LogRecord => ({ startUs: T0 + s * 1e6, resolutionUs: 1000, ...extra });
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof GauntletError ? e.code : 'not a GauntletError';
  }
  return undefined;
};

/** seriesTotal is the requests the rate series stands for (its last bucket may be shorter than the others). */
function seriesTotal(out: Characterization): number {
  const { bucketS, rps } = out.rates.series;
  const seconds = Math.floor(Date.parse(out.rates.lastIso) / 1000) - Math.floor(Date.parse(out.rates.firstIso) / 1000) + 1;
  return Math.round(rps.reduce((a, r, i) => a + r * Math.min(bucketS, seconds - i * bucketS), 0));
}

describe('bad input', () => {
  it('refuses an empty log, or one with no usable timestamps, with GAUNTLET_ERR_LOG_EMPTY', () => {
    expect(codeOf(() => characterize([]))).toBe('GAUNTLET_ERR_LOG_EMPTY');
    expect(codeOf(() => characterize([{ startUs: Number.NaN, resolutionUs: 1000 }, { startUs: -5, resolutionUs: 1000 }]))).toBe('GAUNTLET_ERR_LOG_EMPTY');
  });

  it('leaves out records with impossible times, and says how many', () => {
    const out = characterize([rec(0), { startUs: Number.POSITIVE_INFINITY, resolutionUs: 1000 }, rec(1, { resolutionUs: Number.NaN })]);
    expect(out.rates.requests).toBe(2);
    expect(out.inputs.notes.join()).toContain('1 record(s) had an arrival time outside');
  });

  it('refuses a log with too many malformed lines, listing the first ones', () => {
    const first = [{ file: 'a.log', line: 3, reason: 'no timestamp' }];
    let err: unknown;
    try {
      characterize([rec(0)], {}, { lines: 100, malformedCount: 2, malformedFirst: first, maxMalformedFraction: 0.01 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_LOG_FORMAT');
    expect((err as GauntletError).details).toEqual(['a.log:3: no timestamp']);
    const ok = characterize([rec(0)], {}, { lines: 100, malformedCount: 1, malformedFirst: first, maxMalformedFraction: 0.01 });
    expect(ok.malformed).toEqual({ count: 1, fraction: 0.01, maxFraction: 0.01, first });
  });

  it('lists every out-of-range option at once', () => {
    let err: unknown;
    try {
      new Characterizer({ windowS: 0.5, burstK: 0, sloHeadroom: Number.NaN, slackS: 1e9 });
    } catch (e) {
      err = e;
    }
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    expect((err as GauntletError).details.map((d) => d.split(':')[0])).toEqual(['windowS', 'burstK', 'sloHeadroom', 'slackS']);
  });

  it('refuses logs that span more than 40 days instead of growing without bound', () => {
    const c = new Characterizer();
    c.add(rec(0));
    expect(codeOf(() => c.add(rec(MAX_SPAN_S + 1)))).toBe('GAUNTLET_ERR_LOG_FORMAT');
    const d = new Characterizer();
    d.add(rec(0));
    expect(codeOf(() => d.add(rec(-MAX_SPAN_S - 1)))).toBe('GAUNTLET_ERR_LOG_FORMAT');
  });
});

describe('long and sparse logs', () => {
  it('counts a record far before the first (late) and keeps the series from it, across an hour-long gap', () => {
    const rs = [rec(7200), rec(7200.5), rec(0), rec(10_800), rec(10_801)];
    const times: number[] = [];
    const out = characterize(rs, { onOrdered: (t) => times.push(t) });
    expect(out.rates.requests).toBe(5);
    expect(out.rates.firstIso).toBe(new Date(T0 / 1000).toISOString());
    expect(seriesTotal(out)).toBe(5);
    expect(times).toHaveLength(5);
    expect(out.inputs.notes.join()).toContain('1 request(s) came more than 10 s out of time order');
  });

  it('gives the mean rate per hour of day for a log of two days, and a series of at most 2,000 points', () => {
    const { records } = generateSyntheticLog({ seed: 9, durationS: 2 * 86_400, baseRps: 0.5, diurnal: { amplitude: 0.8, periodS: 86_400 }, startUs: Date.UTC(2026, 0, 5) * 1000 });
    const out = characterize(records);
    const hours = out.rates.hourOfDay!;
    expect(hours.map((h) => h.hour)).toEqual([...Array(24).keys()]);
    expect(hours.reduce((a, h) => a + h.requests, 0)).toBe(records.length);
    // sin peaks at 06:00 UTC and bottoms at 18:00: 0.9/s against 0.1/s.
    expect(hours[6]!.meanRps).toBeGreaterThan(0.75);
    expect(hours[18]!.meanRps).toBeLessThan(0.2);
    expect(out.rates.series.rps.length).toBeLessThanOrEqual(2000);
    expect(out.rates.series.bucketS).toBe(120);
    expect(seriesTotal(out)).toBe(records.length);
  });
});

describe('mix', () => {
  it('tells server errors from client errors in HTTP and gRPC statuses, and treats zero latencies and sizes as zero', () => {
    const statuses = ['200', '503', '404', 'OK', 'UNAVAILABLE', '14', 'INVALID_ARGUMENT', '3', '0', '200'];
    const out = characterize(statuses.map((status, i) => rec(i / 10, { status, latencyUs: i < 6 ? 0 : 5000, responseBytes: 0 })));
    expect(out.status.errorRate).toBe(0.3);
    expect(out.status.clientErrorRate).toBe(0.3);
    expect(out.status.byStatus[0]).toEqual({ status: '200', count: 2, share: 0.2 });
    expect(out.latency!.overall.p50).toBe(0);
    // Never above the exact maximum (HDR answers its bucket's highest value, 5.003 ms here).
    expect(out.latency!.overall.p99).toBe(5);
    expect(out.payloads.response).toMatchObject({ p50: 0, p99: 0, max: 0 });
    expect(out.payloads.request).toBeUndefined();
    expect(out.routes).toEqual([]);
  });

  it('bounds routes and statuses, counting the rest under (other)', () => {
    const rs = Array.from({ length: 3000 }, (_, i) => rec(i / 100, { route: `/item/${i % 600}`, status: String(100 + (i % 300)) }));
    const out = characterize(rs);
    expect(out.routes).toHaveLength(51);
    expect(out.routes.at(-1)!.name).toBe('(other)');
    expect(out.routes.reduce((a, r) => a + r.requests, 0)).toBe(3000);
    expect(out.status.byStatus).toHaveLength(21);
    const long = characterize([rec(0, { route: `/${'x'.repeat(5000)}`, status: '9'.repeat(500) })]);
    expect(long.routes[0]!.name).toHaveLength(200);
    expect(long.status.byStatus[0]!.status).toHaveLength(200);
    expect(out.status.byStatus.reduce((a, r) => a + r.count, 0)).toBe(3000);
  });
});

describe('classification, knee and SLOs', () => {
  const swing = { seed: 4, durationS: 900, baseRps: 100, diurnal: { amplitude: 0.6, periodS: 900 } };

  it('calls a workload whose latency stays flat as the load swings 4× latency-constrained, with no knee', () => {
    const out = characterize(generateSyntheticLog({ ...swing, latency: { baseMs: 40, sigma: 0.3 } }).records);
    expect(out.classification.kind).toBe('latency-constrained');
    expect(out.classification.reasons.join()).toMatch(/p99 rises [\d.]+× over [\d.]+× the load/);
    expect(out.latency!.knee).toBeUndefined();
  });

  it('calls it throughput-constrained when latency climbs with load, with the knee where it bends', () => {
    const out = characterize(generateSyntheticLog({ ...swing, latency: { baseMs: 40, sigma: 0.3, kneeRps: 120, slope: 4 } }).records);
    expect(out.classification.kind).toBe('throughput-constrained');
    expect(out.latency!.knee!.rps).toBeGreaterThanOrEqual(110);
    expect(out.latency!.knee!.rps).toBeLessThanOrEqual(160);
  });

  it('says unknown without latencies, or when the load hardly varies', () => {
    // Near-regular arrivals (gamma shape 50): 100 ± 2 requests every second, so nothing to compare.
    const flat = generateSyntheticLog({ seed: 4, durationS: 300, baseRps: 100, gammaShape: 50, latency: { baseMs: 40, sigma: 0.3 } }).records;
    const still = characterize(flat).classification;
    expect(still.kind).toBe('unknown');
    expect(still.reasons.join()).toMatch(/the busiest judged load is only [\d.]+× the lightest|load bucket\(s\)/);
    const bare = characterize(flat.map(({ latencyUs: _, ...r }) => r));
    expect(bare.classification).toMatchObject({ kind: 'unknown', reasons: ['the logs carry no latency'] });
    expect(bare.slo.p99Ms).toBeUndefined();
    expect(bare.slo.errorRate).toBeDefined();
  });

  it('suggests the busiest 10 s window latencies × headroom rounded up to 2 significant figures', () => {
    const out = characterize(generateSyntheticLog({ seed: 4, durationS: 120, baseRps: 50 }).records, { sloHeadroom: 1.5 });
    const w = out.latency!.busiest10s;
    expect(out.slo.headroom).toBe(1.5);
    expect(out.slo.p50Ms).toBe(roundUp2(w.p50 * 1.5));
    expect(out.slo.p99Ms).toBe(roundUp2(w.p99 * 1.5));
    expect(out.slo.errorRate).toBe(roundUp2(Math.max(out.status.errorRate * 1.5, 0.001)));
    expect(out.slo.rule).toContain('busiest 10 s window × 1.5');
  });

  it.each([
    [123, 130],
    [0.0123, 0.013],
    [100, 100],
    [0.1, 0.1],
    [99.01, 100],
    [0, 0],
  ])('rounds %s up to %s', (v, want) => expect(roundUp2(v)).toBe(want));
});

describe('the peak window', () => {
  it('adds --window to the 1 s, 10 s and 60 s peaks and takes peak_rps from it', () => {
    // 5 requests in each of seconds 0–4, then 1 a second: the busiest aligned 5 s window is the first, at 5/s.
    const rs = [...Array.from({ length: 25 }, (_, i) => rec(Math.floor(i / 5) + (i % 5) / 10)), ...Array.from({ length: 60 }, (_, i) => rec(5 + i))];
    const out = characterize(rs, { windowS: 5 });
    expect(out.rates.peaks.map((p) => p.windowS)).toEqual([1, 10, 60, 5]);
    expect(out.rates.peakWindowS).toBe(5);
    expect(out.rates.peakRps).toBe(5);
    expect(out.rates.peaks[0]).toMatchObject({ rps: 5, atS: 0 });
    expect(out.rates.peaks[1]).toMatchObject({ rps: 3, atS: 0 });
    expect(out.rates.peakToAverage).toBeCloseTo(5 / (85 / 64), 2);
  });
});

describe('the context', () => {
  it('carries the reader context through', () => {
    const files = [{ name: 'a.log', format: 'nginx combined', lines: 1, records: 1, malformed: 0 }];
    const out = characterize([rec(0)], {}, { files, lines: 1, notes: ['a.log.gz: truncated'], arrivalTime: 'log time − $request_time', gauntletVersion: '9.9.9' });
    expect(out.inputs.files).toEqual(files);
    expect(out.inputs.notes).toEqual(['a.log.gz: truncated']);
    expect(out.inputs.arrivalTime).toBe('log time − $request_time');
    expect(out.gauntletVersion).toBe('9.9.9');
    expect(out.version).toBe(1);
    expect(CTX.files).toEqual([]);
  });
});
