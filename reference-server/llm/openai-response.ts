/**
 * The OpenAI response bodies: a whole chat or text completion, and the chunks of a stream (a role chunk first for
 * chat, content chunks, a finish chunk with finish_reason, a usage chunk when asked), plus the decoder that turns
 * tokens into text as they come.
 */
import { randomUUID } from 'node:crypto';
import type { LlmTokenizer } from './engine.js';
import type { CompletionRequest } from './openai-request.js';
import type { SequenceEnd } from './scheduler-types.js';

/** Usage is OpenAI's token counts of one request. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** usageOf turns a sequence's end into OpenAI's usage. */
export function usageOf(end: SequenceEnd): Usage {
  return { prompt_tokens: end.promptTokens, completion_tokens: end.completionTokens, total_tokens: end.promptTokens + end.completionTokens };
}

/** ResponseShape builds the bodies of one request (one id and creation time for all its chunks). */
export class ResponseShape {
  readonly id: string;
  readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly req: CompletionRequest) {
    this.id = `${req.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`;
  }

  /** whole is the non-streaming body. */
  whole(text: string, end: SequenceEnd): object {
    const choice = this.req.kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: end.finishReason }
      : { index: 0, text, logprobs: null, finish_reason: end.finishReason };
    return { ...this.head(false), choices: [choice], usage: usageOf(end) };
  }

  /** role is the first chunk of a chat stream (none for text completions). */
  role(): object | undefined {
    if (this.req.kind !== 'chat') return undefined;
    return this.chunk({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
  }

  /** content is a chunk of generated text. */
  content(text: string): object {
    return this.chunk(this.req.kind === 'chat' ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: null } : { index: 0, text, logprobs: null, finish_reason: null });
  }

  /** finish is the chunk that carries finish_reason (with the last text not yet sent, if any). */
  finish(text: string, reason: SequenceEnd['finishReason']): object {
    const delta = text ? { content: text } : {};
    return this.chunk(this.req.kind === 'chat' ? { index: 0, delta, logprobs: null, finish_reason: reason } : { index: 0, text, logprobs: null, finish_reason: reason });
  }

  /** usage is the last chunk when stream_options.include_usage: no choices, the usage. */
  usage(end: SequenceEnd): object {
    return { ...this.head(true), choices: [], usage: usageOf(end) };
  }

  private chunk(choice: object): object {
    return { ...this.head(true), choices: [choice], ...(this.req.includeUsage && { usage: null }) };
  }

  private head(chunk: boolean): { id: string; object: string; created: number; model: string } {
    const object = this.req.kind === 'chat' ? (chunk ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
    return { id: this.id, object, created: this.created, model: this.req.model };
  }
}

/**
 * IncrementalDecoder turns the tokens generated so far into the text not yet sent, decoding only a short window
 * (vLLM's incremental detokenization): the tokens since the last text sent, against the same tokens less the new
 * ones. A window whose text ends in U+FFFD (a character whose bytes are split across tokens) is held back until
 * the next token completes it, so the cost per token stays small however long the output.
 */
export class IncrementalDecoder {
  private readonly tokens: number[] = [];
  /** Where the window starts (the last text sent began here) and where its new tokens start. */
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly tokenizer: LlmTokenizer) {}

  /** push adds a token and returns the text it completes ('' while a character is incomplete). */
  push(token: number): string {
    this.tokens.push(token);
    const prefix = this.tokenizer.decode(this.tokens.slice(this.prefixOffset, this.readOffset));
    const text = this.tokenizer.decode(this.tokens.slice(this.prefixOffset));
    if (text.length <= prefix.length || text.endsWith('\uFFFD')) return '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.tokens.length;
    return text.slice(prefix.length);
  }

  /** flush returns what is left, incomplete characters included (the sequence ended). */
  flush(): string {
    const prefix = this.tokenizer.decode(this.tokens.slice(this.prefixOffset, this.readOffset));
    const text = this.tokenizer.decode(this.tokens.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.tokens.length;
    return text.slice(prefix.length);
  }
}
