/**
 * Arrays whose length the user decides (phases, seconds of a run, interval rows) are never spread into a call:
 * `Math.max(...rows)` and `push(...rows)` throw RangeError (Maximum call stack size exceeded) past about 100k
 * elements. Each helper that used to spread is called here with a 500k-element array.
 */
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/summary.js';
import { samplesOf } from '../../src/compare/baseline.js';
import { analyzeFaults } from '../../src/faults/drill-analysis.js';
import { whatHappened } from '../../src/report/run-facts.js';
import type { FaultRecord, IntervalResult, PhaseResult, ResultsFile } from '../../src/results/results-schema.js';
import type { PhasePlan } from '../../src/scenario/plan.js';

const N = 500_000;
const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

function phase(i: number): PhaseResult {
  const o = { name: `p${i}`, kind: 'open', startS: i, durationS: 1, offeredRps: 100 + (i % 7), achievedRps: 100, throughputRps: 100, scheduled: 100, sent: 100, completed: 100, ok: 100 };
  return { ...o, dropped: 0, lateSends: 0, errors: {}, errorRate: 0, latencyUs: zero, serviceTimeUs: zero, ttfbUs: zero, sendLagUs: zero, histogram: '', serviceHistogram: '' } as PhaseResult;
}

function row(t: number): IntervalResult {
  const latencyUs = { ...zero, count: 100, p50: 1000, p95: 2000, p99: 3000 + (t % 11), max: 4000 + t };
  return { t, phase: 'long', offeredRps: 100, sentRps: 100, okRps: 100, errors: {}, latencyUs, serviceTimeUs: latencyUs, sendLagP99Us: 100, lateSends: 0, histogram: '' };
}

function results(phases: PhaseResult[], intervals: IntervalResult[] = []): ResultsFile {
  return {
    scenario: { name: 'long', seed: 1, durationScale: 1 },
    target: { name: 't' },
    plan: { phases: [] },
    phases,
    intervals,
    faults: [],
    slo: { pass: true, checks: [] },
    errorSamples: [],
    interrupted: false,
    valid: true,
    invalidReasons: [],
    generator: { workers: 1, sendLagUs: zero, lateSends: 0, lateFraction: 0 },
    totals: { scheduled: 100 * phases.length, sent: 100 * phases.length, ok: 100 * phases.length, failed: 0, dropped: 0, lost: 0 },
    files: { hlog: 'latency.hlog' },
  } as unknown as ResultsFile;
}

describe('helpers over user-sized arrays', () => {
  const many = Array.from({ length: N }, (_, i) => phase(i));

  it('whatHappened: the range of offered rates over 500k phases', () => {
    expect(whatHappened(results(many))[0]).toMatch(/^long offered 100 to 106 requests per second to t for/);
  });

  it('formatSummary: the column widths of 500k phase rows', () => {
    const lines = formatSummary(results(many), '/tmp/run');
    expect(lines.filter((l) => l.startsWith('p499999 '))).toHaveLength(1);
  });

  it('samplesOf: the per-second samples of a 500k-second phase', () => {
    const rows = Array.from({ length: N }, (_, t) => row(t));
    const { intervals, intervalRuns } = samplesOf([results([{ ...phase(0), name: 'long', durationS: N }], rows)], 'long');
    expect(intervals.p99).toHaveLength(N - 2);
    expect(intervalRuns.p99).toEqual([N - 2]);
  });

  it('analyzeFaults: the worst second of a fault window 500k seconds long', () => {
    const rows = Array.from({ length: N }, (_, t) => row(t));
    const plan: PhasePlan = { name: 'long', startS: 0, durationS: N, load: { kind: 'open', shape: { type: 'constant', rps: 100 }, arrival: { type: 'constant' } }, slo: { p99Ms: 50 } };
    const fault: FaultRecord = { index: 0, action: 'network', params: { latencyMs: 5, jitterMs: 0 }, atS: 1, durationS: N - 2, startedAtS: 1, endedAtS: N - 1, outcome: 'ok', detail: '' };
    const [drill] = analyzeFaults({ plan: { phases: [plan], slo: { p99Ms: 50 }, durationS: N }, phases: [{ ...phase(0), name: 'long', durationS: N }], intervals: rows, faults: [fault] });
    expect(drill!.worstMaxUs).toBe(4000 + N - 2);
  });
});
