/**
 * What one step of the reference LLM costs through OnnxLlmEngine (worker thread included), decode at batch 1
 * against decode at batch 16, at a few past lengths: continuous batching pays off only if a batched decode costs
 * much less per token than single ones. The two are measured in turns (BENCH_ROUNDS rounds, because this machine
 * is noisy); prints each one's median wall time per step and the process's CPU time per step (less sensitive to
 * the machine's other load), per token too, and the median of the rounds' per-token ratios. Then a step of 16
 * prefills (prompts of 32–96 tokens) with the prefills batched (the engine's default) against one prefill per graph
 * call (an engine opened with prefillBatchTokens 0), in turns.
 * Run: `npm run build && node dist/bench/llm-step.js` (BENCH_STEPS=N decode steps per measurement, default 40;
 * BENCH_ROUNDS=N, default 5; BENCH_THREADS=N ORT intra-op threads, default 1; BENCH_PRECISION=fp32|fp16|int8|int4).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLlm, llmVariantName, LLM_NAME } from '../reference-server/llm/build-llm.js';
import { OnnxLlmEngine } from '../reference-server/llm/onnx-engine.js';
import { isPrecision } from '../reference-server/models/layers.js';

const STEPS = Number(process.env['BENCH_STEPS'] ?? 40);
const THREADS = Number(process.env['BENCH_THREADS'] ?? 1);
const PRECISION = process.env['BENCH_PRECISION'] ?? 'fp32';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const PROMPT_TOKENS = [16, 128, 384];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** decodeStepMs prefills `batch` prompts of `promptTokens`, then times STEPS decode steps over all of them (their median). */
async function decodeStepMs(engine: OnnxLlmEngine, batch: number, promptTokens: number, firstSeq: number): Promise<{ wall: number[]; cpuMs: number }> {
  const ids = Array.from({ length: batch }, (_, i) => firstSeq + i);
  let last = await engine.step(ids.map((seqId) => ({ seqId, tokens: Array.from({ length: promptTokens }, (_, t) => (seqId * 31 + t * 7) % 4000) })));
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let s = 0; s < STEPS; s++) {
    const t0 = performance.now();
    last = await engine.step(last.map((o) => ({ seqId: o.seqId, tokens: [o.token] })));
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  for (const id of ids) engine.release(id);
  return { wall: times, cpuMs: (cpu.user + cpu.system) / 1000 / STEPS };
}

/** prefillStepMs times one step that prefills 16 prompts of 32–96 tokens (wall ms, and the process's CPU ms), then releases them. */
async function prefillStepMs(engine: OnnxLlmEngine, firstSeq: number): Promise<{ wall: number; cpu: number }> {
  const batch = Array.from({ length: 16 }, (_, i) => ({ seqId: firstSeq + i, tokens: Array.from({ length: 32 + ((i * 37) % 65) }, (_, t) => (i * 31 + t * 7) % 4000) }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await engine.step(batch);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const { seqId } of batch) engine.release(seqId);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

async function main(): Promise<void> {
  if (!isPrecision(PRECISION)) throw new Error(`BENCH_PRECISION: unknown precision ${PRECISION}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-llm-step-'));
  try {
    await buildLlm({ outDir: dir, precisions: [PRECISION] });
    const engine = await OnnxLlmEngine.open(path.join(dir, llmVariantName(LLM_NAME, PRECISION)), { intraOpThreads: THREADS });
    let seq = 1;
    await decodeStepMs(engine, 16, 16, (seq += 100)); // warm-up
    console.log(`reference LLM ${PRECISION}, ${THREADS} intra-op thread(s), median of ${STEPS} decode steps`);
    for (const prompt of PROMPT_TOKENS) {
      const ones: number[] = [];
      const sixteens: number[] = [];
      const ratios: number[] = [];
      const cpuOnes: number[] = [];
      const cpuSixteens: number[] = [];
      const cpuRatios: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const a = await decodeStepMs(engine, 1, prompt, (seq += 100));
        const b = await decodeStepMs(engine, 16, prompt, (seq += 100));
        ones.push(...a.wall);
        sixteens.push(...b.wall);
        ratios.push(median(a.wall) / (median(b.wall) / 16));
        cpuOnes.push(a.cpuMs);
        cpuSixteens.push(b.cpuMs);
        cpuRatios.push(a.cpuMs / (b.cpuMs / 16));
      }
      const [one, sixteen] = [median(ones), median(sixteens)];
      const [cpuOne, cpuSixteen] = [median(cpuOnes), median(cpuSixteens)];
      console.log(
        `past ~${prompt}: wall batch 1 ${one.toFixed(2)} ms/step, batch 16 ${sixteen.toFixed(2)} ms/step (${(sixteen / 16).toFixed(3)} ms/token), ` +
          `${median(ratios).toFixed(1)}x cheaper per token; CPU batch 1 ${cpuOne.toFixed(2)} ms/step, batch 16 ` +
          `${cpuSixteen.toFixed(2)} ms/step (${(cpuSixteen / 16).toFixed(3)} ms/token), ${median(cpuRatios).toFixed(1)}x cheaper per token`,
      );
    }
    const single = await OnnxLlmEngine.open(path.join(dir, llmVariantName(LLM_NAME, PRECISION)), { intraOpThreads: THREADS, prefillBatchTokens: 0 });
    const got = { batched: [] as number[], alone: [] as number[], ratio: [] as number[], cpuBatched: [] as number[], cpuAlone: [] as number[], cpuRatio: [] as number[] };
    for (let r = 0; r < ROUNDS * 4; r++) {
      const a = await prefillStepMs(engine, (seq += 100));
      const b = await prefillStepMs(single, (seq += 100));
      if (r === 0) continue; // warm-up
      got.batched.push(a.wall);
      got.alone.push(b.wall);
      got.ratio.push(b.wall / a.wall);
      got.cpuBatched.push(a.cpu);
      got.cpuAlone.push(b.cpu);
      got.cpuRatio.push(b.cpu / a.cpu);
    }
    const m = (k: keyof typeof got): string => median(got[k]).toFixed(2);
    console.log(
      `16 prefills of 32-96 tokens in one step: wall batched ${m('batched')} ms/step, one per call ${m('alone')} ms/step, ${m('ratio')}x faster batched; ` +
        `CPU batched ${m('cpuBatched')} ms/step, one per call ${m('cpuAlone')} ms/step, ${m('cpuRatio')}x cheaper batched`,
    );
    await Promise.all([engine.close(), single.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
