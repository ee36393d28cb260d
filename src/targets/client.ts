/**
 * Client: one per target protocol. A client sends the same request (cycling through pre-built payloads) and
 * reports each request's fate as an Outcome. It never throws for a failed request: failures are data, with a
 * stable code (see OUTCOME_CODES).
 */

/**
 * Stable outcome codes; HTTP and gRPC statuses are added as HTTP_<status> and GRPC_<STATUS>. BAD_OUTPUT is a
 * response that failed the scenario's checks (request.expect: outputs, values, accepted statuses).
 */
export const OUTCOME_CODES = [
  'OK',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'SOCKET_ERROR',
  'TIMEOUT',
  'BAD_RESPONSE',
  'BAD_OUTPUT',
  'DROPPED',
  'CANCELLED',
  'STREAM_ABORTED',
  'STREAM_TIMEOUT',
  'STREAM_ERROR',
] as const;

/** Outcome is one request's fate; times are microseconds on the performance.now() clock (see nowUs). */
export interface Outcome {
  /** 'OK' or an error code: one of OUTCOME_CODES, HTTP_<status> or GRPC_<STATUS_NAME>. */
  code: string;
  /** When the request was handed to the socket. */
  sentUs: number;
  /** When the first byte of the response arrived (undefined if none did). */
  firstByteUs?: number;
  /** When the outcome was known (response complete, error, or timeout). */
  doneUs: number;
  /** Response body bytes received. */
  bytes?: number;
  /** A streamed LLM response's tokens (openai targets): absent for other protocols. */
  tokens?: TokenTiming;
}

/**
 * TokenTiming is what an LLM response's stream said, token by token. Times are on the nowUs clock. `gapsUs` holds
 * every inter-token gap of the request (bounded by its max_tokens); the recorder folds it into histograms at once
 * and keeps nothing per request.
 */
export interface TokenTiming {
  /** When the first content token arrived (undefined when none did). */
  firstTokenUs?: number;
  /** When the last content token arrived. */
  lastTokenUs?: number;
  /** Output tokens received, as counted by the client (see `countedBy`). */
  outputTokens: number;
  /** Prompt tokens, as counted by the client (see `countedBy`). */
  inputTokens?: number;
  /** How the counts were made: `usage` (the server's), or the tokenizer's name (`gpt-tokenizer o200k_base`, …). */
  countedBy: string;
  /** The server's own `usage`, when it sent one. */
  usage?: { promptTokens: number; completionTokens: number };
  /** Gaps between successive content chunks, µs (ITL); a chunk of several tokens counts as one gap. */
  gapsUs: number[];
  /** The stream's finish_reason (`stop`, `length`, …), when it sent one. */
  finishReason?: string;
}

/** Client sends requests to one target. */
export interface Client {
  /**
   * send sends one request now and resolves with its outcome; it never rejects. `pick` is the index of a trace
   * variant (ClientOptions.variants) to send; without it, the client's next request (of its mix, or in turn).
   */
  send(pick?: number): Promise<Outcome>;
  /** check makes one request and throws a readable error if the target cannot serve it (used before a run). */
  check(): Promise<void>;
  /** close ends every connection; outstanding sends resolve as CANCELLED. */
  close(): Promise<void>;
}

/** timeoutDelayMs is a request timeout as a timer delay: at least 1 ms, and no longer than Node's timers can wait. */
export function timeoutDelayMs(timeoutMs: number): number {
  return Math.min(Math.max(timeoutMs, 1), 2 ** 31 - 1);
}

/** nowUs is the clock every timestamp uses: microseconds since the process started, as a float. */
export function nowUs(): number {
  return performance.now() * 1000;
}
