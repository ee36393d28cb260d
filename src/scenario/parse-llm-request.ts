/**
 * The `request:` of a scenario whose target serves an LLM (protocol `openai`): where prompts come from
 * (`prompts: {synthetic: {...}}` or `prompts: {dataset: file.jsonl, count}`), how long answers may be
 * (`output_tokens`, sent as max_tokens), `ignore_eos` and the `tokenizer` that counts tokens client-side.
 * A dataset is read and checked here, so its broken lines are listed with the scenario's other problems (exit 2).
 */
import { loadDataset } from '../llm/dataset.js';
import { describeLength } from '../llm/length-sampler.js';
import { loadHfTokenizer } from '../llm/hf-tokenizer.js';
import { TOKENIZERS } from '../llm/tokenizer.js';
import type { LengthDist, LlmRequestSpec } from '../targets/llm-spec.js';
import { resolveDataPath } from './data-files.js';
import { show, type Fields } from './fields.js';
import type { JsonSchema } from './json-schema.js';
import { LLM_LIMITS, LLM_RANGES, TEXT_LIMITS } from './limits.js';
import { LENGTH_DIST_SCHEMA, readLengthDist } from './parse-length-dist.js';
import { isMapping } from './problems.js';

/** LLM_REQUEST_KEYS are the fields of an LLM `request:`. */
export const LLM_REQUEST_KEYS = ['prompts', 'output_tokens', 'ignore_eos', 'tokenizer'] as const;
/** LLM_REQUEST_DEFAULTS are the values of the optional fields. */
export const LLM_REQUEST_DEFAULTS = {
  outputTokens: { kind: 'fixed', value: 128 } as LengthDist,
  ignoreEos: false,
  tokenizer: TOKENIZERS[0],
} as const;

/** readLlmRequest validates an LLM `request:` (files relative to baseDir), or records its problems and returns undefined. */
export function readLlmRequest(f: Fields, baseDir: string): LlmRequestSpec | undefined {
  const before = f.problems.count;
  f.allowOnly(LLM_REQUEST_KEYS);
  const source = readPrompts(f, baseDir);
  const outputTokens = readLengthDist(f, 'output_tokens', baseDir, LLM_REQUEST_DEFAULTS.outputTokens);
  const ignoreEos = f.boolean('ignore_eos') ?? LLM_REQUEST_DEFAULTS.ignoreEos;
  const tokenizer = readTokenizer(f, baseDir);
  if (source === undefined || outputTokens === undefined || tokenizer === undefined || f.problems.count > before) return undefined;
  return { source, outputTokens, ignoreEos, tokenizer };
}

/** readTokenizer reads `tokenizer`: an encoding's name, or `{file: tokenizer.json}` (a Hugging Face tokenizer, loaded here to check it). */
function readTokenizer(f: Fields, baseDir: string): string | undefined {
  if (!f.has('tokenizer')) return LLM_REQUEST_DEFAULTS.tokenizer;
  if (typeof f.obj.tokenizer === 'string') return f.oneOf('tokenizer', TOKENIZERS);
  if (!isMapping(f.obj.tokenizer)) return void f.problem('tokenizer', `must be one of ${TOKENIZERS.join(', ')} or {file: tokenizer.json}, got ${show(f.obj.tokenizer)}`);
  const t = f.mapping('tokenizer');
  if (!t) return undefined;
  t.allowOnly(['file']);
  const ref = t.string('file', true);
  if (ref === undefined) return undefined;
  const file = resolveDataPath(baseDir, ref);
  const hf = loadHfTokenizer(file);
  return hf.ok ? file : void t.problem('file', `${file}: ${hf.message}`);
}

function readPrompts(f: Fields, baseDir: string): LlmRequestSpec['source'] | undefined {
  const p = f.mapping('prompts', true);
  if (!p) return undefined;
  p.allowOnly(['synthetic', 'dataset', 'count']);
  if (p.has('synthetic') === p.has('dataset')) return void f.problem('prompts', 'needs one of synthetic or dataset');
  if (p.has('synthetic')) {
    if (p.has('count')) p.problem('count', 'is for a dataset (synthetic prompts are drawn for every request)');
    const s = p.mapping('synthetic');
    if (!s) return undefined;
    s.allowOnly(['input_tokens', 'system']);
    const inputTokens = readLengthDist(s, 'input_tokens', baseDir);
    const system = s.string('system', false, LLM_LIMITS.systemChars);
    if (inputTokens === undefined || (s.has('system') && system === undefined)) return undefined;
    return { kind: 'synthetic', inputTokens, ...(system !== undefined && { system }) };
  }
  const ref = p.string('dataset', true, TEXT_LIMITS.text);
  const count = p.integer('count', LLM_RANGES['request.prompts.count']);
  if (ref === undefined || (p.has('count') && count === undefined)) return undefined;
  const file = resolveDataPath(baseDir, ref);
  const dataset = loadDataset(file);
  if (!dataset.ok) {
    for (const problem of dataset.problems) p.problem('dataset', `${file}: ${problem}`);
    return undefined;
  }
  const prompts = dataset.conversations.length;
  if (count !== undefined && count > prompts) return void p.problem('count', `is ${count}, but ${file} holds ${prompts} prompt${prompts === 1 ? '' : 's'}`);
  return { kind: 'dataset', file, count: count ?? prompts };
}

/** describeLlmRequest renders an LLM request for --dry-run, one line a field. */
export function describeLlmRequest(spec: LlmRequestSpec): string[] {
  const src = spec.source;
  const prompts =
    src.kind === 'synthetic'
      ? `synthetic, input tokens ${describeLength(src.inputTokens)}${src.system !== undefined ? `, after a system message of ${src.system.length} characters` : ''}`
      : `${src.count} from ${src.file}, in a seeded shuffled order`;
  return [`prompts: ${prompts}`, `max_tokens: ${describeLength(spec.outputTokens)}${spec.ignoreEos ? ', ignore_eos' : ''}`, `tokens counted by: ${(TOKENIZERS as readonly string[]).includes(spec.tokenizer) ? `gpt-tokenizer ${spec.tokenizer}` : `@huggingface/tokenizers ${spec.tokenizer}`}`];
}

/** LLM_REQUEST_SCHEMA is the JSON Schema fragment of an LLM `request:` (for the scenario schema of openai targets). */
export const LLM_REQUEST_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['prompts'],
  description: 'An LLM request (openai targets): prompts, output lengths and token counting. See docs/llm.md.',
  properties: {
    prompts: {
      description: 'Where prompts come from: {synthetic: {input_tokens, system}} or {dataset: file.jsonl, count}.',
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['synthetic'],
          properties: {
            synthetic: {
              type: 'object',
              additionalProperties: false,
              required: ['input_tokens'],
              properties: {
                input_tokens: { ...LENGTH_DIST_SCHEMA, description: `Tokens of each prompt (made of real words, exactly this many by the tokenizer). ${LENGTH_DIST_SCHEMA.description as string}` },
                system: { type: 'string', minLength: 1, maxLength: LLM_LIMITS.systemChars, description: 'A system message sent before every prompt.' },
              },
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['dataset'],
          properties: {
            dataset: { type: 'string', minLength: 1, maxLength: TEXT_LIMITS.text, description: 'A JSONL file (relative to the scenario): {"prompt"}, {"messages"} or ShareGPT {"conversations"} a line.' },
            count: { type: 'integer', minimum: LLM_RANGES['request.prompts.count'].min, maximum: LLM_RANGES['request.prompts.count'].max, description: 'How many of the file\'s prompts to use, picked with the seed (default: all).' },
          },
        },
      ],
    },
    output_tokens: { ...LENGTH_DIST_SCHEMA, description: `max_tokens of each request (default ${(LLM_REQUEST_DEFAULTS.outputTokens as { value: number }).value}). ${LENGTH_DIST_SCHEMA.description as string}` },
    ignore_eos: { type: 'boolean', default: LLM_REQUEST_DEFAULTS.ignoreEos, description: 'Ask the server to go on past end-of-sequence (vLLM and the reference server), so answers have max_tokens tokens.' },
    tokenizer: {
      default: LLM_REQUEST_DEFAULTS.tokenizer,
      description: 'What counts tokens client-side: a gpt-tokenizer encoding, or {file: tokenizer.json} (a Hugging Face tokenizer, relative to the scenario).',
      oneOf: [
        { enum: [...TOKENIZERS] },
        { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1, maxLength: TEXT_LIMITS.text } } },
      ],
    },
  },
};
