/**
 * A deterministic stand-in for the reference LLM, for the scheduler and OpenAI front-end tests until the real
 * engine is merged: the next token is `last + 1` (mod the vocabulary), so a prompt ending in token t reaches EOS
 * (token 0) after `vocabSize - t` tokens; a step takes `fixedMs + perSeqMs x batch size` of real time, so batching
 * has a measurable benefit; every step's batch is logged. testTokenizer maps the words `t<id>` to ids and back.
 */
import type { LlmEngine, LlmModelInfo, LlmTokenizer, StepInput, StepOutput } from '../../../reference-server/llm/engine.js';
import type { LlmFactory } from '../../../reference-server/llm/engine-factory.js';

/** TestEngineOptions sizes the test engine and its step cost. */
export interface TestEngineOptions {
  vocabSize?: number;
  maxContext?: number;
  fixedMs?: number;
  perSeqMs?: number;
  /** Steps fail with this message while set. */
  failWith?: string;
}

/** StepRecord is one step: each sequence's id and how many tokens it brought (a prefill brings its prompt). */
export interface StepRecord {
  seqIds: number[];
  tokens: number[];
}

/** TestEngine is a deterministic LlmEngine with a configurable step cost. */
export class TestEngine implements LlmEngine {
  readonly info: LlmModelInfo;
  readonly steps: StepRecord[] = [];
  readonly released: number[] = [];
  private readonly kv = new Map<number, number>();
  closed = false;

  constructor(private readonly opts: TestEngineOptions = {}) {
    this.info = { name: 'test-llm', precision: 'fp32', vocabSize: opts.vocabSize ?? 64, maxContext: opts.maxContext ?? 128, layers: 1, dModel: 8, heads: 1, eosToken: 0 };
  }

  async step(batch: StepInput[]): Promise<StepOutput[]> {
    this.steps.push({ seqIds: batch.map((b) => b.seqId), tokens: batch.map((b) => b.tokens.length) });
    const ms = (this.opts.fixedMs ?? 0) + (this.opts.perSeqMs ?? 0) * batch.length;
    await new Promise((r) => setTimeout(r, ms));
    if (this.opts.failWith) throw new Error(this.opts.failWith);
    return batch.map((b) => {
      this.kv.set(b.seqId, (this.kv.get(b.seqId) ?? 0) + b.tokens.length);
      return { seqId: b.seqId, token: (b.tokens[b.tokens.length - 1]! + 1) % this.info.vocabSize };
    });
  }

  release(seqId: number): void {
    this.released.push(seqId);
    this.kv.delete(seqId);
  }

  kvTokens(): number {
    let n = 0;
    for (const v of this.kv.values()) n += v;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** testTokenizer encodes `t5 t6` as [5, 6] (any other word as 1) and decodes [5, 6] as ` t5 t6`; it throws on `\u0000`, as a strict tokenizer may. */
export const testTokenizer: LlmTokenizer = {
  encode: (text) => {
    if (text.includes('\u0000')) throw new Error('NUL is not a valid character');
    return text.split(/\s+/).filter(Boolean).map((w) => (/^t\d+$/.test(w) ? Number(w.slice(1)) : 1));
  },
  decode: (tokens) => tokens.map((t) => ` t${t}`).join(''),
};

/** testFactory makes TestEngines (each one is pushed to `engines`) and the test tokenizer. */
export function testFactory(opts: TestEngineOptions = {}, engines: TestEngine[] = []): LlmFactory {
  return {
    createEngine: async () => {
      const e = new TestEngine(opts);
      engines.push(e);
      return e;
    },
    createTokenizer: async () => testTokenizer,
  };
}
