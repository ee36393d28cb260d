/**
 * Closing the loop (issue 13, Deliver 4): a scenario runs against the real reference server with an access log;
 * that log is characterized; the trace it writes is replayed against the server. The replay sends exactly one
 * request per logged request, its per-second rates correlate with the log's (Pearson ≥ 0.95), and the rows the
 * server counts say each line went out at its logged size.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterizeLogs } from '../../../src/characterize/characterize.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { metricValue, startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { TINY_MLP, tinyMlpConfig } from '../../helpers/test-repo.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-loop-'));
const accessLog = path.join(dir, 'access.jsonl');

/** pearson is the correlation of two equally long series. */
function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('run → access log → characterize → replay', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') }, { accessLog });
  });
  afterAll(() => server.close());

  const target = (): string => {
    const file = path.join(dir, 'target.yaml');
    writeFileSync(file, `name: ref\nprotocol: kserve-http\nurl: "http://127.0.0.1:${server.httpPort}"\nbinary: true\n`);
    return file;
  };

  it('replays the log: the same request count, rates that correlate, the logged sizes', async () => {
    // The original: a varied rate (steady, a ramp, a drop) with two request sizes, 1 and 4 rows.
    const original = parseScenario(
      `name: original
seed: 4
request:
  model: tiny
  inputs: [{name: input, datatype: FP32, shape: [1, ${TINY_MLP.inputSize}], data: random}]
  mix:
    - {name: small, weight: 3, inputs: [{name: input, datatype: FP32, shape: [1, ${TINY_MLP.inputSize}], data: random}]}
    - {name: large, weight: 1, inputs: [{name: input, datatype: FP32, shape: [4, ${TINY_MLP.inputSize}], data: random}]}
phases:
  - {name: low, duration: 1.5s, rate: 30, arrival: poisson}
  - {name: ramp, duration: 1.5s, rate: {from: 30, to: 200}}
  - {name: mid, duration: 2s, rate: 80, arrival: poisson}
`,
      { baseDir: dir, targetOverride: target() },
    );
    const first = await runPlan(original, { outDir: path.join(dir, 'original'), workers: 1 });
    expect(first.results.totals.ok).toBe(first.results.totals.sent);
    // The log is written off the request path: wait until every infer the server answered (the run's, its check
    // and warm-up) is in it.
    const logLines = (): string[] => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8').split('\n').filter(Boolean) : []);
    const infers = (lines: string[]): number => lines.filter((l) => l.includes('"method":"POST"')).length;
    const served = (): Promise<number> => metricValue(server.metricsPort, 'nv_inference_request_success', { model: 'tiny', version: '1' });
    const servedAfterOriginal = await served();
    await expect.poll(() => infers(logLines()), { timeout: 5000, interval: 50 }).toBe(servedAfterOriginal);
    const originalLines = logLines();

    const out = await characterizeLogs([accessLog], {
      read: {},
      analyze: {},
      scenario: { request: { model: 'tiny', input: 'input', datatype: 'FP32', rowShape: [TINY_MLP.inputSize], maxRows: 64 }, phaseS: 10, seed: 1 },
      outDir: path.join(dir, 'characterized'),
    });
    const c = out.characterization;
    expect(out.read.files[0]!.format).toBe('gauntlet access log');
    expect(c.rates.requests).toBe(originalLines.length);

    const replay = parseScenario(readFileSync(out.files.replay, 'utf8'), { file: out.files.replay, baseDir: path.dirname(out.files.replay), targetOverride: target() });
    const second = await runPlan(replay, { outDir: path.join(dir, 'replay'), workers: 1 });
    expect(second.results.totals.sent).toBe(c.rates.requests);
    expect(second.results.totals.ok).toBe(c.rates.requests);

    // Per second: the replay's sends against the log's requests, both counted from the first logged request.
    const starts = originalLines.map((l) => (JSON.parse(l) as { start_us: number }).start_us);
    const t0 = Math.min(...starts);
    const logged: number[] = [];
    for (const us of starts) {
      const sec = Math.floor((us - t0) / 1e6);
      logged[sec] = (logged[sec] ?? 0) + 1;
    }
    const replayed = second.results.intervals.map((i) => i.sentRps);
    const n = Math.min(logged.length, replayed.length);
    expect(n).toBeGreaterThanOrEqual(5);
    const r = pearson(Array.from(logged.slice(0, n), (v) => v ?? 0), replayed.slice(0, n));
    expect(r, JSON.stringify({ logged, replayed })).toBeGreaterThanOrEqual(0.95);

    // Sizes: the replay's 4-row requests, as its own access-log lines show them, are the original's, one for one
    // (both runs' unmeasured check and warm-up requests are of the scenario's own 1-row request).
    const servedAfterReplay = await served();
    await expect.poll(() => infers(logLines()), { timeout: 5000, interval: 50 }).toBe(servedAfterReplay);
    const bytesOf = (lines: string[]): number[] => lines.map((l) => JSON.parse(l) as { request_bytes: number; method: string }).filter((e) => e.method === 'POST').map((e) => e.request_bytes);
    const large = Math.max(...bytesOf(originalLines));
    const count = (v: number[]): number => v.filter((b) => b === large).length;
    expect(count(bytesOf(originalLines))).toBeGreaterThan(10);
    expect(count(bytesOf(logLines().slice(originalLines.length)))).toBe(count(bytesOf(originalLines)));
  });
});
