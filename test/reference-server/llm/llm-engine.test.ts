import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LlmModelInfo, StepInput } from '../../../reference-server/llm/engine.js';
import { buildLlmGraph, resolveLlmOptions } from '../../../reference-server/llm/llm-graph.js';
import { LlmRunner } from '../../../reference-server/llm/llm-runner.js';
import { OnnxLlmEngine } from '../../../reference-server/llm/onnx-engine.js';

// A small model keeps the suite fast; the graph is the bundled one's.
const OPTIONS = resolveLlmOptions({ layers: 2, dModel: 64, heads: 4, ffn: 128, vocab: 512, maxContext: 48 });
const INFO: LlmModelInfo = {
  name: 'test-llm',
  precision: 'fp32',
  vocabSize: OPTIONS.vocab,
  maxContext: OPTIONS.maxContext,
  layers: OPTIONS.layers,
  dModel: OPTIONS.dModel,
  heads: OPTIONS.heads,
  eosToken: OPTIONS.vocab - 1,
};
const MODEL = buildLlmGraph(OPTIONS, 'fp32');
const PROMPTS = [
  [5, 17, 300, 42, 8, 99, 100],
  [401, 2],
  [7, 7, 123, 250, 3, 9, 60, 61, 62, 63, 64, 200],
];

/** generate runs `prompts` as one batch (prefills, then decodes together) and returns `n` tokens each. */
async function generate(engine: { step(b: StepInput[]): Promise<{ seqId: number; token: number }[]> }, prompts: number[][], n: number, firstSeq: number): Promise<number[][]> {
  const out: number[][] = prompts.map(() => []);
  let batch = prompts.map((tokens, i) => ({ seqId: firstSeq + i, tokens }));
  for (let s = 0; s < n; s++) {
    const outputs = await engine.step(batch);
    outputs.forEach((o, i) => out[i]?.push(o.token));
    batch = outputs.map((o) => ({ seqId: o.seqId, tokens: [o.token] }));
  }
  return out;
}

describe('the reference LLM graph and runner', () => {
  it('prefill then decode gives the same tokens as one longer prefill (the KV cache is right)', async () => {
    const runner = await LlmRunner.create(MODEL, INFO, { intraOpThreads: 1 });
    const [generated] = await generate({ step: async (b) => (await runner.step(b)).outputs }, [PROMPTS[0]!], 8, 1);
    for (let k = 1; k < 8; k++) {
      const { outputs } = await runner.step([{ seqId: 100 + k, tokens: [...PROMPTS[0]!, ...generated!.slice(0, k)] }]);
      expect(outputs[0]?.token, `token ${k}`).toBe(generated![k]);
    }
    expect(runner.kvTokens()).toBe(PROMPTS[0]!.length + 7 + [1, 2, 3, 4, 5, 6, 7].reduce((a, k) => a + PROMPTS[0]!.length + k, 0));
    await runner.close();
  });

  it.each([1, 4])('a decode batch mixing past lengths (and a padded multi-token continuation) gives each sequence its own tokens (%i KV heads)', async (kvHeads) => {
    const model = kvHeads === OPTIONS.kvHeads ? MODEL : buildLlmGraph({ ...OPTIONS, kvHeads }, 'fp32');
    const runner = await LlmRunner.create(model, INFO, { intraOpThreads: 1 });
    const step = async (b: StepInput[]) => (await runner.step(b)).outputs;
    const batched = await generate({ step }, PROMPTS, 10, 1);
    const alone = [];
    for (const [i, p] of PROMPTS.entries()) alone.push((await generate({ step }, [p], 10, 10 + i))[0]);
    expect(batched).toEqual(alone);
    // Known sequences continuing with 3 and 1 tokens in one padded call.
    const extra = await runner.step([{ seqId: 1, tokens: [1, 2, 3] }, { seqId: 2, tokens: [4] }]);
    const apart = [(await runner.step([{ seqId: 10, tokens: [1, 2, 3] }])).outputs[0], (await runner.step([{ seqId: 11, tokens: [4] }])).outputs[0]];
    expect(extra.outputs.map((o) => o.token)).toEqual(apart.map((o) => o?.token));
    await runner.close();
  });
});

describe('the runner under continuous batching', () => {
  it('gives every sequence its own tokens while others join (prefill in the same step) and leave the running batch', async () => {
    const runner = await LlmRunner.create(MODEL, INFO, { intraOpThreads: 1 });
    const step = async (b: StepInput[]) => (await runner.step(b)).outputs;
    const alone = [];
    for (const [i, p] of [...PROMPTS, [300, 301]].entries()) {
      alone.push((await generate({ step }, [p], 8, 200 + i))[0]!);
      runner.release(200 + i);
    }
    // Steps: A, B, C start; after 3 steps B leaves and D joins; after 5 A leaves; C and D run to 8 tokens.
    const got: number[][] = [[], [], [], []];
    const running = new Map<number, number[]>([[0, PROMPTS[0]!], [1, PROMPTS[1]!], [2, PROMPTS[2]!]]);
    for (let s = 0; s < 11; s++) {
      if (s === 3) {
        running.delete(1);
        runner.release(1);
        running.set(3, [300, 301]);
      }
      if (s === 5) {
        running.delete(0);
        runner.release(0);
      }
      const outputs = await step([...running].map(([seqId, tokens]) => ({ seqId, tokens })));
      for (const o of outputs) {
        got[o.seqId]!.push(o.token);
        running.set(o.seqId, [o.token]);
        if (got[o.seqId]!.length === 8) {
          running.delete(o.seqId);
          runner.release(o.seqId);
        }
      }
    }
    expect(got).toEqual([alone[0]!.slice(0, 5), alone[1]!.slice(0, 3), alone[2], alone[3]]);
    expect(runner.kvTokens()).toBe(0);
    await runner.close();
  });
});

describe('OnnxLlmEngine', () => {
  let dir: string;
  let modelPath: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-llm-engine-'));
    modelPath = path.join(dir, 'model.onnx');
    writeFileSync(modelPath, MODEL);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const start = () => OnnxLlmEngine.start({ modelPath, info: INFO, intraOpThreads: 1 });

  it('batches 3 sequences of different lengths to the same tokens as each alone, deterministically, with varied output', async () => {
    const a = await start();
    const b = await start();
    try {
      const batched = await generate(a, PROMPTS, 12, 1);
      const alone = [];
      for (const [i, p] of PROMPTS.entries()) alone.push((await generate(b, [p], 12, 50 + i))[0]);
      expect(batched).toEqual(alone);
      expect(await generate(b, PROMPTS, 12, 100)).toEqual(batched);
      // Greedy decoding does not collapse into one repeated token.
      for (const tokens of batched) expect(new Set(tokens).size).toBeGreaterThan(3);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('counts KV tokens, frees a released sequence, ends at the context limit with EOS and rejects bad steps whole', async () => {
    const e = await start();
    try {
      await e.step([{ seqId: 1, tokens: [1, 2, 3] }, { seqId: 2, tokens: [4, 5] }]);
      expect(e.kvTokens()).toBe(5);
      await e.step([{ seqId: 1, tokens: [9] }]);
      expect(e.kvTokens()).toBe(6);
      e.release(1);
      expect(e.kvTokens()).toBe(2);
      // A released id starts afresh: a prefill, not a decode on a stale cache.
      const again = await e.step([{ seqId: 1, tokens: [1, 2, 3] }]);
      const first = await e.step([{ seqId: 3, tokens: [1, 2, 3] }]);
      expect(again[0]?.token).toBe(first[0]?.token);
      expect(e.kvTokens()).toBe(8);

      await expect(e.step([{ seqId: 2, tokens: [1] }, { seqId: 2, tokens: [1] }])).rejects.toThrow(/appears twice/);
      await expect(e.step([{ seqId: 2, tokens: [INFO.vocabSize] }])).rejects.toThrow(/tokens\[0\]/);
      await expect(e.step([{ seqId: 7, tokens: [] }])).rejects.toThrow(/non-empty/);
      await expect(e.step([{ seqId: 2, tokens: [1] }, { seqId: 8, tokens: new Array(INFO.maxContext + 1).fill(1) }])).rejects.toThrow(/exceed the context/);
      expect(e.kvTokens()).toBe(8);

      // Fill a sequence to the context: the step that reaches it returns EOS, and so does every later one.
      const prompt = new Array(INFO.maxContext - 2).fill(3);
      let out = await e.step([{ seqId: 9, tokens: prompt }]);
      expect(out[0]?.token).not.toBe(INFO.eosToken);
      out = await e.step([{ seqId: 9, tokens: [out[0]!.token] }]);
      out = await e.step([{ seqId: 9, tokens: [out[0]!.token] }]);
      expect(out[0]?.token).toBe(INFO.eosToken);
      expect((await e.step([{ seqId: 9, tokens: [out[0]!.token] }]))[0]?.token).toBe(INFO.eosToken);
      expect(e.kvTokens()).toBe(8 + INFO.maxContext);
      e.release(9);
      e.release(1);
      e.release(2);
      e.release(3);
      expect(e.kvTokens()).toBe(0);
    } finally {
      await e.close();
    }
  });
});
