/**
 * characterize end to end through the real readers: one seeded synthetic log with a known truth (an nginx
 * log_format with $msec and $request_time, Envoy JSON, JSONL), each written to a file (the JSONL one gzipped) and
 * characterized by characterizeLogs, which writes every output. Pins issue 13's accuracy bars through the
 * parsers: counts exactly, peaks and peak-to-average within 1 %, burst starts and durations within 1 s,
 * percentiles within 2 % (latency at the 1 ms resolution of $request_time); trace.csv has one line per request.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateSyntheticLog, NGINX_SYNTHETIC_LOG_FORMAT, percentileOf, writeEnvoyJson, writeJsonl, writeNginx } from '../../../bench/lib/synthetic-logs.js';
import { characterizeLogs } from '../../../src/characterize/characterize.js';
import { MLP_REQUEST } from '../../../src/characterize/write-scenario.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { within } from './analyze-helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-char-formats-'));
const { records, truth } = generateSyntheticLog({
  seed: 11,
  durationS: 900,
  baseRps: 80,
  bursts: [
    { atS: 300, durationS: 15, factor: 4 },
    { atS: 600, durationS: 30, factor: 3 },
  ],
  latency: { baseMs: 20, sigma: 0.25, kneeRps: 120, slope: 3 },
});

const FORMATS = [
  { name: 'nginx log_format', file: 'access.log', text: () => writeNginx(records), read: { logFormat: NGINX_SYNTHETIC_LOG_FORMAT } },
  { name: 'Envoy JSON', file: 'envoy.json', text: () => writeEnvoyJson(records), read: {} },
  { name: 'JSONL, gzipped', file: 'requests.jsonl.gz', text: () => writeJsonl(records), read: {} },
] as const;

describe.each(FORMATS)('characterize on a synthetic $name log', ({ file, text, read }) => {
  const out = path.join(dir, file.replace(/\W/g, '-'));
  const input = path.join(dir, file);
  const body = `${text().join('\n')}\n`;
  writeFileSync(input, file.endsWith('.gz') ? gzipSync(body) : body);
  const run = characterizeLogs([input], { read: { ...read, modelField: 'path' }, analyze: {}, scenario: { request: MLP_REQUEST, phaseS: 30, seed: 1 }, outDir: out });

  it('counts exactly, and writes a trace of one line per request and a scenario that validates', async () => {
    const { characterization: c, files } = await run;
    expect(c.rates.requests).toBe(truth.requests);
    expect(c.status.errorRate).toBeCloseTo(truth.errors / truth.requests, 6);
    expect(Object.fromEntries(c.routes.map((r) => [r.name, r.requests]))).toEqual(truth.byRoute);
    const trace = readFileSync(files.trace, 'utf8').trimEnd().split('\n');
    expect(trace.length - 1).toBe(truth.requests);
    const plan = parseScenario(readFileSync(files.scenario, 'utf8'), { baseDir: out });
    expect(plan.peakRps).toBeCloseTo(truth.peaks[1].rps, 0);
  });

  it('peaks and peak-to-average within 1 %, bursts within 1 s', async () => {
    const { characterization: c } = await run;
    for (const w of [1, 10, 60] as const) within(c.rates.peaks.find((x) => x.windowS === w)!.rps, truth.peaks[w].rps, 0.01);
    within(c.rates.peakToAverage, truth.peaks[1].rps / truth.meanRps, 0.01);
    expect(c.bursts.count).toBe(truth.bursts.length);
    c.bursts.list.forEach((b, i) => {
      expect(Math.abs(Date.parse(b.startIso) / 1000 - truth.bursts[i]!.startSec)).toBeLessThanOrEqual(1);
      expect(Math.abs(b.durationS - truth.bursts[i]!.durationS)).toBeLessThanOrEqual(1);
    });
  });

  it('latency and size percentiles within 2 %', async () => {
    const { characterization: c } = await run;
    for (const [key, p] of [['p50', 50], ['p95', 95], ['p99', 99], ['p999', 99.9]] as const) {
      within(c.latency!.overall[key], percentileOf(truth.latencyMs, p), 0.02);
      within(c.payloads.request![key], percentileOf(truth.requestBytes, p), 0.02);
    }
  });
});
