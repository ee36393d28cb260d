/**
 * Synthetic prompts of an exact token count, made of real words: the tokenizer's own most frequent whole-word
 * tokens (` the`, ` house`, …; no word list is shipped), drawn with Zipf's law (the k-th word with probability
 * ∝ 1/k, as in natural text), in sentences of 6 to 18 words closed by a period.
 *
 * Exactness by construction: each of the BPE encodings' pre-tokenizers (the regex that splits text before
 * merging) cuts such text into ` word` pieces and `.` pieces, and a piece that is itself in the vocabulary is
 * one token. So the text has exactly as many tokens as it has words and periods; the first word is one whose
 * bare form (no space) is a token too. Tests check this against the tokenizer over many draws.
 */
import type { Random } from '../scenario/random.js';
import type { Tokenizer } from './tokenizer.js';

const SENTENCE_MIN = 6;
const SENTENCE_MAX = 18;

/** zipfIndex draws an index in [0, n) with probability about ∝ 1/(index + 1); logN1 is ln(n + 1). */
function zipfIndex(random: Random, n: number, logN1: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(random.next() * logN1)) - 1);
}

/** syntheticText returns text of exactly `tokens` tokens (≥ 1) by the tokenizer it was made for. */
export function syntheticText(tokenizer: Tokenizer, random: Random, tokens: number): string {
  const { words, starts } = tokenizer;
  const parts: string[] = new Array<string>(tokens);
  parts[0] = words[starts[zipfIndex(random, starts.length, Math.log(starts.length + 1))]!]!.slice(1);
  const logWords = Math.log(words.length + 1);
  let sentence = SENTENCE_MIN + Math.floor(random.next() * (SENTENCE_MAX - SENTENCE_MIN + 1));
  let inSentence = 1;
  for (let i = 1; i < tokens; i++) {
    if (inSentence >= sentence && tokenizer.sentences) {
      parts[i] = '.';
      inSentence = 0;
      sentence = SENTENCE_MIN + Math.floor(random.next() * (SENTENCE_MAX - SENTENCE_MIN + 1));
    } else {
      parts[i] = words[zipfIndex(random, words.length, logWords)]!;
      inSentence++;
    }
  }
  return parts.join('');
}

/**
 * prefixTokens is how many tokens `system` and the blank line after it add before synthetic text (counted once:
 * the text starts with letters, so the boundary is cut the same way whatever the first word is).
 */
export function prefixTokens(tokenizer: Tokenizer, system: string): number {
  const first = tokenizer.words[tokenizer.starts[0]!]!.slice(1);
  return tokenizer.count(`${system}\n\n${first}`) - 1;
}
