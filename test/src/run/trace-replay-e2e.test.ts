/**
 * Trace replay with sizes and models, end to end against the real reference server: a trace whose lines go to
 * two models with two sizes each is replayed (windowed, looped, split over two load workers), and the server's own
 * metrics say that every line arrived at its model with its batch size: per model, the requests and the rows
 * (nv_inference_count counts a batch of N as N) are exactly what the trace says, plus the one check request per
 * model before the run. A model the server does not serve stops the run before it starts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { buildPayloads } from '../../../src/targets/tensor-data.js';
import { encodeInferBody } from '../../../src/targets/kserve-http-client.js';
import type { RequestSpec } from '../../../src/targets/target-spec.js';
import { metricValue, startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { TINY_MLP, tinyMlpConfig } from '../../helpers/test-repo.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-replay-'));

/** bodyBytes is the binary infer body of the tiny mlp with `rows` rows (what a trace line of that size asks for). */
function bodyBytes(rows: number): number {
  const request: RequestSpec = { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, TINY_MLP.inputSize], data: { kind: 'random' } }], payloads: 1 };
  return encodeInferBody(request, buildPayloads(request, 1)[0]!, true).body.length;
}

describe('trace replay with sizes and models against the reference server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ a: tinyMlpConfig('a'), b: tinyMlpConfig('b'), w: tinyMlpConfig('w') });
  });
  afterAll(() => server.close());

  const scenario = (trace: string, phase: string): ReturnType<typeof parseScenario> => {
    writeFileSync(path.join(dir, 'trace.csv'), trace);
    return parseScenario(
      `name: replay
seed: 3
request: {model: w, inputs: [{name: input, datatype: FP32, shape: [1, ${TINY_MLP.inputSize}], data: random}]}
target: {name: ref, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}", binary: true}
phases:
  - {name: replay, trace: trace.csv, ${phase}}
`,
      { baseDir: dir },
    );
  };

  it('sends each line its size to its model, exactly as many as the trace says', async () => {
    // 12 lines over 0.55 s: models a and b, 1 or 8 rows, and lines with neither (the scenario's request, model w).
    const plan: [string, number | undefined][] = [['a', 1], ['b', 8], ['a', 8], ['', undefined], ['b', 1], ['a', 1], ['b', 8], ['a', 8], ['', 8], ['b', 1], ['a', 1], ['b', 8]];
    const lines = plan.map(([m, rows], i) => `${(i * 0.05).toFixed(3)},${rows === undefined ? '' : bodyBytes(rows)},${m}`);
    // A line before the window is not sent; the window is replayed twice.
    const trace = `time_s,request_bytes,model\n0,${bodyBytes(8)},a\n${lines.map((l) => l.replace(/^[\d.]+/, (t) => String(Number(t) + 1))).join('\n')}\n`;
    const before = { a: await counts('a'), b: await counts('b'), w: await counts('w') };
    const { results } = await runPlan(scenario(trace, 'from: 1s, loop: 2'), { outDir: path.join(dir, 'run'), workers: 2 });
    expect(results.totals.sent).toBe(24);
    expect(results.totals.ok).toBe(24);
    // Per model: twice the trace's lines, plus one check before the run (the first line's request of each model).
    const want = (model: string, checkRows: number): { requests: number; rows: number } => {
      const mine = plan.filter(([m]) => (m || 'w') === model);
      return { requests: 2 * mine.length + 1, rows: 2 * mine.reduce((n, [, r]) => n + (r ?? 1), 0) + checkRows };
    };
    const after = { a: await counts('a'), b: await counts('b'), w: await counts('w') };
    const delta = (m: 'a' | 'b' | 'w'): { requests: number; rows: number } => ({ requests: after[m].requests - before[m].requests, rows: after[m].rows - before[m].rows });
    expect(delta('a')).toEqual(want('a', 1));
    expect(delta('b')).toEqual(want('b', 8));
    // Model w also got the preflight check of the scenario's request and each worker's unmeasured warm-up (1 row each).
    const warmups = delta('w').requests - want('w', 8).requests;
    expect(warmups).toBeGreaterThanOrEqual(1);
    expect(delta('w').rows - warmups).toBe(want('w', 8).rows);
  });

  it('stops before the run when the trace names a model the server does not serve', async () => {
    await expect(runPlan(scenario('time_s,model\n0,a\n0.01,nosuch\n', 'speed: 1'), { outDir: path.join(dir, 'bad'), workers: 1 })).rejects.toMatchObject({
      code: 'GAUNTLET_ERR_TARGET_UNREACHABLE',
      message: expect.stringMatching(/trace model nosuch.*unknown model 'nosuch'/s),
    });
  });

  /** counts is what the server says model m served: requests and rows. */
  async function counts(model: string): Promise<{ requests: number; rows: number }> {
    const labels = { model, version: '1' };
    return { requests: await metricValue(server.metricsPort, 'nv_inference_request_success', labels), rows: await metricValue(server.metricsPort, 'nv_inference_count', labels) };
  }
});
