import { describe, expect, it } from 'vitest';
import type { LlmModelInfo, StepInput } from '../../../reference-server/llm/engine.js';
import { buildLlmGraph, resolveLlmOptions } from '../../../reference-server/llm/llm-graph.js';
import { defaultPrefillBatchTokens, LlmRunner } from '../../../reference-server/llm/llm-runner.js';
import { groupPrefills } from '../../../reference-server/llm/prefill-groups.js';
import type { Precision } from '../../../reference-server/models/layers.js';

// A small model keeps the suite fast; the graph is the bundled one's.
const OPTIONS = resolveLlmOptions({ layers: 2, dModel: 64, heads: 4, ffn: 128, vocab: 512, maxContext: 64 });
const info = (precision: Precision): LlmModelInfo => ({
  name: 'test-llm',
  precision,
  vocabSize: OPTIONS.vocab,
  maxContext: OPTIONS.maxContext,
  layers: OPTIONS.layers,
  dModel: OPTIONS.dModel,
  heads: OPTIONS.heads,
  eosToken: OPTIONS.vocab - 1,
});
const LENGTHS = [1, 3, 4, 5, 6, 9, 10, 11, 12, 16, 17, 19, 21, 30];
const PROMPTS = LENGTHS.map((n, p) => Array.from({ length: n }, (_, t) => (p * 97 + t * 31 + 5) % (OPTIONS.vocab - 1)));

/** generate runs `prompts` together (their prefills in one step, then decodes together) and returns `n` tokens each. */
async function generate(runner: LlmRunner, prompts: number[][], n: number, firstSeq: number): Promise<number[][]> {
  const out: number[][] = prompts.map(() => []);
  let batch: StepInput[] = prompts.map((tokens, i) => ({ seqId: firstSeq + i, tokens }));
  for (let s = 0; s < n; s++) {
    const { outputs } = await runner.step(batch);
    outputs.forEach((o, i) => out[i]?.push(o.token));
    batch = outputs.map((o) => ({ seqId: o.seqId, tokens: [o.token] }));
  }
  prompts.forEach((_, i) => runner.release(firstSeq + i));
  return out;
}

describe('groupPrefills', () => {
  it.each([
    { lengths: [], max: 2048, groups: [] },
    { lengths: [10], max: 2048, groups: [[0]] },
    { lengths: [10, 10, 10], max: 2048, groups: [[0, 1, 2]] },
    { lengths: [10, 10, 10], max: 0, groups: [[0], [1], [2]] },
    // Shortest first; 8 and 10 share (20 padded ≤ 1.25 × 18), 30 would pad 8 and 10 to 90 > 1.25 × 48.
    { lengths: [30, 10, 8], max: 2048, groups: [[2, 1], [0]] },
    // rows × longest stays within max: 3 × 10 > 25.
    { lengths: [10, 10, 10, 10], max: 25, groups: [[0, 1], [2, 3]] },
    // A prompt over max runs alone.
    { lengths: [100, 5], max: 50, groups: [[1], [0]] },
  ])('$lengths under $max → $groups', ({ lengths, max, groups }) => {
    expect(groupPrefills(lengths, max)).toEqual(groups);
  });

  it('keeps every call within its bounds and takes each prompt once', () => {
    const lengths = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % 300));
    const groups = groupPrefills(lengths, 1024);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const g of groups) {
      const longest = Math.max(...g.map((i) => lengths[i]!));
      const real = g.reduce((a, i) => a + lengths[i]!, 0);
      if (g.length > 1) expect(g.length * longest).toBeLessThanOrEqual(Math.min(1024, 1.25 * real));
    }
  });
});

describe('batched prefill', () => {
  it.each(['fp32', 'fp16', 'int4', 'int8'] as const)('gives each prompt exactly the greedy tokens it gets alone (%s)', async (precision) => {
    const model = buildLlmGraph(OPTIONS, precision);
    const batched = await LlmRunner.create(model, info(precision), { intraOpThreads: 1 });
    const single = await LlmRunner.create(model, info(precision), { intraOpThreads: 1, prefillBatchTokens: 0 });
    try {
      const together = await generate(batched, PROMPTS, 6, 1);
      // The prefills shared calls (then 5 decode calls); int8's run one per call (see defaultPrefillBatchTokens).
      const prefillCalls = groupPrefills(LENGTHS, defaultPrefillBatchTokens(info(precision))).length;
      expect(prefillCalls).toBe(precision === 'int8' ? PROMPTS.length : 5);
      expect(batched.calls).toBe(prefillCalls + 5);
      const alone = [];
      for (const [i, p] of PROMPTS.entries()) alone.push((await generate(single, [p], 6, 100 + i))[0]);
      expect(together).toEqual(alone);
      expect(batched.kvTokens()).toBe(0);
    } finally {
      await Promise.all([batched.close(), single.close()]);
    }
  });
});
