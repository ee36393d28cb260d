/**
 * IncrementalDecoder: the text streamed token by token equals the whole output's text, a character split across
 * tokens is never sent half (no U+FFFD), and each token costs a short window, not the whole output.
 */
import { describe, expect, it } from 'vitest';
import type { LlmTokenizer } from '../../../reference-server/llm/engine.js';
import { IncrementalDecoder } from '../../../reference-server/llm/openai-response.js';

/** A byte-level tokenizer: one token per UTF-8 byte; it counts the tokens it decodes. */
function byteTokenizer(): LlmTokenizer & { decoded: number } {
  const t = {
    decoded: 0,
    encode: (text: string) => [...Buffer.from(text, 'utf8')],
    decode: (tokens: number[]) => {
      t.decoded += tokens.length;
      return Buffer.from(tokens).toString('utf8');
    },
  };
  return t;
}

describe('IncrementalDecoder', () => {
  it.each([['plain ascii words'], ['héllo wörld, 3 € and 🙂 emoji, 日本語']])('streams %j whole, never half a character', (text) => {
    const tok = byteTokenizer();
    const d = new IncrementalDecoder(tok);
    const pieces = tok.encode(text).map((b) => d.push(b));
    pieces.push(d.flush());
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
  });

  it('decodes a bounded window per token, not the whole output', () => {
    const tok = byteTokenizer();
    const d = new IncrementalDecoder(tok);
    const n = 2000;
    for (let i = 0; i < n; i++) d.push(97 + (i % 26));
    expect(tok.decoded).toBeLessThan(n * 4);
  });

  it('flushes an incomplete character at the end rather than dropping it', () => {
    const d = new IncrementalDecoder(byteTokenizer());
    expect(d.push(0x61)).toBe('a');
    expect(d.push(0xe2)).toBe(''); // the first byte of €
    expect(d.flush()).toBe('\uFFFD');
  });
});
