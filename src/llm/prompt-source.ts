/**
 * The prompts of a run (PromptSource), from an LlmRequestSpec and the scenario's seed.
 * - Synthetic: each request draws its input length and builds a text of exactly that many tokens (see
 *   synthetic-prompts.ts); each load worker draws from its own stream, so workers never send the same sequence.
 * - Dataset: `count` conversations are picked from the file with the seed (without replacement, the same in every
 *   worker), then sent in a seeded shuffled order that is reshuffled after each pass; load worker i of n sends
 *   positions i, i + n, i + 2n, … of that order, so together the workers send each picked prompt once a pass.
 * Every request's max_tokens is drawn from the output distribution (from the worker's own stream).
 */
import { GauntletError } from '../errors.js';
import { createRandom, type Random } from '../scenario/random.js';
import type { ChatMessage, LlmPrompt, LlmRequestSpec, PromptSource } from '../targets/llm-spec.js';
import { loadDataset, promptText } from './dataset.js';
import { loadHfTokenizer } from './hf-tokenizer.js';
import { lengthSampler } from './length-sampler.js';
import { prefixTokens, syntheticText } from './synthetic-prompts.js';
import { loadTokenizer, TOKENIZERS, type Tokenizer, type TokenizerName } from './tokenizer.js';

/** LoadWorker says which of a run's load workers a source is for. */
export interface LoadWorker {
  index: number;
  count: number;
}

/** createPromptSource returns the prompts one load worker sends: the same spec, seed and worker give the same prompts. */
export function createPromptSource(spec: LlmRequestSpec, seed: number, worker: LoadWorker = { index: 0, count: 1 }): PromptSource {
  if (!(Number.isSafeInteger(worker.index) && Number.isSafeInteger(worker.count) && worker.index >= 0 && worker.index < worker.count)) {
    throw new RangeError(`load worker ${worker.index} of ${worker.count}: the index must be an integer from 0 to count − 1`);
  }
  const tokenizer = resolveTokenizer(spec.tokenizer);
  const random = createRandom(seed, `llm-prompts/${worker.index}`);
  const maxTokens = lengthSampler(spec.outputTokens, random);
  const nextInput = spec.source.kind === 'synthetic' ? syntheticInputs(spec.source, tokenizer, random) : datasetInputs(spec.source, tokenizer, seed, worker);
  return {
    countedBy: tokenizer.countedBy,
    next(): LlmPrompt {
      const input = nextInput();
      return { ...input, maxTokens: maxTokens(), ignoreEos: spec.ignoreEos };
    },
    countTokens: (text) => tokenizer.count(text),
  };
}

/** resolveTokenizer loads an encoding of TOKENIZERS, or else the tokenizer.json at that path (a GauntletError when it cannot). */
export function resolveTokenizer(name: string): Tokenizer {
  if ((TOKENIZERS as readonly string[]).includes(name)) return loadTokenizer(name as TokenizerName);
  const hf = loadHfTokenizer(name);
  if (!hf.ok) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `tokenizer ${name} cannot be used`, [`${name}: ${hf.message}`]);
  return hf.value;
}

type Input = Pick<LlmPrompt, 'messages' | 'prompt' | 'inputTokens'>;

/** SELF_CHECK_TOKENS is the length of the sample texts on which the exactness of synthetic prompts is checked. */
const SELF_CHECK_TOKENS = 300;

/** exactFor tells whether synthetic text (after `system` and a blank line) has exactly its drawn length, on two sample texts of its own stream. */
function exactFor(tokenizer: Tokenizer, system: string | undefined, extra: number): boolean {
  const random = createRandom(0, 'llm-prompts/self-check');
  for (let i = 0; i < 2; i++) {
    const text = syntheticText(tokenizer, random, SELF_CHECK_TOKENS);
    const prompt = system === undefined ? text : `${system}\n\n${text}`;
    if (tokenizer.count(prompt) !== extra + SELF_CHECK_TOKENS) return false;
  }
  return true;
}

function syntheticInputs(source: { inputTokens: LlmRequestSpec['outputTokens']; system?: string }, tokenizer: Tokenizer, random: Random): () => Input {
  const length = lengthSampler(source.inputTokens, random);
  const system = source.system;
  const extra = system === undefined ? 0 : prefixTokens(tokenizer, system);
  // Exact by construction for gpt-tokenizer's encodings; a tokenizer.json may cut text otherwise: then each prompt is counted.
  const exact = exactFor(tokenizer, system, extra);
  return () => {
    const tokens = length();
    const text = syntheticText(tokenizer, random, tokens);
    const prompt = system === undefined ? text : `${system}\n\n${text}`;
    const inputTokens = exact ? extra + tokens : tokenizer.count(prompt);
    if (system === undefined) return { messages: [{ role: 'user', content: text }], prompt, inputTokens };
    return {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: text },
      ],
      prompt,
      inputTokens,
    };
  };
}

function datasetInputs(source: { file: string; count: number }, tokenizer: Tokenizer, seed: number, worker: LoadWorker): () => Input {
  const dataset = loadDataset(source.file);
  if (!dataset.ok) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `prompt dataset ${source.file} has problems`, dataset.problems.map((p) => `${source.file}: ${p}`));
  const all = dataset.conversations;
  const picked = pick(all.length, Math.min(source.count, all.length), createRandom(seed, 'llm-dataset/pick'));
  const n = picked.length;
  // Prompts are flattened and counted on first use, then kept: a worker counts only what it sends.
  const texts: (string | undefined)[] = new Array<string | undefined>(n);
  const counts = new Int32Array(n).fill(-1);
  const order = createRandom(seed, 'llm-dataset/order');
  const perm = Array.from({ length: n }, (_, i) => i);
  let pass = -1;
  let position = worker.index;
  return () => {
    while (position >= (pass + 1) * n) {
      shuffle(perm, order);
      pass++;
    }
    const k = perm[position - pass * n]!;
    position += worker.count;
    const messages: ChatMessage[] = all[picked[k]!]!;
    const prompt = (texts[k] ??= promptText(messages));
    if (counts[k]! < 0) counts[k] = tokenizer.count(prompt);
    return { messages, prompt, inputTokens: counts[k]! };
  };
}

/** pick returns `count` distinct indices of [0, n), drawn with the random (a partial Fisher–Yates shuffle), in file order. */
function pick(n: number, count: number, random: Random): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random.next() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, count).sort((a, b) => a - b);
}

/** shuffle shuffles a list in place (Fisher–Yates). */
function shuffle(list: number[], random: Random): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}
