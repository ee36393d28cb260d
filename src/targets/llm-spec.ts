/**
 * The LLM side of targets and requests (issue 14): an `openai` target's own fields, and the prompt request kind.
 * A KServe request carries tensors (RequestSpec.inputs); an LLM request carries prompts from a PromptSource.
 */

/** OpenAiOptions are an `openai` target's fields beyond url, model, headers, TLS and timeouts (TargetSpec.openai). */
export interface OpenAiOptions {
  /** `chat`: POST /v1/chat/completions (messages); `completions`: POST /v1/completions (prompt). */
  endpoint: 'chat' | 'completions';
  /** Ask for a Server-Sent Events stream (`stream: true`); without it TTFT is the whole response's time. */
  stream: boolean;
  /** Ask for a final usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** Extra fields merged into every request body (temperature, top_p, …); never model, messages, prompt or stream. */
  body?: Record<string, unknown>;
  /** The most time allowed between two chunks of a stream (and before the first): past it the request is STREAM_TIMEOUT. TargetSpec.timeoutMs bounds the whole stream. */
  tokenTimeoutMs: number;
}

/** LengthDist is a distribution of token counts (prompt or output lengths), drawn from the scenario's seed. */
export type LengthDist =
  | { kind: 'fixed'; value: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean: number; stddev: number; min: number; max: number }
  | { kind: 'lognormal'; median: number; sigma: number; min: number; max: number }
  /** Counts read from a file (one per line), drawn uniformly. */
  | { kind: 'file'; file: string; values: number[] };

/** ChatMessage is one message of a chat conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** LlmRequestSpec is the prompt request kind (RequestSpec.llm): where prompts come from and how long answers may be. */
export interface LlmRequestSpec {
  source:
    | { kind: 'synthetic'; inputTokens: LengthDist; system?: string }
    /** JSONL: `{"prompt": …}`, `{"messages": [...]}` or ShareGPT `{"conversations": [{"from": "human", "value": …}, …]}` a line. */
    | { kind: 'dataset'; file: string; count: number };
  /** max_tokens of each request, drawn per request (a dataset line's own answer length is not used). */
  outputTokens: LengthDist;
  /** Ask the server to go on past EOS (`ignore_eos: true`, vLLM's and the reference server's), so outputs have the drawn length. */
  ignoreEos: boolean;
  /** How tokens are counted client-side: gpt-tokenizer's encoding (`o200k_base` default, `cl100k_base`). */
  tokenizer: string;
}

/** LlmPrompt is one request's prompt, ready to send. */
export interface LlmPrompt {
  /** Chat endpoint: the conversation; completions endpoint: `prompt` (the conversation's text when from a chat dataset). */
  messages: ChatMessage[];
  prompt: string;
  maxTokens: number;
  ignoreEos: boolean;
  /** The prompt's tokens by the client's tokenizer. */
  inputTokens: number;
}

/** PromptSource yields the prompts of a run in a seeded order; each load worker has its own, built from the same spec. */
export interface PromptSource {
  /** The tokenizer used for counts, as results.json names it (`gpt-tokenizer o200k_base`). */
  readonly countedBy: string;
  next(): LlmPrompt;
  /** countTokens counts a text's tokens with the same tokenizer (output text, for responses without usage). */
  countTokens(text: string): number;
}
