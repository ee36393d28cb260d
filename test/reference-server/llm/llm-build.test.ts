import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as gptEncode } from 'gpt-tokenizer';
import { compareGenerations, generationAgreement } from '../../../reference-server/llm/agreement.js';
import { AGREEMENT_FILE, buildLlm } from '../../../reference-server/llm/build-llm.js';
import { readLlmModel } from '../../../reference-server/llm/llm-config.js';
import { buildLlmGraph, resolveLlmOptions } from '../../../reference-server/llm/llm-graph.js';
import { OnnxLlmEngine } from '../../../reference-server/llm/onnx-engine.js';
import { GptMappedTokenizer } from '../../../reference-server/llm/tokenizer.js';

const SMALL = { layers: 2, dModel: 64, heads: 4, ffn: 128, vocab: 512, maxContext: 64 };

describe('GptMappedTokenizer', () => {
  const t = new GptMappedTokenizer(4096);

  it('counts tokens as gpt-tokenizer does and maps them below EOS', () => {
    const text = 'The quick brown fox jumps over the lazy dog, twice.';
    const ids = t.encode(text);
    expect(ids).toHaveLength(gptEncode(text).length);
    for (const id of ids) expect(id).toBeLessThan(t.eosToken);
    expect(t.encode('<|endoftext|>').length).toBeGreaterThan(1); // special-token text is plain text
  });

  it('round-trips text made of GPT ids below the vocabulary and decodes any id to printable text', () => {
    const text = 'the in and to of';
    expect(gptEncode(text).every((g) => g < 4095)).toBe(true);
    expect(t.decode(t.encode(text))).toBe(text);
    expect(t.decode([t.eosToken])).toBe('');
    const all = t.decode(Array.from({ length: 4095 }, (_, i) => i));
    expect(all).not.toMatch(/\uFFFD/);
  });
});

describe('generation agreement', () => {
  it('scores equal generations 1 and finds the first divergence', () => {
    expect(compareGenerations([[1, 2, 3, 4]], [[1, 2, 3, 4]])).toEqual({ tokenAgreement: 1, meanFirstDivergence: 4 });
    expect(compareGenerations([[1, 2, 3, 4], [5, 6, 7, 8]], [[1, 9, 3, 4], [0, 6, 7, 8]])).toEqual({ tokenAgreement: 0.75, meanFirstDivergence: 0.5 });
  });

  it('is 1.0 for fp32 against itself and in [0, 1] for int8 and int4', async () => {
    const o = resolveLlmOptions(SMALL);
    const info = { name: 'x', precision: 'fp32' as const, vocabSize: o.vocab, maxContext: o.maxContext, layers: o.layers, dModel: o.dModel, heads: o.heads, eosToken: o.vocab - 1 };
    const fp32 = buildLlmGraph(o, 'fp32');
    const opts = { prompts: 3, tokens: 12 };
    const self = await generationAgreement(fp32, fp32, info, opts);
    expect(self).toMatchObject({ token_agreement: 1, mean_first_divergence: 12, prompts: 3, tokens_per_prompt: 12 });
    for (const precision of ['int8', 'int4'] as const) {
      const a = await generationAgreement(fp32, buildLlmGraph(o, precision), info, opts);
      expect(a.token_agreement).toBeGreaterThanOrEqual(0);
      expect(a.token_agreement).toBeLessThanOrEqual(1);
      expect(a.mean_first_divergence).toBeGreaterThanOrEqual(0);
      expect(a.mean_first_divergence).toBeLessThanOrEqual(12);
    }
  });
});

describe('buildLlm', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-llm-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each variant with an LLM config and its agreement, skips up-to-date ones, and the engine opens them', async () => {
    const agreement = { prompts: 2, tokens: 8 };
    const first = await buildLlm({ outDir: dir, precisions: ['fp32', 'int4'], model: SMALL, agreement });
    expect(first.built.map((b) => b.name)).toEqual(['tiny-llm', 'tiny-llm-int4']);
    const { config, info } = await readLlmModel(path.join(dir, 'tiny-llm-int4'));
    expect(config).toMatchObject({ backend: 'llm', precision: 'int4', vocab_size: 512, eos_token: 511, max_context: 64 });
    expect(JSON.parse(readFileSync(path.join(dir, 'tiny-llm-int4', AGREEMENT_FILE), 'utf8'))).toEqual(config.agreement);
    expect(first.built[0]?.agreement.token_agreement).toBe(1);
    expect(info).toMatchObject({ name: 'tiny-llm-int4', layers: 2, dModel: 64, heads: 4 });

    const again = await buildLlm({ outDir: dir, precisions: ['fp32', 'int4'], model: SMALL, agreement });
    expect(again).toEqual({ built: [], skipped: ['tiny-llm', 'tiny-llm-int4'] });

    const engine = await OnnxLlmEngine.open(path.join(dir, 'tiny-llm'), { intraOpThreads: 1 });
    try {
      const out = await engine.step([{ seqId: 1, tokens: [1, 2, 3] }]);
      expect(out[0]?.token).toBeGreaterThanOrEqual(0);
      expect(out[0]?.token).toBeLessThan(512);
    } finally {
      await engine.close();
    }
    await expect(readLlmModel(dir)).rejects.toThrow();
  });
});
