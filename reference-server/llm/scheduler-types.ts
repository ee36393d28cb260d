/**
 * The types the LLM scheduler shares with its front end and its metrics: what a sequence asks for, where its
 * tokens go, the limits, and the events the metrics listen to.
 */
import type { LlmBatching } from '../config/model-config.js';

/** SchedulerLimits are one LLM's scheduling settings, resolved (config.yaml's `llm:`, kvCacheTokens > 0). */
export interface SchedulerLimits {
  batching: LlmBatching;
  maxNumSeqs: number;
  /** KV-cache budget in tokens; each running sequence reserves prompt + max_tokens of it. */
  kvCacheTokens: number;
  /** Waiting sequences at most; a new one past it is shed (503). */
  maxQueue: number;
  /** A sequence waiting longer ends with 503 (checked between steps); 0 = no limit. */
  maxQueueDelayMs: number;
}

/** SequenceRequest is one generation: prompt tokens, a bound on new tokens, and whether EOS ends it. */
export interface SequenceRequest {
  promptTokens: number[];
  /** New tokens at most (the front end bounds it by the model's context). */
  maxTokens: number;
  /** vLLM's ignore_eos: EOS is generated like any token and the sequence runs to max_tokens. */
  ignoreEos: boolean;
}

/** SequenceEnd is how a sequence ended. */
export interface SequenceEnd {
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Tokens generated, EOS included (vLLM counts it). */
  completionTokens: number;
}

/** SequenceSink receives a sequence's tokens (EOS is never sent) and then exactly one of onEnd or onError. */
export interface SequenceSink {
  onToken(token: number): void;
  onEnd(end: SequenceEnd): void;
  /** onError ends a sequence that failed: the HTTP status to answer (503 waited too long or shutting down, 500 the model failed). */
  onError(status: number, message: string): void;
}

/** Shed is a refusal before any work: the HTTP status (503 overloaded, 400 can never fit) and why. */
export interface Shed {
  status: number;
  message: string;
}

/** isShed tells a refusal from a queued sequence's handle. */
export function isShed(x: object): x is Shed {
  return 'status' in x && 'message' in x;
}

/** SchedulerListener hears the events that vLLM's metrics count (seconds and token counts). */
export interface SchedulerListener {
  /** The queue or the batch changed size. */
  onQueued?(): void;
  /** A sequence's prompt ran (prefill). */
  onPrompt?(tokens: number): void;
  /** A sequence got its first token, this long after it arrived. */
  onFirstToken?(seconds: number): void;
  /** A sequence got a further token, this long after its previous one. */
  onTokenGap?(seconds: number): void;
  /** Tokens were generated. */
  onGenerated?(tokens: number): void;
  /** A sequence finished (stop or length), this long after it arrived. */
  onFinished?(seconds: number, reason: SequenceEnd['finishReason']): void;
}
