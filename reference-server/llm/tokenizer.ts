/**
 * The reference LLM's tokenizer: gpt-tokenizer's default encoding (o200k_base) folded into the model's small
 * vocabulary. Encoding maps GPT id g to model id g mod (vocabSize − 1), so prompt token counts equal
 * gpt-tokenizer's (the counts clients make); the last model id is EOS and no GPT id maps to it. Decoding maps
 * model id m to a fixed representative GPT id: the smallest g ≡ m (mod vocabSize − 1) whose text is printable
 * and re-encodes to g alone (else a space), so every id decodes to a readable piece and text made of GPT ids below vocabSize − 1 round-trips exactly.
 */
import { createRequire } from 'node:module';
import type { LlmTokenizer } from './engine.js';

interface GptApi {
  encode(text: string, options?: { allowedSpecial: Set<string>; disallowedSpecial: Set<string> }): number[];
  decode(ids: number[]): string;
  vocabularySize: number;
}

const require = createRequire(import.meta.url);
let gptApi: GptApi | undefined;
/**
 * gpt loads the encoding on first use (about 0.2 s and 50 MB): every command imports the server's modules, and
 * only a served LLM needs it. The CommonJS build is the one src/llm/tokenizer.ts loads, so one process holds one copy.
 */
function gpt(): GptApi {
  gptApi ??= require('gpt-tokenizer/cjs/encoding/o200k_base') as GptApi;
  return gptApi;
}
const gptEncode: GptApi['encode'] = (text, options) => gpt().encode(text, options);
const gptDecode: GptApi['decode'] = (ids) => gpt().decode(ids);

/** TOKENIZER_NAME names the mapping in config.yaml and docs. */
export const TOKENIZER_NAME = 'gpt-tokenizer o200k_base, id mod (vocab - 1), EOS = vocab - 1';

// Printable: no replacement character (a partial UTF-8 sequence) and no control characters except \n and \t.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\uFFFD\u0000-\u0008\u000B-\u001F\u007F]/;

/** GptMappedTokenizer folds gpt-tokenizer's ids into a vocabulary of `vocabSize` (EOS = vocabSize − 1). */
export class GptMappedTokenizer implements LlmTokenizer {
  readonly eosToken: number;
  private readonly modulus: number;
  private representatives?: Int32Array;

  constructor(readonly vocabSize: number) {
    if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new RangeError(`vocabSize ${vocabSize}: must be an integer >= 2`);
    this.modulus = vocabSize - 1;
    this.eosToken = vocabSize - 1;
  }

  encode(text: string): number[] {
    // Special-token text ("<|endoftext|>") is encoded as ordinary text, never as a special id.
    return gptEncode(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() }).map((g) => g % this.modulus);
  }

  /** decode turns ids into text; EOS and ids outside the vocabulary decode to nothing. */
  decode(tokens: number[]): string {
    const table = this.table();
    const ids: number[] = [];
    for (const t of tokens) {
      if (Number.isInteger(t) && t >= 0 && t < this.modulus) ids.push(table[t] ?? t);
    }
    return gptDecode(ids);
  }

  private table(): Int32Array {
    if (this.representatives) return this.representatives;
    const table = new Int32Array(this.modulus);
    const limit = Number(gpt().vocabularySize) || this.modulus;
    const fallback = gptEncode(' ')[0] ?? 0;
    for (let m = 0; m < this.modulus; m++) {
      table[m] = fallback;
      for (let g = m; g < limit; g += this.modulus) {
        let text: string;
        try {
          text = gptDecode([g]);
        } catch {
          continue;
        }
        /*
         * Subtleness ahead: gpt-tokenizer decodes incomplete UTF-8 through one shared streaming TextDecoder, so a
         * token that is a partial character leaves bytes that leak into the next such decode. Only a token whose
         * text re-encodes to itself alone is a representative: that rejects partial characters and leaked text,
         * and decoding representatives never touches the shared decoder.
         */
        const again = gptEncode(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() });
        if (text.length > 0 && !UNPRINTABLE.test(text) && again.length === 1 && again[0] === g) {
          table[m] = g;
          break;
        }
      }
    }
    this.representatives = table;
    return table;
  }
}
