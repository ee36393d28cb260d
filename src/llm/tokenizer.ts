/**
 * Client-side token counting with gpt-tokenizer's BPE encodings, and the words synthetic prompts are made of.
 * An encoding is loaded on first use (o200k_base takes about 0.3 s and 50 MB), once per thread, through
 * `require` of the package's CommonJS build: createPromptSource is synchronous, and importing every encoding
 * up front would load all four vocabularies into every process that merely parses a scenario.
 */
import { createRequire } from 'node:module';

/** TOKENIZERS are the encodings a scenario may name (`tokenizer:`); the default is the first. */
export const TOKENIZERS = ['o200k_base', 'cl100k_base', 'p50k_base', 'r50k_base'] as const;
/** TokenizerName is one of TOKENIZERS. */
export type TokenizerName = (typeof TOKENIZERS)[number];

/** WORD_POOL is how many words synthetic prompts draw from at most: the encoding's lowest-ranked (most frequent) whole-word tokens. */
export const WORD_POOL = 8192;

/** Tokenizer counts tokens and offers the words of which one token each is made. */
export interface Tokenizer {
  /** name is an encoding of TOKENIZERS, or the path of a tokenizer.json. */
  readonly name: string;
  /** countedBy names the method in results (`gpt-tokenizer o200k_base`, `@huggingface/tokenizers /models/llama/tokenizer.json`). */
  readonly countedBy: string;
  count(text: string): number;
  /** words are ` word` tokens (a space and 3+ lower-case ASCII letters), most frequent first: each is one token wherever it stands after another word. */
  readonly words: readonly string[];
  /** starts are words whose form without the space is one token too, so a text may begin with one (indices into words). */
  readonly starts: readonly number[];
  /** sentences tells whether a period after a word is one token (else synthetic text has no periods). */
  readonly sentences: boolean;
}

interface Encoding {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}

/** Special-token text (`<|endoftext|>`) in a prompt or an answer is counted as plain text, as a server counts a user's text. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const require = createRequire(import.meta.url);
const loaded = new Map<TokenizerName, Tokenizer>();

/** loadTokenizer returns the named encoding (loaded once per thread). */
export function loadTokenizer(name: TokenizerName): Tokenizer {
  const done = loaded.get(name);
  if (done) return done;
  const encoding = (require(`gpt-tokenizer/cjs/encoding/${name}`) as { default: Encoding }).default;
  const ranks = (require(`gpt-tokenizer/cjs/bpeRanks/${name}`) as { default: readonly (string | number[])[] }).default;
  const { words, starts } = wordsOf(ranks);
  const tokenizer: Tokenizer = {
    name,
    countedBy: `gpt-tokenizer ${name}`,
    count: (text) => encoding.countTokens(text, PLAIN_TEXT),
    words,
    starts,
    sentences: true,
  };
  loaded.set(name, tokenizer);
  return tokenizer;
}

/** wordsOf picks WORD_POOL ` word` tokens in rank order, and those of them whose bare form is a token too. */
function wordsOf(ranks: readonly (string | number[])[]): { words: string[]; starts: number[] } {
  const all = new Set<string>();
  for (const r of ranks) if (typeof r === 'string') all.add(r);
  const words: string[] = [];
  const starts: number[] = [];
  for (const r of ranks) {
    // A word, not a fragment: three or more lower-case letters with a vowel, whose capitalised form is a token too.
    if (typeof r !== 'string' || !/^ [a-z]{3,}$/.test(r) || !/[aeiouy]/.test(r) || !all.has(` ${r[1]!.toUpperCase()}${r.slice(2)}`)) continue;
    if (all.has(r.slice(1))) starts.push(words.length);
    words.push(r);
    if (words.length >= WORD_POOL) break;
  }
  return { words, starts };
}
