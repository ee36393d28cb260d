/**
 * Hand-made results files for gate and baseline tests: one checked phase of 12 s at 50 rps whose latency
 * percentiles, service times and send lag are set by the test, with per-second rows around those figures (a
 * small deterministic wobble, so per-second samples have a spread), written as rep-N/results.json like a `run
 * --repeat` folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LatencySummary } from '../../../src/metrics/hdr.js';
import type { IntervalResult, PhaseResult, ResultsFile } from '../../../src/results/results-schema.js';
import type { Plan } from '../../../src/scenario/plan.js';

/** RunSpec sets a run's figures (ms); unset ones default to an unremarkable run. */
export interface RunSpec {
  p50: number;
  p99: number;
  /** p95 (default: 85 % of the way from p50 to p99). */
  p95?: number;
  /** Service time p99 (default: p99, i.e. no time between intended send and actual send at p99). */
  serviceP99?: number;
  /** Send-lag p99 (default 0.05 ms). */
  lagP99?: number;
  /** Share of sends over 1 ms late after the first second (default 0.001). */
  late?: number;
  /** The run's own wobble, so runs differ (default 0). */
  shift?: number;
  /** SLO p99 threshold of the phase (default 100 ms) and whether the run failed it. */
  sloP99?: number;
}

const RATE = 50;
const SECONDS = 12;

function summary(p50Ms: number, p99Ms: number, count: number, p95Ms = p50Ms + 0.85 * (p99Ms - p50Ms)): LatencySummary {
  const us = (ms: number): number => Math.round(ms * 1000);
  return { count, p50: us(p50Ms), p90: us(p50Ms + 0.7 * (p99Ms - p50Ms)), p95: us(p95Ms), p99: us(p99Ms), p999: us(p99Ms * 1.2), max: us(p99Ms * 1.5), mean: us(p50Ms * 1.1) };
}

/** handRun builds one results file. */
export function handRun(s: RunSpec): ResultsFile {
  const n = RATE * SECONDS;
  const shift = 1 + (s.shift ?? 0);
  const p50 = s.p50 * shift;
  const p99 = s.p99 * shift;
  const svc99 = (s.serviceP99 ?? s.p99) * shift;
  const p95 = s.p95 === undefined ? undefined : s.p95 * shift;
  // Lateness is in the tail: the lag's lower percentiles stay small whatever its p99.
  const lagP99 = Math.round((s.lagP99 ?? 0.05) * 1000);
  const lag: LatencySummary = { count: n, p50: 20, p90: 40, p95: 50, p99: lagP99, p999: Math.round(lagP99 * 1.5), max: lagP99 * 2, mean: 30 };
  const slo = s.sloP99 ?? 100;
  // Service time: latency less a little below p99; at p99 and beyond, less the lag's part (latency p99 − service p99).
  const service = (l: LatencySummary, svcP99Us: number): LatencySummary => {
    const gap = l.p99 - svcP99Us;
    return { ...l, p50: Math.round(l.p50 * 0.98), p90: Math.round(l.p90 * 0.98), p95: Math.round(l.p95 * 0.98), p99: svcP99Us, p999: l.p999 - gap, max: l.max - gap };
  };
  const intervals: IntervalResult[] = Array.from({ length: SECONDS }, (_, t) => {
    const w = 1 + 0.03 * Math.sin(t * 1.7 + p99);
    const latencyUs = summary(p50 * w, p99 * w, RATE, p95 && p95 * w);
    return { t, phase: 'steady', offeredRps: RATE, sentRps: RATE, okRps: RATE, errors: {}, latencyUs, serviceTimeUs: service(latencyUs, Math.round(svc99 * w * 1000)), sendLagP99Us: lag.p99, lateSends: 0, histogram: '' };
  });
  const latencyUs = summary(p50, p99, n, p95);
  const phase: PhaseResult = {
    name: 'steady', kind: 'open', startS: 0, durationS: SECONDS, state: 'complete', elapsedS: SECONDS,
    offeredRps: RATE, achievedRps: RATE, throughputRps: RATE, scheduled: n, sent: n, completed: n, ok: n, dropped: 0, lateSends: 0,
    errors: {}, errorRate: 0, latencyUs, serviceTimeUs: service(latencyUs, Math.round(svc99 * 1000)), ttfbUs: summary(p50 * 0.9, svc99 * 0.9, n), sendLagUs: lag, histogram: '', serviceHistogram: '',
  };
  const plan = { name: 'hand', seed: 1, durationS: SECONDS, durationScale: 1, phases: [{ name: 'steady', startS: 0, durationS: SECONDS, load: { kind: 'open', shape: { type: 'constant', rps: RATE }, arrival: { type: 'constant' } }, slo: { p99Ms: slo } }] } as unknown as Plan;
  const pass = p99 <= slo;
  return {
    schemaVersion: 2, tool: { name: 'gauntlet', version: 'test' }, scenario: { name: 'hand', seed: 1, durationScale: 1 }, plan,
    target: { name: 't', protocol: 'kserve-http', url: 'http://127.0.0.1:8000', embedded: false },
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:12.000Z', status: 'complete', interrupted: false, measuredS: SECONDS,
    valid: (s.late ?? 0.001) <= 0.01, invalidReasons: (s.late ?? 0.001) <= 0.01 ? [] : ['the load generator could not keep up: (strict rule)'],
    generator: { workers: 1, scheduling: ['realtime'], sendLagUs: lag, lateSends: Math.round(n * (s.late ?? 0.001)), lateFraction: s.late ?? 0.001, checkedLateFraction: s.late ?? 0.001 },
    totals: { scheduled: n, sent: n, ok: n, failed: 0, dropped: 0, lost: 0 },
    phases: [phase],
    slo: { pass, checks: [{ phase: 'steady', metric: 'p99', threshold: slo, actual: p99, pass, unit: 'ms' }] },
    intervals, errorSamples: [], faults: [], files: { hlog: 'latency.hlog' },
  };
}

/** writeRepeat writes runs as a `run --repeat` folder (rep-1 … rep-N) and returns the folder and the files. */
export function writeRepeat(runs: ResultsFile[], tag = 'runs'): { dir: string; files: string[] } {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), `gauntlet-${tag}-`)), tag);
  const files = runs.map((r, i) => {
    const rep = path.join(dir, `rep-${i + 1}`);
    mkdirSync(rep, { recursive: true });
    writeFileSync(path.join(rep, 'results.json'), JSON.stringify(r));
    return path.join(rep, 'results.json');
  });
  return { dir, files };
}

/** six makes six runs of a spec, each shifted a little (the runs of a CI job differ). */
export function six(spec: RunSpec, overrides: Record<number, Partial<RunSpec>> = {}): ResultsFile[] {
  return [-0.02, 0.01, -0.01, 0.02, 0, 0.015].map((shift, i) => handRun({ ...spec, shift, ...overrides[i] }));
}
