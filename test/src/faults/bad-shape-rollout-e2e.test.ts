/**
 * A bad rollout whose new version answers with the wrong output shape, end to end with runPlan against the real
 * reference server (explicit model control): the scenario's response check (`request.expect`) turns each wrong
 * answer into BAD_OUTPUT, the rollout guard's error_rate counts it, detects the breach within its bound and rolls
 * back to the configuration from before the step; the damage window holds the wrong answers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlp } from '../../../reference-server/models/mlp.js';
import { RepositoryClient } from '../../../src/faults/repository-client.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { TINY_MLP, tinyMlpConfig } from '../../helpers/test-repo.js';

let server: TestServer;
beforeAll(async () => {
  // Output dims -1: the config admits both versions' sessions; version 2 answers 6 numbers a row instead of 4.
  const config = tinyMlpConfig('tiny', { output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [-1] }], version_policy: { specific: { versions: [1] } } });
  server = await startTestServer({ tiny: config }, { modelControl: 'explicit', models: ['tiny'], versions: [1, 2], maxEventLoopDelayMs: 60_000 });
  writeFileSync(path.join(server.repo, 'tiny', '2', 'model.onnx'), buildMlp({ ...TINY_MLP, outputSize: 6 }, 'fp32'));
});
afterAll(() => server?.close(1000));

describe('a rollout to a version with the wrong output shape', () => {
  it('is caught by the response check through the guard error rate and rolled back', async () => {
    const text = `
name: bad-shape-rollout
seed: 3
request:
  model: tiny
  inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]
  expect: {outputs: [{name: output, datatype: FP32, shape: [1, 4]}]}
target: {name: local, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
phases:
  - {name: steady, duration: 10s, rate: 40}
faults:
  - {at: 2s, action: load-model, model: tiny, version: 2, guard: {error_rate: 0.5, window: 1s, for: 6s, detect_within: 4s}}
`;
    const { results, exitCode } = await runPlan(parseScenario(text, { baseDir: process.cwd() }), { outDir: mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bad-shape-')), workers: 1 });
    const g = results.faults[0]!.guard!;
    expect(g.breach?.reason).toMatch(/% failed \(over 50 %\)/);
    expect(g.breach!.detectionDelayS).toBeLessThanOrEqual(4);
    expect(g.rollback).toMatchObject({ outcome: 'ok' });
    expect(g.verdict.pass, g.verdict.reason).toBe(true);
    expect(results.totals.failed).toBeGreaterThan(0);
    expect(Object.keys(results.phases[0]!.errors)).toContain('BAD_OUTPUT');
    expect(g.damage).toMatchObject({ startS: g.breach!.firstSecondS, recovered: true });
    expect(g.damage!.failed).toBeGreaterThan(0);
    // After the damage window, every answer has the right shape again: version 1 serves alone.
    const after = results.intervals.filter((s) => s.t >= g.damage!.endS + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => (s.errors['BAD_OUTPUT'] ?? 0) === 0)).toBe(true);
    expect(await new RepositoryClient(`http://127.0.0.1:${server.httpPort}`, 10_000, new AbortController().signal).readyVersions('tiny')).toEqual([1]);
    expect(exitCode).toBe(0);
  }, 60_000);
});
