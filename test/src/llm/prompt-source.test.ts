/**
 * Prompt sources: synthetic prompts of real words hit their drawn token count exactly (by each encoding's own
 * count), the same seed gives the same prompts, the three dataset formats become the same conversations, the
 * workers of a run share a shuffled order of a dataset, and a broken dataset is refused with its line numbers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import { createPromptSource } from '../../../src/llm/prompt-source.js';
import { loadTokenizer, TOKENIZERS } from '../../../src/llm/tokenizer.js';
import type { LlmRequestSpec } from '../../../src/targets/llm-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-prompts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name));

const synthetic = (inputTokens: LlmRequestSpec['outputTokens'], extra: Partial<LlmRequestSpec> = {}, system?: string): LlmRequestSpec => ({
  source: { kind: 'synthetic', inputTokens, ...(system !== undefined && { system }) },
  outputTokens: { kind: 'uniform', min: 10, max: 20 },
  ignoreEos: true,
  tokenizer: 'o200k_base',
  ...extra,
});

describe('synthetic prompts', () => {
  it.each(TOKENIZERS)('have exactly the drawn number of tokens by %s', (tokenizer) => {
    const counter = loadTokenizer(tokenizer);
    const source = createPromptSource(synthetic({ kind: 'uniform', min: 1, max: 400 }, { tokenizer }), 7);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const p = source.next();
      expect(counter.count(p.prompt)).toBe(p.inputTokens);
      expect(p.messages).toEqual([{ role: 'user', content: p.prompt }]);
      seen.add(p.inputTokens);
    }
    expect(Math.min(...seen)).toBeLessThan(20);
    expect(Math.max(...seen)).toBeGreaterThan(380);
    expect(source.countedBy).toBe(`gpt-tokenizer ${tokenizer}`);
  });

  it('count the system message and the blank line after it exactly', () => {
    for (const system of ['You are terse.', 'Answer in French, please!\n', 'x']) {
      const source = createPromptSource(synthetic({ kind: 'fixed', value: 50 }, {}, system), 1);
      const counter = loadTokenizer('o200k_base');
      for (let i = 0; i < 20; i++) {
        const p = source.next();
        expect(p.prompt).toBe(`${system}\n\n${p.messages[1]!.content}`);
        expect(p.messages[0]).toEqual({ role: 'system', content: system });
        expect(counter.count(p.messages[1]!.content)).toBe(50);
        expect(counter.count(p.prompt)).toBe(p.inputTokens);
      }
    }
  });

  it('are made of real words in sentences, the frequent ones most often', () => {
    const source = createPromptSource(synthetic({ kind: 'fixed', value: 2000 }), 3);
    const text = source.next().prompt;
    expect(text).toMatch(/^[a-z]+( [a-z]+|\.)+$/);
    const words = text.replaceAll('.', ' ').split(' ').filter((w) => w !== '');
    const the = words.filter((w) => w === 'the').length;
    expect(the).toBeGreaterThan(words.length / 200);
    expect(new Set(words).size).toBeGreaterThan(300);
    const sentences = text.split('.').slice(0, -1);
    for (const s of sentences) expect(s.trim().split(' ').length).toBeGreaterThanOrEqual(6);
  });

  it('draw max_tokens from the output distribution and pass ignore_eos', () => {
    const source = createPromptSource(synthetic({ kind: 'fixed', value: 5 }), 1);
    const drawn = Array.from({ length: 500 }, () => source.next());
    expect(drawn.every((p) => p.maxTokens >= 10 && p.maxTokens <= 20 && p.ignoreEos)).toBe(true);
    expect(new Set(drawn.map((p) => p.maxTokens)).size).toBe(11);
  });

  it('are the same for the same seed and worker, and differ otherwise', () => {
    const spec = synthetic({ kind: 'lognormal', median: 60, sigma: 0.5, min: 4, max: 400 });
    const run = (seed: number, index = 0): string[] => {
      const s = createPromptSource(spec, seed, { index, count: 2 });
      return Array.from({ length: 30 }, () => {
        const p = s.next();
        return `${p.maxTokens}:${p.prompt}`;
      });
    };
    expect(run(42)).toEqual(run(42));
    expect(run(43)).not.toEqual(run(42));
    expect(run(42, 1)).not.toEqual(run(42, 0));
  });

  it('refuses a worker index outside its count', () => {
    expect(() => createPromptSource(synthetic({ kind: 'fixed', value: 5 }), 1, { index: 2, count: 2 })).toThrow(RangeError);
  });

  it('counts output text with the same tokenizer', () => {
    const source = createPromptSource(synthetic({ kind: 'fixed', value: 5 }, { tokenizer: 'cl100k_base' }), 1);
    expect(source.countTokens('Hello world, hello!')).toBe(loadTokenizer('cl100k_base').count('Hello world, hello!'));
    expect(source.countTokens('<|endoftext|> is text here')).toBeGreaterThan(3);
  });
});

describe('dataset prompts', () => {
  const file = put(
    'mixed.jsonl',
    [
      JSON.stringify({ prompt: 'What is a token?' }),
      JSON.stringify({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue.' }] }),
      JSON.stringify({ id: 'a1', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello!' }, { from: 'human', value: 'How are you?' }, { from: 'gpt', value: 'Well.' }] }),
    ].join('\n') + '\n',
  );
  const spec = (count: number, f = file): LlmRequestSpec => ({ source: { kind: 'dataset', file: f, count }, outputTokens: { kind: 'fixed', value: 64 }, ignoreEos: false, tokenizer: 'o200k_base' });

  it('reads prompts, chat messages and ShareGPT conversations up to their last user turn', () => {
    const source = createPromptSource(spec(3), 5);
    const byPrompt = new Map(Array.from({ length: 3 }, () => source.next()).map((p) => [p.prompt, p]));
    expect([...byPrompt.keys()].sort()).toEqual(['Be brief.\n\nName a colour.', 'Hi\n\nHello!\n\nHow are you?', 'What is a token?']);
    expect(byPrompt.get('What is a token?')!.messages).toEqual([{ role: 'user', content: 'What is a token?' }]);
    expect(byPrompt.get('Be brief.\n\nName a colour.')!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a colour.' },
    ]);
    expect(byPrompt.get('Hi\n\nHello!\n\nHow are you?')!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const counter = loadTokenizer('o200k_base');
    for (const p of byPrompt.values()) expect(p.inputTokens).toBe(counter.count(p.prompt));
    expect(byPrompt.get('What is a token?')!.maxTokens).toBe(64);
  });

  it('sends each picked prompt once a pass, the workers together, in a seeded shuffled order', () => {
    const big = put('big.jsonl', Array.from({ length: 50 }, (_, i) => JSON.stringify({ prompt: `question ${i}` })).join('\n'));
    const workers = [0, 1, 2].map((index) => createPromptSource(spec(20, big), 9, { index, count: 3 }));
    // 20 picks over 3 workers: in 2 passes (40 sends) workers 0 and 1 send 14 each, worker 2 sends 12... take 13 + 13 + 14 = 40.
    const sent = [...Array.from({ length: 14 }, () => workers[0]!.next()), ...Array.from({ length: 13 }, () => workers[1]!.next()), ...Array.from({ length: 13 }, () => workers[2]!.next())].map((p) => p.prompt);
    const counts = new Map<string, number>();
    for (const p of sent) counts.set(p, (counts.get(p) ?? 0) + 1);
    expect(counts.size).toBe(20);
    expect([...counts.values()].every((c) => c === 2)).toBe(true);
    const again = createPromptSource(spec(20, big), 9, { index: 0, count: 3 });
    expect(Array.from({ length: 14 }, () => again.next().prompt)).toEqual(sent.slice(0, 14));
    const other = createPromptSource(spec(20, big), 10, { index: 0, count: 3 });
    expect(Array.from({ length: 14 }, () => other.next().prompt)).not.toEqual(sent.slice(0, 14));
  });

  it('refuses a broken file with each problem and its line number', () => {
    const broken = put('broken.jsonl', '{"prompt": "ok"}\n{"prompt": 3}\nnot json\n{"conversations": [{"from": "robot", "value": "x"}]}\n');
    let caught: unknown;
    try {
      createPromptSource(spec(1, broken), 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GauntletError);
    const err = caught as GauntletError;
    expect(err.code).toBe('GAUNTLET_ERR_INVALID_CONFIG');
    expect(err.details).toEqual([
      `${broken}: line 2: prompt: must be a non-empty string, got 3`,
      expect.stringMatching(/: line 3: is not JSON: /) as unknown as string,
      `${broken}: line 4: conversations[0].from: must be one of human, user, gpt, chatgpt, bard, bing, assistant, system, got "robot"`,
    ]);
  });

  it('names a JSON array (as ShareGPT is distributed) and says how to convert it', () => {
    const array = put('array.json', '[\n  {"conversations": [{"from": "human", "value": "Hi"}]}\n]\n');
    expect(() => createPromptSource(spec(1, array), 1)).toThrow(GauntletError);
    try {
      createPromptSource(spec(1, array), 1);
    } catch (err) {
      expect((err as GauntletError).details).toEqual([`${array}: is one JSON array, not JSONL (one object a line): convert it with jq -c '.[]' file.json > file.jsonl`]);
    }
  });

  it('lists at most 100 broken lines, then counts the rest', () => {
    const many = put('many.jsonl', Array.from({ length: 150 }, () => '{}').join('\n'));
    try {
      createPromptSource(spec(1, many), 1);
      expect.unreachable();
    } catch (err) {
      const details = (err as GauntletError).details;
      expect(details).toHaveLength(101);
      expect(details[99]).toContain('line 100: has no prompt');
      expect(details[100]).toContain('… and 50 more broken lines');
    }
  });
});
