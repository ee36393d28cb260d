import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Characterization } from '../../../src/characterize/characterization.js';
import { burstPhase, encodedBytes, MLP_REQUEST, replayYaml, scenarioYaml, sizeClasses } from '../../../src/characterize/write-scenario.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

/** characterization is a small, complete Characterization: 1 h, 412 rps at the 1 s peak, bursts, a knee. */
function characterization(over: Partial<Characterization> = {}): Characterization {
  const pct = { count: 1000, p50: 8, p95: 20, p99: 35, p999: 60, max: 90, mean: 10 };
  const edges = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
  return {
    version: 1,
    gauntletVersion: '0.1.0',
    inputs: { files: [{ name: 'access.log', format: 'nginx combined', lines: 1000, records: 1000, malformed: 0 }], timestampResolutionUs: 1000, spreadWithinSecond: false, arrivalTime: 'log time − $request_time', fields: { latency: true, requestBytes: true, responseBytes: true, status: true, route: true }, notes: [] },
    malformed: { count: 0, fraction: 0, maxFraction: 0.05, first: [] },
    rates: { requests: 360_000, spanS: 3600, firstIso: '2026-12-05T10:00:00.000Z', lastIso: '2026-12-05T11:00:00.000Z', meanRps: 100, peaks: [{ windowS: 1, rps: 412, atS: 100, atIso: '2026-12-05T10:01:40.000Z' }], peakWindowS: 1, peakRps: 412, peakToAverage: 4.12, series: { bucketS: 2, rps: [100, 120] } },
    bursts: { k: 2, medianWindowS: 60, minDurationS: 2, rule: 'k × rolling median', count: 3, list: [
      { startS: 600, startIso: 'x', durationS: 12, peakRps: 400, baselineRps: 100, requests: 3000 },
      { startS: 1800, startIso: 'x', durationS: 8, peakRps: 380, baselineRps: 100, requests: 2000 },
      { startS: 3000, startIso: 'x', durationS: 20, peakRps: 412, baselineRps: 100, requests: 5000 },
    ], durationS: { p50: 12, p90: 20, max: 20, mean: 13.3 }, medianGapS: 1200 },
    arrivals: { measured: true, meanGapMs: 10, interArrivalCv: 1.9, fit: { best: 'gamma', gammaShape: 0.28, burstiness: 3.6, logLikelihood: { poisson: -10, gamma: -5 }, rule: 'AIC' }, histogram: { edges: [0.1, 1, 10], counts: [5, 10] } },
    latency: { overall: pct, busiest10s: { ...pct, atS: 100, atIso: 'x', rps: 400 }, byLoad: [], knee: { rps: 300, p99Ms: 40, rule: 'r' } },
    payloads: { request: { ...pct, p50: 1100, p99: 20_000, max: 32_000, histogram: { edges, counts: [0, 0, 600, 200, 100, 50, 40, 10] } } },
    status: { requests: 360_000, errorRate: 0.002, clientErrorRate: 0.01, byStatus: [{ status: '200', count: 359_000, share: 0.997 }] },
    routes: [{ name: 'mlp', requests: 300_000, share: 0.83, peakRps: 350, errorRate: 0.002 }, { name: 'encoder', requests: 60_000, share: 0.17, peakRps: 80, errorRate: 0 }],
    classification: { kind: 'throughput-constrained', rule: 'p99 at peak ≥ 1.5 × p99 at light load', reasons: [] },
    slo: { p50Ms: 9.6, p95Ms: 24, p99Ms: 42, errorRate: 0.004, headroom: 1.2, rule: 'busiest 10 s × 1.2' },
    ...over,
  };
}

describe('scenarioYaml', () => {
  it('writes a scenario that validates: peak_rps, warm-up, 1x/2x/5x, bursts, the fitted arrival, SLOs and a size mix', () => {
    const text = scenarioYaml(characterization(), { request: MLP_REQUEST, phaseS: 60, seed: 7, sources: ['access.log'] });
    const plan = parseScenario(text, { baseDir: '.' });
    expect(plan.peakRps).toBe(412);
    expect(plan.phases.map((p) => p.name)).toEqual(['warmup', 'steady-1x', 'peak-2x', 'peak-5x', 'bursts']);
    expect(plan.phases[2]!.load).toMatchObject({ kind: 'open', arrival: { type: 'gamma', burstiness: 3.6 } });
    // Bursts: median 12 s at 400/412 of the peak over the mean (100/412); the 20 min gap is compressed to 60 s.
    expect(plan.phases[4]!.load).toMatchObject({ shape: { type: 'burst', lengthS: 12, everyS: 60 } });
    expect(plan.slo).toEqual({ p50Ms: 9.6, p95Ms: 24, p99Ms: 42, errorRate: 0.004 });
    const mix = plan.request.mix!;
    expect(mix.length).toBeGreaterThan(1);
    expect(mix.reduce((s, t) => s + t.weight, 0)).toBeCloseTo(1, 3);
    expect(text).toContain('repeats them every 60 s');
    expect(text).toContain('encoder 17');
  });

  it('leaves out the burst phase without bursts, and the mix without sizes', () => {
    const c = characterization({ bursts: { k: 2, medianWindowS: 60, minDurationS: 2, rule: 'r', count: 0, list: [] }, payloads: {}, arrivals: { ...characterization().arrivals, fit: { ...characterization().arrivals.fit, best: 'poisson' } } });
    const text = scenarioYaml(c, { request: MLP_REQUEST, phaseS: 30, seed: 1, sources: ['a'] });
    const plan = parseScenario(text, { baseDir: '.' });
    expect(plan.phases.map((p) => p.name)).toEqual(['warmup', 'steady-1x', 'peak-2x', 'peak-5x']);
    expect(plan.request.mix).toBeUndefined();
    expect(plan.phases[1]!.load).toMatchObject({ arrival: { type: 'poisson' } });
    expect(text).toContain('No bursts were seen');
  });

  it('sizes the mix by encoded bytes: each class within a row of its sizes, weights from the histogram', () => {
    const perRow = encodedBytes(MLP_REQUEST, 2) - encodedBytes(MLP_REQUEST, 1);
    expect(perRow).toBe(1024);
    const classes = sizeClasses({ edges: [1000, 1100, 8000, 9000], counts: [75, 0, 25] }, MLP_REQUEST);
    expect(classes.map((c) => c.rows)).toEqual([1, 8]);
    expect(classes.map((c) => c.weight)).toEqual([0.75, 0.25]);
    // Bigger than the model's batch limit: capped at 256 rows.
    expect(sizeClasses({ edges: [1e7, 2e7], counts: [5] }, MLP_REQUEST)[0]!.rows).toBe(256);
  });

  it('burst phase: the median burst, its peak as a multiple of peak_rps, a gap kept when short', () => {
    const c = characterization();
    c.bursts.medianGapS = 30;
    expect(burstPhase(c, 60)).toMatchObject({ lengthS: 12, everyS: 30, burstX: 0.97, baseX: 0.24, durationS: 102, notes: [] });
  });

  it('replay.yaml replays trace.csv with the same request and SLOs', () => {
    const yaml = parse(replayYaml(characterization(), { request: MLP_REQUEST, phaseS: 60, seed: 7, sources: [] }));
    // The log's other model (encoder) goes to the scenario's mlp, so it runs against the embedded server.
    expect(yaml.phases).toEqual([{ name: 'replay', trace: 'trace.csv', speed: 1, models: { '*': 'mlp' } }]);
    expect(yaml.request.model).toBe('mlp');
    const one = parse(replayYaml(characterization({ routes: [{ name: 'mlp', requests: 1, share: 1, peakRps: 1, errorRate: 0 }] }), { request: MLP_REQUEST, phaseS: 60, seed: 7, sources: [] }));
    expect(one.phases).toEqual([{ name: 'replay', trace: 'trace.csv', speed: 1 }]);
  });
});
