/**
 * llm-batching: continuous against static against no batching on the reference LLM (issue 14's bar), and
 * continuous batching with each step's prefills batched (the engine's default) against one prefill per graph call
 * (`continuous-1pf`: the engine opened with prefillBatchTokens 0), in one run.
 * Usage: `npm run build && node dist/bench/llm-batching.js [--seconds S] [--concurrency N] [--rounds R]`.
 * The reference LLM (fp32) is built once; for each mode a reference server serves it with `llm.batching` set
 * (continuous, continuous-1pf, static, none; max_num_seqs = the concurrency), and `gauntlet run` keeps N requests outstanding
 * (closed loop) for S seconds with synthetic prompts of 32–96 tokens and answers of 64 tokens (EOS ignored).
 * Modes alternate over R rounds so drift on a shared machine hits each alike; the medians are compared.
 * Bars: continuous ≥ 2× the output tokens/s of none, and a lower TTFT p99 than static.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { buildLlm } from '../reference-server/llm/build-llm.js';
import { createLlmTokenizer, DEFAULT_LLM_FACTORY, type LlmFactory } from '../reference-server/llm/engine-factory.js';
import { OnnxLlmEngine } from '../reference-server/llm/onnx-engine.js';
import { startReferenceServer } from '../reference-server/server.js';
import { runPlan } from '../src/run/run.js';
import { parseScenario } from '../src/scenario/parse-scenario.js';

const MODES = ['continuous', 'continuous-1pf', 'static', 'none'] as const;
type Mode = (typeof MODES)[number];
/** The sequential-prefill baseline: every prefill in a graph call of its own. */
const ONE_PREFILL_PER_CALL: LlmFactory = { createEngine: (dir) => OnnxLlmEngine.open(dir, { prefillBatchTokens: 0 }), createTokenizer: createLlmTokenizer };

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const seconds = arg('--seconds', 8);
const concurrency = arg('--concurrency', 16);
const rounds = arg('--rounds', 3);
const log = (l: string): void => void process.stdout.write(`${l}\n`);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/** setBatching rewrites the LLM folder's config.yaml with the mode (the server reads it at start). */
function setBatching(modelDir: string, mode: Mode): void {
  const file = path.join(modelDir, 'config.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  doc['llm'] = { batching: mode === 'continuous-1pf' ? 'continuous' : mode, max_num_seqs: concurrency };
  writeFileSync(file, stringify(doc));
}

/** measure serves the LLM in one mode and keeps `concurrency` requests outstanding; tokens/s and TTFT p99 (ms). */
async function measure(repo: string, mode: Mode, outDir: string): Promise<{ tokensPerS: number; ttftP99Ms: number; tpotP50Ms: number }> {
  setBatching(path.join(repo, 'tiny-llm'), mode);
  const llmFactory = mode === 'continuous-1pf' ? ONE_PREFILL_PER_CALL : DEFAULT_LLM_FACTORY;
  const server = await startReferenceServer({ modelRepository: repo, httpPort: 0, grpcPort: 0, metricsPort: 0, llmFactory });
  try {
    const plan = parseScenario(
      `name: llm-batching-${mode}
seed: 11
target: {name: ref-llm, protocol: openai, url: "http://127.0.0.1:${server.httpPort}", model: tiny-llm, max_in_flight: ${concurrency}}
request:
  prompts: {synthetic: {input_tokens: {uniform: {min: 32, max: 96}}}}
  output_tokens: 64
  ignore_eos: true
phases:
  - {name: load, duration: ${seconds}s, concurrency: ${concurrency}}
`,
      { baseDir: outDir },
    );
    const { results } = await runPlan(plan, { outDir: path.join(outDir, mode), workers: 1 });
    const t = results.phases[0]!.tokens!;
    return { tokensPerS: t.outputTokensPerS, ttftP99Ms: t.ttftUs.p99 / 1000, tpotP50Ms: t.tpotUs.p50 / 1000 };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-llm-'));
  try {
    const repo = path.join(dir, 'models');
    await buildLlm({ outDir: repo, precisions: ['fp32'], agreement: { prompts: 1, tokens: 1 } });
    log(`llm-batching: tiny-llm fp32, concurrency ${concurrency} (closed loop), ${seconds} s per mode, ${rounds} rounds alternating, ${os.cpus().length} cores, Node ${process.version}`);
    const got: Record<Mode, { tokensPerS: number[]; ttftP99Ms: number[]; tpotP50Ms: number[] }> = {
      continuous: { tokensPerS: [], ttftP99Ms: [], tpotP50Ms: [] },
      'continuous-1pf': { tokensPerS: [], ttftP99Ms: [], tpotP50Ms: [] },
      static: { tokensPerS: [], ttftP99Ms: [], tpotP50Ms: [] },
      none: { tokensPerS: [], ttftP99Ms: [], tpotP50Ms: [] },
    };
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES) {
        const m = await measure(repo, mode, path.join(dir, `round-${r}`));
        got[mode].tokensPerS.push(m.tokensPerS);
        got[mode].ttftP99Ms.push(m.ttftP99Ms);
        got[mode].tpotP50Ms.push(m.tpotP50Ms);
        log(`  round ${r + 1} ${mode.padEnd(14)} ${m.tokensPerS.toFixed(0).padStart(6)} output tokens/s, TTFT p99 ${m.ttftP99Ms.toFixed(1)} ms, TPOT p50 ${m.tpotP50Ms.toFixed(2)} ms`);
      }
    }
    const med = (mode: Mode, k: 'tokensPerS' | 'ttftP99Ms' | 'tpotP50Ms'): number => median(got[mode][k]);
    for (const mode of MODES) log(`${mode.padEnd(14)} median ${med(mode, 'tokensPerS').toFixed(0)} output tokens/s, TTFT p99 ${med(mode, 'ttftP99Ms').toFixed(1)} ms, TPOT p50 ${med(mode, 'tpotP50Ms').toFixed(2)} ms`);
    log(`ratio TTFT p99 batched prefills / one prefill per call (continuous): ${(med('continuous', 'ttftP99Ms') / med('continuous-1pf', 'ttftP99Ms')).toFixed(2)}`);
    log(`ratio tokens/s batched prefills / one prefill per call (continuous): ${(med('continuous', 'tokensPerS') / med('continuous-1pf', 'tokensPerS')).toFixed(2)}`);
    const ratio = med('continuous', 'tokensPerS') / med('none', 'tokensPerS');
    log(`ratio tokens/s continuous / none: ${ratio.toFixed(2)}  [bar: ≥ 2: ${ratio >= 2 ? 'MET' : 'MISSED'}]`);
    const ttft = med('continuous', 'ttftP99Ms') / med('static', 'ttftP99Ms');
    log(`ratio TTFT p99 continuous / static: ${ttft.toFixed(2)}  [bar: < 1: ${ttft < 1 ? 'MET' : 'MISSED'}]`);
    log(`ratio tokens/s continuous / static: ${(med('continuous', 'tokensPerS') / med('static', 'tokensPerS')).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
