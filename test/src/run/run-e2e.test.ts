/**
 * gauntlet run end to end against the real reference server (a separate server in this process, on port 0)
 * over KServe v2 HTTP JSON, HTTP binary and gRPC: results.json, the .hlog, the server's scraped metrics, the SLO
 * verdict and its exit code, and an unreachable target.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'gauntlet-run-'));

function scenario(target: string, extra = ''): string {
  return `
name: e2e
seed: 5
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
target: ${target}
slo: {p99_ms: 2000, error_rate: 0.01}
phases:
  - {name: warm, duration: 1s, rate: 40, slo: off}
  - {name: steady, duration: 2s, rate: 60, arrival: poisson}
${extra}`;
}

describe('gauntlet run against the reference server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny', { dynamic_batching: { max_queue_delay_microseconds: 200 } }) });
  });
  afterAll(() => server.close());

  const targets = (): Record<string, string> => ({
    'kserve-http JSON': `{name: json, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}", binary: false, metrics_url: "http://127.0.0.1:${server.metricsPort}/metrics"}`,
    'kserve-http binary': `{name: binary, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}", binary: true, metrics_url: "http://127.0.0.1:${server.metricsPort}/metrics"}`,
    'kserve-grpc': `{name: grpc, protocol: kserve-grpc, url: "127.0.0.1:${server.grpcPort}", metrics_url: "http://127.0.0.1:${server.metricsPort}/metrics"}`,
  });

  it.each(['kserve-http JSON', 'kserve-http binary', 'kserve-grpc'])('%s: every request answered, results and .hlog written', async (name) => {
    const dir = tmp();
    const plan = parseScenario(scenario(targets()[name]!), { baseDir: process.cwd() });
    const { results, exitCode } = await runPlan(plan, { outDir: dir, workers: 1 });
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(onDisk.status).toBe('complete');
    expect(onDisk.schemaVersion).toBe(3);
    expect(results.phases.map((p) => p.name)).toEqual(['warm', 'steady']);
    const [warm, steady] = results.phases;
    expect(warm!.sent).toBe(40);
    expect(steady!.sent).toBeGreaterThan(80);
    for (const p of results.phases) {
      expect(p.errors).toEqual({});
      expect(p.ok).toBe(p.sent);
      expect(p.latencyUs.p50).toBeGreaterThan(0);
      expect(p.latencyUs.p50).toBeLessThanOrEqual(p.latencyUs.p99);
      expect(p.serviceTimeUs.p50).toBeLessThanOrEqual(p.latencyUs.p99);
    }
    expect(results.totals.lost).toBe(0);
    expect(results.slo.checks.map((c) => `${c.phase}.${c.metric}`)).toEqual(['steady.p99', 'steady.error_rate']);
    // The server's own view was scraped beside the client's.
    expect(results.server?.intervals.length).toBeGreaterThan(0);
    expect(results.server!.intervals.some((i) => i.requestsPerS > 0)).toBe(true);
    // The run is valid unless this shared machine delayed the generator; either way the verdict matches.
    if (results.valid) expect(exitCode).toBe(0);
    else {
      expect(exitCode).toBe(3);
      expect(results.invalidReasons.join()).toMatch(/could not keep up/);
    }
    // The interval log has one line per second and phase, readable by HdrHistogram's reader.
    const log = readFileSync(path.join(dir, 'latency.hlog'), 'utf8');
    const reader = new hdr.HistogramLogReader(log);
    let total = 0;
    for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) total += h.totalCount;
    expect(total).toBe(results.totals.ok);
    expect(results.intervals.reduce((n, r) => n + r.okRps, 0)).toBe(results.totals.ok);
  });

  it('reports an SLO violation with exit code 1 (or 3 when the measurement was invalid)', async () => {
    const text = scenario(targets()['kserve-http binary']!).replace('p99_ms: 2000', 'p99_ms: 0.001');
    const { results, exitCode } = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: tmp(), workers: 1 });
    expect(results.slo.pass).toBe(false);
    const failed = results.slo.checks.filter((c) => !c.pass);
    expect(failed.map((c) => c.metric)).toEqual(['p99']);
    expect(exitCode).toBe(results.valid ? 1 : 3);
  });

  it('counts error responses by code and keeps their messages', async () => {
    const text = scenario(targets()['kserve-http JSON']!).replace('model: tiny', 'model: nosuch');
    // The preflight request already fails: an unknown model is a setup error, not a measurement.
    await expect(runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: tmp(), workers: 1 })).rejects.toThrow(/unknown model 'nosuch'/);
  });

  it('fails fast with TARGET_UNREACHABLE when nothing listens', async () => {
    const text = scenario(`{name: nobody, protocol: kserve-http, url: "http://127.0.0.1:1"}`);
    const started = Date.now();
    const err = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: tmp(), workers: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_TARGET_UNREACHABLE');
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('runs a closed-loop phase at the given concurrency', async () => {
    const text = scenario(targets()['kserve-grpc']!).replace(/phases:[\s\S]*$/, 'phases:\n  - {name: closed, duration: 1s, concurrency: 4}\n');
    const { results } = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: tmp(), workers: 2 });
    const p = results.phases[0]!;
    expect(p.kind).toBe('closed');
    expect(p.ok).toBeGreaterThan(20);
    expect(p.errors).toEqual({});
    expect(results.generator.workers).toBe(2);
    expect(results.totals.lost).toBe(0);
  });
});
