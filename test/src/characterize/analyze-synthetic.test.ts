/**
 * The synthetic logs the accuracy tests, the end-to-end tests and the benchmark rest on: seeded, with a truth that
 * matches the records, and writers whose lines give the records back (nginx's $msec − $request_time is the start).
 */
import { describe, expect, it } from 'vitest';
import { generateSyntheticLog, timeLocal, writeEnvoyJson, writeJsonl, writeNginx } from '../../../bench/lib/synthetic-logs.js';

const { records, truth } = generateSyntheticLog({ seed: 2, durationS: 60, baseRps: 50, latency: { baseMs: 200, sigma: 0.8 } });
const starts = records.map((r) => r.startUs).sort((a, b) => a - b);
const nondecreasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);

describe('synthetic logs', () => {
  it('are seeded, with a truth that matches the records', () => {
    expect(generateSyntheticLog({ seed: 2, durationS: 60, baseRps: 50, latency: { baseMs: 200, sigma: 0.8 } }).records).toEqual(records);
    expect(generateSyntheticLog({ seed: 3, durationS: 60, baseRps: 50 }).records).not.toEqual(records);
    expect(truth.requests).toBe(records.length);
    expect(truth.perSecond.reduce((a, b) => a + b, 0)).toBe(records.length);
    expect(records.every((r) => r.startUs % 1000 === 0 && r.latencyUs! % 1000 === 0)).toBe(true);
    expect(Object.values(truth.byRoute).reduce((a, b) => a + b, 0)).toBe(records.length);
  });

  it('write nginx lines in completion order whose $msec − $request_time is the start', () => {
    const lines = writeNginx(records);
    expect(lines).toHaveLength(records.length);
    const parsed = lines.map((l) => l.split(' ').slice(-3).map(Number) as [number, number, number]);
    expect(nondecreasing(parsed.map(([, , msec]) => msec))).toBe(true);
    expect(nondecreasing(records.map((r) => r.startUs))).toBe(true);
    // A 200 ms ± lognormal latency puts many lines out of arrival order.
    expect(nondecreasing(parsed.map(([rt, , msec]) => msec - rt))).toBe(false);
    expect(parsed.map(([rt, , msec]) => Math.round(msec * 1000 - rt * 1000) * 1000).sort((a, b) => a - b)).toEqual(starts);
    expect(lines[0]).toMatch(/^10\.0\.0\.0 - - \[05\/Jan\/2026:12:00:\d\d \+0000\] "POST \/v2\/models\/\w+\/infer\?token=secret0 HTTP\/1\.1" \d{3} \d+ "-" "[^"]+" \d+\.\d{3} \d+ \d+\.\d{3}$/);
    const combined = writeNginx(records, { combined: true });
    expect(combined[5]).toContain(`[${timeLocal(records[5]!.startUs)}]`);
    expect(combined[5]).toMatch(/"[^"]+"$/);
  });

  it('write Envoy JSON and JSONL lines that give the starts back', () => {
    const envoy = writeEnvoyJson(records).map((l) => JSON.parse(l) as { start_time: string; duration: number; response_code: number });
    expect(envoy.map((e) => Date.parse(e.start_time) * 1000).sort((a, b) => a - b)).toEqual(starts);
    expect(envoy.every((e) => Number.isInteger(e.duration) && e.response_code >= 200)).toBe(true);
    const jsonl = writeJsonl(records).map((l) => JSON.parse(l) as { timestamp: string; latency_ms: number });
    expect(jsonl.map((j) => Date.parse(j.timestamp) * 1000)).toEqual(records.map((r) => r.startUs));
    expect(jsonl.map((j) => j.latency_ms * 1000)).toEqual(records.map((r) => r.latencyUs));
  });
});
