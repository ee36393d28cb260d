/**
 * The `request:` of an LLM scenario: happy rows give the spec, sad rows each give their problems with their
 * paths (a dataset's and a length file's broken lines with their line numbers); the JSON Schema fragment agrees.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 as Ajv } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { Fields } from '../../../src/scenario/fields.js';
import { LLM_LIMITS, LLM_RANGES } from '../../../src/scenario/limits.js';
import { describeLlmRequest, LLM_REQUEST_SCHEMA, readLlmRequest } from '../../../src/scenario/parse-llm-request.js';
import { problemLines, Problems } from '../../../src/scenario/problems.js';
import { repositoryRoot } from '../../../src/scenario/write-schemas.js';
import type { LlmRequestSpec } from '../../../src/targets/llm-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-llm-request-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name));

put('ok.jsonl', '{"prompt": "Hello there"}\n\n{"messages": [{"role": "user", "content": "Hi"}]}\n{"id": "x", "conversations": [{"from": "human", "value": "Why?"}, {"from": "gpt", "value": "Because."}]}\n');
put(
  'broken.jsonl',
  [
    '{"prompt": "fine"}',
    '{"prompt": "unterminated',
    '{"text": "no prompt here"}',
    '{"conversations": []}',
    '{"messages": [{"role": "tool", "content": "x"}]}',
    '',
    '{"conversations": [{"from": "gpt", "value": "only an answer"}]}',
    '[1, 2]',
    '{"prompt": ""}',
    '{"messages": [{"role": "user", "content": 5}]}',
  ].join('\n'),
);
put('lengths.txt', '# output lengths\n12\n\n40  # a comment\n7\n');
put('bad-lengths.txt', '12\nabc\n0\n5.5\n2000000\n');

/** read parses a `request:` written as YAML, returning the spec and the problems (path: message). */
function read(yaml: string): { spec: LlmRequestSpec | undefined; problems: string[] } {
  const problems = new Problems();
  const spec = readLlmRequest(new Fields(parse(yaml) as Record<string, unknown>, ['request'], problems), dir);
  return { spec, problems: problemLines([problems]).map((p) => p.replaceAll(dir, 'DIR')) };
}

const SYN = 'prompts: {synthetic: {input_tokens: 100}}\n';

describe('readLlmRequest', () => {
  it.each<[string, string, Partial<LlmRequestSpec>]>([
    ['defaults', SYN, { source: { kind: 'synthetic', inputTokens: { kind: 'fixed', value: 100 } }, outputTokens: { kind: 'fixed', value: 128 }, ignoreEos: false, tokenizer: 'o200k_base' }],
    [
      'the brief example',
      'prompts: {synthetic: {input_tokens: {lognormal: {median: 200, sigma: 0.6, min: 8, max: 2000}}, system: "You are terse."}}\noutput_tokens: {uniform: {min: 32, max: 256}}\nignore_eos: true\ntokenizer: cl100k_base\n',
      {
        source: { kind: 'synthetic', inputTokens: { kind: 'lognormal', median: 200, sigma: 0.6, min: 8, max: 2000 }, system: 'You are terse.' },
        outputTokens: { kind: 'uniform', min: 32, max: 256 },
        ignoreEos: true,
        tokenizer: 'cl100k_base',
      },
    ],
    ['a normal with default bounds', SYN + 'output_tokens: {normal: {mean: 100, stddev: 20}}\n', { outputTokens: { kind: 'normal', mean: 100, stddev: 20, min: 1, max: 1_048_576 } }],
    ['a length file', SYN + 'output_tokens: {file: lengths.txt}\n', { outputTokens: { kind: 'file', file: join(dir, 'lengths.txt'), values: [12, 40, 7] } }],
    ['a dataset, all of it', 'prompts: {dataset: ok.jsonl}\n', { source: { kind: 'dataset', file: join(dir, 'ok.jsonl'), count: 3 } }],
    ['a dataset, two of it', 'prompts: {dataset: ok.jsonl, count: 2}\n', { source: { kind: 'dataset', file: join(dir, 'ok.jsonl'), count: 2 } }],
  ])('reads %s', (_, yaml, expected) => {
    const { spec, problems } = read(yaml);
    expect(problems).toEqual([]);
    expect(spec).toMatchObject(expected);
  });

  it.each<[string, string, string[]]>([
    ['no prompts', 'output_tokens: 5\n', ['request.prompts: is required']],
    ['both kinds', 'prompts: {synthetic: {input_tokens: 5}, dataset: ok.jsonl}\n', ['request.prompts: needs one of synthetic or dataset']],
    ['a misspelt field', SYN + 'ignore_eoss: true\n', ['request.ignore_eoss: unknown field (did you mean ignore_eos?)']],
    ['an unknown tokenizer', SYN + 'tokenizer: llama3\n', ['request.tokenizer: must be one of o200k_base, cl100k_base, p50k_base, r50k_base, got "llama3"']],
    ['a tokenizer list', SYN + 'tokenizer: [o200k_base]\n', ['request.tokenizer: must be one of o200k_base, cl100k_base, p50k_base, r50k_base or {file: tokenizer.json}, got a list']],
    ['ignore_eos not a boolean', SYN + 'ignore_eos: yes please\n', ['request.ignore_eos: must be true or false, got "yes please"']],
    ['no input_tokens', 'prompts: {synthetic: {system: hi}}\n', ['request.prompts.synthetic.input_tokens: is required']],
    ['count with synthetic', 'prompts: {synthetic: {input_tokens: 5}, count: 3}\n', ['request.prompts.count: is for a dataset (synthetic prompts are drawn for every request)']],
    ['zero tokens', 'prompts: {synthetic: {input_tokens: 0}}\n', ['request.prompts.synthetic.input_tokens: must be >= 1, got 0']],
    ['too many tokens', SYN + 'output_tokens: 2000000\n', ['request.output_tokens: must be <= 1048576, got 2000000']],
    ['a fraction', SYN + 'output_tokens: 12.5\n', ['request.output_tokens: must be an integer, got 12.5']],
    ['an unknown distribution', SYN + 'output_tokens: {poisson: {mean: 3}}\n', ['request.output_tokens.poisson: unknown field (allowed: uniform, normal, lognormal, file)']],
    ['two distributions', SYN + 'output_tokens: {uniform: {min: 1, max: 2}, file: x.txt}\n', ['request.output_tokens: must be a token count or a mapping with one of uniform, normal, lognormal, file, got uniform and file']],
    ['uniform max below min', SYN + 'output_tokens: {uniform: {min: 50, max: 10}}\n', ['request.output_tokens.uniform.max: must be >= min (50), got 10']],
    ['uniform without max', SYN + 'output_tokens: {uniform: {min: 50}}\n', ['request.output_tokens.uniform.max: is required']],
    ['a negative stddev', SYN + 'output_tokens: {normal: {mean: 50, stddev: -1}}\n', ['request.output_tokens.normal.stddev: must be > 0, got -1']],
    ['a huge sigma', SYN + 'output_tokens: {lognormal: {median: 50, sigma: 20}}\n', ['request.output_tokens.lognormal.sigma: must be <= 8, got 20']],
    ['an empty truncation', SYN + 'output_tokens: {normal: {mean: 100, stddev: 1, min: 500, max: 600}}\n', ['request.output_tokens: [min, max] = [500, 600] holds 0.0% of the normal distribution; at least 1% (move min and max towards the mean)']],
    ['a missing length file', SYN + 'output_tokens: {file: none.txt}\n', ['request.output_tokens.file: DIR/none.txt: cannot read the file (ENOENT)']],
    [
      'a length file with broken lines',
      SYN + 'output_tokens: {file: bad-lengths.txt}\n',
      [2, 3, 4, 5].map((n, i) => `request.output_tokens.file: DIR/bad-lengths.txt: line ${n}: must be a whole number of tokens from 1 to 1048576, got ${['"abc"', '"0"', '"5.5"', '"2000000"'][i]}`),
    ],
    ['a count beyond the dataset', 'prompts: {dataset: ok.jsonl, count: 4}\n', ['request.prompts.count: is 4, but DIR/ok.jsonl holds 3 prompts']],
    ['a missing dataset', 'prompts: {dataset: none.jsonl}\n', ['request.prompts.dataset: DIR/none.jsonl: cannot read the file (ENOENT)']],
    [
      'a dataset with broken lines',
      'prompts: {dataset: broken.jsonl}\n',
      [
        expect.stringMatching(/^request\.prompts\.dataset: DIR\/broken\.jsonl: line 2: is not JSON: /) as unknown as string,
        'request.prompts.dataset: DIR/broken.jsonl: line 3: has no prompt: needs "prompt", "messages" or "conversations"',
        'request.prompts.dataset: DIR/broken.jsonl: line 4: conversations: is an empty conversation',
        'request.prompts.dataset: DIR/broken.jsonl: line 5: messages[0].role: must be one of system, user, assistant, got "tool"',
        'request.prompts.dataset: DIR/broken.jsonl: line 7: conversations: has no human turn to answer',
        'request.prompts.dataset: DIR/broken.jsonl: line 8: must be a JSON object with "prompt", "messages" or "conversations", got a list',
        'request.prompts.dataset: DIR/broken.jsonl: line 9: prompt: must be a non-empty string, got ""',
        'request.prompts.dataset: DIR/broken.jsonl: line 10: messages[0].content: must be a string, got 5',
      ],
    ],
  ])('refuses %s', (_, yaml, expected) => {
    const { spec, problems } = read(yaml);
    expect(problems).toEqual(expected);
    expect(spec).toBeUndefined();
  });
});

describe('describeLlmRequest', () => {
  it('says where prompts come from, how long answers may be and who counts', () => {
    expect(describeLlmRequest(read('prompts: {synthetic: {input_tokens: {lognormal: {median: 200, sigma: 0.6, min: 8, max: 2000}}, system: hi}}\noutput_tokens: {uniform: {min: 32, max: 256}}\nignore_eos: true\n').spec!)).toEqual([
      'prompts: synthetic, input tokens lognormal median 200 σ 0.6 in 8–2000, after a system message of 2 characters',
      'max_tokens: uniform 32–256, ignore_eos',
      'tokens counted by: gpt-tokenizer o200k_base',
    ]);
    expect(describeLlmRequest(read('prompts: {dataset: ok.jsonl, count: 2}\noutput_tokens: {file: lengths.txt}\n').spec!)).toEqual([
      `prompts: 2 from ${join(dir, 'ok.jsonl')}, in a seeded shuffled order`,
      `max_tokens: 3 counts from ${join(dir, 'lengths.txt')}`,
      'tokens counted by: gpt-tokenizer o200k_base',
    ]);
  });
});

describe('LLM_REQUEST_SCHEMA', () => {
  const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(LLM_REQUEST_SCHEMA);
  it.each([
    [SYN + 'output_tokens: {lognormal: {median: 200, sigma: 0.6, max: 900}}\nignore_eos: true\n', true],
    ['prompts: {dataset: ok.jsonl, count: 2}\noutput_tokens: {file: lengths.txt}\n', true],
    [SYN + 'output_tokens: 2000000\n', false],
    [SYN + 'output_tokens: {uniform: {min: 1}}\n', false],
    ['prompts: {dataset: ok.jsonl, count: 0}\n', false],
    [SYN + 'tokenizer: llama3\n', false],
  ])('judges %j as the validator does (%s)', (yaml, ok) => {
    expect(validate(parse(yaml))).toBe(ok);
    expect(read(yaml).problems.length === 0).toBe(ok);
  });
});

describe('docs/llm.md', () => {
  const doc = readFileSync(join(repositoryRoot(), 'docs', 'llm.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n### Limits'));
  it.each(Object.entries(LLM_LIMITS))('lists the limit %s (%d) under Limits', (_, v) => {
    expect([v.toLocaleString('en-US'), `${v / 1048576} MiB`].some((s) => section.includes(s))).toBe(true);
  });
  it.each(Object.entries(LLM_RANGES))('lists the range of %s under Limits', (_, b) => {
    expect(section).toContain(b.max.toLocaleString('en-US'));
  });
});
