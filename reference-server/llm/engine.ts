/**
 * LlmEngine: the reference LLM as the OpenAI front end and its scheduler see it. A step runs one forward pass over
 * a batch of sequences: a sequence new to the engine brings its whole prompt (prefill), a running one its last
 * token (decode); each gets back its next token, chosen greedily (deterministic). The engine keeps each
 * sequence's KV cache until it is released. Continuous batching calls `step` with whatever sequences are running
 * between decode steps; static batching with a fixed group until all of it ends; no batching with one sequence.
 */

/** LlmModelInfo describes the served model. */
export interface LlmModelInfo {
  /** The name it is served under (`/v1/models`), e.g. `tiny-llm` or `tiny-llm-int8`. */
  name: string;
  precision: 'fp32' | 'fp16' | 'int8' | 'int4';
  vocabSize: number;
  /** The longest sequence (prompt + generated tokens) the model takes. */
  maxContext: number;
  layers: number;
  dModel: number;
  heads: number;
  /** The token that ends a sequence (unless the request asks to ignore it). */
  eosToken: number;
}

/** StepInput is one sequence's share of a step: its prompt on its first step, its last token after. */
export interface StepInput {
  seqId: number;
  tokens: number[];
}

/** StepOutput is one sequence's next token. */
export interface StepOutput {
  seqId: number;
  token: number;
}

/** LlmEngine runs forward passes over batches of sequences. */
export interface LlmEngine {
  readonly info: LlmModelInfo;
  /** step runs one forward pass over the batch (prefills and decodes together) and returns each sequence's next token. */
  step(batch: StepInput[]): Promise<StepOutput[]>;
  /** release frees a sequence's KV cache (it finished, was cancelled or failed). */
  release(seqId: number): void;
  /** kvTokens is the number of tokens held in KV caches now (for the KV-cache usage metric and its limit). */
  kvTokens(): number;
  close(): Promise<void>;
}

/** LlmTokenizer turns text into the model's token ids and back. */
export interface LlmTokenizer {
  encode(text: string): number[];
  decode(tokens: number[]): string;
}
