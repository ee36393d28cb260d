/**
 * A Hugging Face tokenizer.json as the client's tokenizer: a byte-level BPE written here (its words are the
 * first o200k_base words, each merged into one token) counts synthetic prompts exactly; one without merges
 * (every character a token) falls back to counting each prompt; a scenario names it as `tokenizer: {file: …}`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHfTokenizer } from '../../../src/llm/hf-tokenizer.js';
import { createPromptSource } from '../../../src/llm/prompt-source.js';
import { loadTokenizer } from '../../../src/llm/tokenizer.js';
import { Fields } from '../../../src/scenario/fields.js';
import { readLlmRequest } from '../../../src/scenario/parse-llm-request.js';
import { problemLines, Problems } from '../../../src/scenario/problems.js';
import type { LlmRequestSpec } from '../../../src/targets/llm-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-hf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** byteLevelBpe writes a GPT-2-style tokenizer.json: printable ASCII, space as Ġ, newline as Ċ, and merges that make each word (with and without its space) one token. */
function byteLevelBpe(name: string, words: readonly string[]): string {
  const vocab: Record<string, number> = {};
  const add = (t: string): void => void (vocab[t] ??= Object.keys(vocab).length);
  for (let c = 33; c < 127; c++) add(String.fromCharCode(c));
  add('Ġ');
  add('Ċ');
  const merges: string[] = [];
  for (const w of words) {
    for (const form of [`Ġ${w.slice(1)}`, w.slice(1)]) {
      for (let i = 2; i <= form.length; i++) {
        if (vocab[form.slice(0, i)] !== undefined) continue;
        merges.push(`${form.slice(0, i - 1)} ${form[i - 1]}`);
        add(form.slice(0, i));
      }
    }
  }
  const json = {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

const words = loadTokenizer('o200k_base').words.slice(0, 300);
const merged = byteLevelBpe('merged.json', words);
const chars = byteLevelBpe('chars.json', []);
const spec = (tokenizer: string, system?: string): LlmRequestSpec => ({
  source: { kind: 'synthetic', inputTokens: { kind: 'uniform', min: 1, max: 300 }, ...(system !== undefined && { system }) },
  outputTokens: { kind: 'fixed', value: 8 },
  ignoreEos: false,
  tokenizer,
});

describe('a tokenizer.json', () => {
  it('counts synthetic prompts exactly when its words are one token each', () => {
    const hf = loadHfTokenizer(merged);
    const check = new HfTokenizer(JSON.parse(readFileSync(merged, 'utf8')) as object, {});
    // Merges made word by word compete (`t h` of `the` wins inside ` other`), so only some words end up one token: those are kept.
    const kept = hf.ok ? hf.value.words : [];
    expect(kept.length).toBeGreaterThan(100);
    for (const w of kept) expect(check.encode(`the${w}`, { add_special_tokens: false }).ids.length).toBe(2);
    for (const system of [undefined, 'You are terse.']) {
      const source = createPromptSource(spec(merged, system), 4);
      expect(source.countedBy).toBe(`@huggingface/tokenizers ${merged}`);
      for (let i = 0; i < 100; i++) {
        const p = source.next();
        expect(check.encode(p.prompt, { add_special_tokens: false }).ids.length).toBe(p.inputTokens);
        if (system === undefined) expect(p.inputTokens).toBeLessThanOrEqual(300);
      }
    }
  });

  it('counts each prompt when its words are not one token each', () => {
    const source = createPromptSource(spec(chars), 4);
    for (let i = 0; i < 20; i++) {
      const p = source.next();
      expect(p.inputTokens).toBe(p.prompt.length); // every character is a token
    }
    expect(source.countTokens('abc def')).toBe(7);
  });

  it('is named in a scenario as tokenizer: {file: …}, checked when the scenario is read', () => {
    writeFileSync(join(dir, 'broken.json'), '{"version": ');
    const read = (yaml: string): [LlmRequestSpec | undefined, string[]] => {
      const problems = new Problems();
      const spec = readLlmRequest(new Fields(parse(yaml) as Record<string, unknown>, ['request'], problems), dir);
      return [spec, problemLines([problems]).map((p) => p.replaceAll(dir, 'DIR'))];
    };
    const base = 'prompts: {synthetic: {input_tokens: 10}}\n';
    expect(read(base + 'tokenizer: {file: merged.json}\n')).toEqual([expect.objectContaining({ tokenizer: merged }), []]);
    expect(read(base + 'tokenizer: {file: none.json}\n')[1]).toEqual(['request.tokenizer.file: DIR/none.json: cannot read the file (ENOENT)']);
    expect(read(base + 'tokenizer: {file: broken.json}\n')[1]).toEqual([expect.stringMatching(/^request\.tokenizer\.file: DIR\/broken\.json: is not JSON: /)]);
    expect(read(base + 'tokenizer: {path: x.json}\n')[1]).toEqual(['request.tokenizer.path: unknown field (allowed: file)', 'request.tokenizer.file: is required']);
  });
});
