/**
 * A Hugging Face `tokenizer.json` as the client's tokenizer, through @huggingface/tokenizers (pure JavaScript,
 * no network: the user gives the file, and `tokenizer_config.json` beside it when there is one). Counts are of
 * the text alone, without the special tokens (BOS) a server's template adds.
 * Synthetic prompts keep gpt-tokenizer's o200k_base words that this tokenizer counts as one token after another
 * word; whether the whole construction is exact is checked on sample texts (prompt-source.ts counts every prompt
 * when it is not).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LLM_LIMITS } from '../scenario/limits.js';
import { readTextFile } from '../scenario/yaml-file.js';
import type { Parsed } from '../scenario/units.js';
import { loadTokenizer, WORD_POOL, type Tokenizer } from './tokenizer.js';

/** MIN_HF_WORDS is the fewest one-token words a tokenizer.json must keep for synthetic text of its own; with fewer, the o200k_base words are used and every prompt is counted. */
const MIN_HF_WORDS = 64;

interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
}

const require = createRequire(import.meta.url);
const loaded = new Map<string, Parsed<Tokenizer>>();

/** loadHfTokenizer reads a tokenizer.json (once per thread) or says why it cannot be used. */
export function loadHfTokenizer(file: string): Parsed<Tokenizer> {
  const done = loaded.get(file);
  if (done) return done;
  const result = build(file);
  loaded.set(file, result);
  return result;
}

function build(file: string): Parsed<Tokenizer> {
  const json = readJson(file);
  if (!json.ok) return json;
  const configFile = join(dirname(file), 'tokenizer_config.json');
  const config = readJson(configFile);
  let hf: HfTokenizer;
  try {
    const { Tokenizer: HfTokenizerClass } = require('@huggingface/tokenizers') as { Tokenizer: new (json: object, config: object) => HfTokenizer };
    hf = new HfTokenizerClass(json.value, config.ok ? config.value : {});
    hf.encode('a test', { add_special_tokens: false });
  } catch (err) {
    return { ok: false, message: `is not a tokenizer @huggingface/tokenizers can use: ${(err as Error).message}` };
  }
  const count = (text: string): number => (text === '' ? 0 : hf.encode(text, { add_special_tokens: false }).ids.length);
  const base = loadTokenizer('o200k_base');
  const ref = base.words[base.starts[0]!]!.slice(1);
  const refCount = count(ref);
  const words: string[] = [];
  const starts: number[] = [];
  for (const w of base.words) {
    if (count(ref + w) - refCount !== 1) continue;
    if (count(w.slice(1)) === 1) starts.push(words.length);
    words.push(w);
    if (words.length >= WORD_POOL) break;
  }
  const own = words.length >= MIN_HF_WORDS && starts.length > 0;
  const sentences = own && count(`${ref}${words[0]!}.`) - count(`${ref}${words[0]!}`) === 1;
  return {
    ok: true,
    value: { name: file, countedBy: `@huggingface/tokenizers ${file}`, count, words: own ? words : base.words, starts: own ? starts : base.starts, sentences: own ? sentences : true },
  };
}

function readJson(file: string): Parsed<object> {
  const read = readTextFile(file, LLM_LIMITS.tokenizerBytes);
  if (!read.ok) return read;
  try {
    const v: unknown = JSON.parse(read.text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, message: 'must be a JSON object (a tokenizer.json)' };
    return { ok: true, value: v };
  } catch (err) {
    return { ok: false, message: `is not JSON: ${(err as Error).message}` };
  }
}
