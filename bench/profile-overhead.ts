/**
 * profile-overhead: the bars of `gauntlet profile` (issue 12), in one process on this machine.
 * Usage: `npx tsx bench/profile-overhead.ts [--threads N] [--full FAMILY]`.
 *  1. profile's batch-1 p50 (its worker-thread measuring loop) ÷ a bare ORT loop's p50 on the same session
 *     options, in the same process, rounds alternating so drift hits both alike (bar: within 10 %);
 *  2. the int8 mlp's throughput at batch 32 ÷ fp32's, measured by the profile itself (bar: ≥ 1.5×, cosine ≥ 0.999);
 *  3. with --full FAMILY: the wall time of a default profile of that family (bar: under 3 minutes).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeFeeds, resolveDims } from '../src/profile/feeds.js';
import { medianCi } from '../src/profile/median-ci.js';
import { resolveModel } from '../src/profile/model-source.js';
import { MAX_ITERATIONS, MIN_ITERATIONS, runProfile, TARGET_CI_SHARE, WARMUP_ITERATIONS, type ProfileOptions } from '../src/profile/profile-run.js';
import { ProfileSession } from '../src/profile/profile-session.js';

const ROUNDS = 7;
const ROUND_MS = 1500;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const threads = Number(arg('--threads') ?? 1);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const log = (l: string): void => void process.stdout.write(`${l}\n`);

function options(batchSizes: number[], outDir: string): ProfileOptions {
  return { batchSizes, precisions: [], ep: 'cpu', threads, shapes: {}, p99Ms: null, minCosine: 0.999, maxAccuracyDrop: null, targetCiShare: TARGET_CI_SHARE, maxSecondsPerCell: 5, evalData: null, costPerHour: null, outDir };
}

async function overhead(): Promise<void> {
  const source = await resolveModel('mlp', ['fp32'], undefined, () => {});
  const file = source.files.get('fp32')!;
  const prof = await ProfileSession.open({ modelPath: file, ep: 'cpu', threads });
  const feeds = makeFeeds(prof.inputs, resolveDims(prof.inputs, {}), 1, 1, 'batch-1');
  // The bare loop: the same session options as profile-worker.ts, on this (main) thread.
  const bare = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', interOpNumThreads: 1, intraOpNumThreads: threads, executionMode: 'sequential', executionProviders: ['cpu'], logSeverityLevel: 3 });
  const f = feeds[0]!;
  const tensor = { [f.name]: new ort.Tensor('float32', f.data as Float32Array, f.dims) };
  const profP50: number[] = [];
  const bareP50: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // A fixed time per round for both (no early stop), so both take the same number of samples per second.
    const got = await prof.request({ kind: 'measure', feeds, maxMs: ROUND_MS, warmupIterations: WARMUP_ITERATIONS, minIterations: MAX_ITERATIONS, maxIterations: MAX_ITERATIONS, targetShare: 0 });
    if (got.kind !== 'measured') throw new Error(`profile worker: ${got.kind}`);
    profP50.push(medianCi(got.samples)!.median);
    for (let i = 0; i < WARMUP_ITERATIONS; i++) await bare.run(tensor);
    const samples: number[] = [];
    const end = performance.now() + ROUND_MS;
    while (performance.now() < end) {
      const t0 = performance.now();
      await bare.run(tensor);
      samples.push(performance.now() - t0);
    }
    bareP50.push(medianCi(samples)!.median);
  }
  await prof.close();
  await bare.release();
  const p = median(profP50);
  const b = median(bareP50);
  log(`batch-1 p50 (mlp fp32, ${threads} thread(s), median of ${ROUNDS} alternating rounds of ${ROUND_MS} ms): profile ${(p * 1000).toFixed(1)} µs, bare ORT loop ${(b * 1000).toFixed(1)} µs, ratio ${(p / b).toFixed(3)} (bar: <= 1.10)`);
}

async function int8Speedup(): Promise<void> {
  const source = await resolveModel('mlp', ['fp32', 'int8'], undefined, () => {});
  const out = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-profile-'));
  const record = await runProfile(source, { ...options([32], out), precisions: ['fp32', 'int8'] }, new AbortController().signal);
  const thr = (p: string): number => record.cells.find((c) => c.precision === p)!.throughputSamplesPerS;
  const cos = record.variants.find((v) => v.precision === 'int8')!.accuracy!.cosine;
  log(`mlp batch 32 (${threads} thread(s)): fp32 ${thr('fp32')} samples/s, int8 ${thr('int8')} samples/s, int8/fp32 ${(thr('int8') / thr('fp32')).toFixed(2)}x (bar: >= 1.5x), int8 cosine ${cos} (bar: >= 0.999)`);
}

async function full(family: string): Promise<void> {
  const t0 = performance.now();
  const source = await resolveModel(family, undefined, undefined, () => {});
  const out = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-profile-'));
  const o = { ...options([1, 8, 32, 128], out), threads: null, precisions: [...source.files.keys()] };
  const record = await runProfile(source, o, new AbortController().signal);
  const s = (performance.now() - t0) / 1000;
  const unconverged = record.cells.filter((c) => !c.converged).length;
  log(`full default profile of ${family} (${record.cells.length} cells, ${unconverged} stopped by the 5 s bound): ${s.toFixed(1)} s (bar: < 180 s)`);
}

await overhead();
await int8Speedup();
const fam = arg('--full');
if (fam !== undefined) await full(fam);
