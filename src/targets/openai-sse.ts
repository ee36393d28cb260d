/**
 * TokenStream reads the body of one 2xx answer of an openai target as its bytes arrive: a Server-Sent Events
 * stream (parsed by eventsource-parser) or one JSON completion, told apart by Content-Type or, without one, by
 * the first byte. Each chunk with non-empty content is one arrival (TTFT, gaps, tokens counted by the prompt
 * source's tokenizer); role-only and empty chunks, usage chunks and `[DONE]` carry no token. What is not a stream
 * or a completion (an HTML page, a malformed data line, an error event) becomes a failure with a stable code.
 */
import { createParser, type EventSourceMessage, type EventSourceParser, type ParseError } from 'eventsource-parser';
import type { TokenTiming } from './client.js';
import { describeText, errorMessage, looksLikeHtml, readChoice, readUsage, type Usage } from './openai-body.js';

/** MAX_EVENT_CHARS bounds one buffered SSE line or event; past it the answer is BAD_RESPONSE. */
export const MAX_EVENT_CHARS = 1024 * 1024;
/** MAX_JSON_BYTES bounds a whole-JSON (non-streamed) answer; past it the answer is BAD_RESPONSE. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Failure is why an answer failed: a stable outcome code and a readable message. */
export interface Failure {
  code: string;
  message: string;
}

/** TokenCounter is what a TokenStream needs of the prompt source: its tokenizer and its name. */
export interface TokenCounter {
  readonly countedBy: string;
  countTokens(text: string): number;
}

const SNIFF_SSE = /^(data|event|id|retry|:)/;

/** TokenStream follows one answer body; feed it bytes with their arrival time, then `end` when the body is complete. */
export class TokenStream {
  /** The first failure seen; once set, later bytes are ignored. */
  failure: Failure | undefined;
  /** `[DONE]` was received. */
  done = false;
  /** When the stream finished (`[DONE]` or a finish_reason first seen), on the nowUs clock. */
  finishedAtUs: number | undefined;
  /** The count of events (SSE) so far: the client restarts its between-chunks timer when it grows. */
  events = 0;
  private mode: 'sniff' | 'sse' | 'json';
  private readonly decoder = new TextDecoder('utf-8');
  private parser: EventSourceParser | null = null;
  /** Whether the stream's text so far ends with a line break. */
  private lineEnded = true;
  private json: Buffer[] = [];
  private jsonBytes = 0;
  private atUs = 0;
  private counted = 0;
  private usage: Usage | undefined;
  private firstTokenUs: number | undefined;
  private lastTokenUs: number | undefined;
  private finishReason: string | undefined;
  private readonly gapsUs: number[] = [];

  constructor(
    private readonly counter: TokenCounter,
    /** The prompt's tokens by the client's tokenizer. */
    private readonly promptTokens: number,
    /** The most gaps kept: the request's max_tokens (a server that sends more has its extra gaps left out). */
    private readonly maxGaps: number,
    contentType: string | undefined,
  ) {
    const ct = (contentType ?? '').toLowerCase();
    if (ct.startsWith('text/event-stream')) this.mode = 'sse';
    else if (ct.includes('json')) this.mode = 'json';
    else if (ct.startsWith('text/html')) {
      this.mode = 'json';
      this.failure = { code: 'BAD_RESPONSE', message: `the answer is an HTML page (Content-Type ${contentType}), not an event stream or JSON` };
    } else this.mode = 'sniff';
  }

  /** finished says whether the stream reached its end: `[DONE]` or a finish_reason. */
  get finished(): boolean {
    return this.done || this.finishReason !== undefined;
  }

  /** feed reads body bytes that arrived at `atUs` (copied or consumed before it returns). */
  feed(chunk: Buffer, atUs: number): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    this.atUs = atUs;
    // Runs inside a socket's data handler: nothing may escape (a tokenizer that throws on some text included).
    try {
      if (this.mode === 'sniff') this.sniff(chunk);
      if (this.mode === 'json') {
        this.jsonBytes += chunk.length;
        if (this.jsonBytes > MAX_JSON_BYTES) return this.fail('BAD_RESPONSE', `the JSON answer is over ${MAX_JSON_BYTES} bytes`);
        this.json.push(Buffer.from(chunk));
      } else if (this.mode === 'sse') this.sse(this.decoder.decode(chunk, { stream: true }));
    } catch (err) {
      this.fail('BAD_RESPONSE', `the answer could not be read: ${(err as Error).message}`);
    }
  }

  /** end is called when the body is complete (its HTTP framing ended), at `atUs`; it reads a JSON answer or flushes the stream. */
  end(atUs: number): void {
    if (this.failure !== undefined) return;
    this.atUs = atUs;
    try {
      this.flush();
    } catch (err) {
      this.fail('BAD_RESPONSE', `the answer could not be read: ${(err as Error).message}`);
    }
  }

  private flush(): void {
    if (this.mode === 'sse') {
      // A last event without its blank line is still an event once the body has ended, but a half line is not:
      // a body that ends mid-line (a cut, where nothing frames the body) is left unfinished.
      this.sse(this.decoder.decode());
      if (this.lineEnded) this.sseParser().feed('\n');
      return;
    }
    const text = Buffer.concat(this.json).toString('utf8');
    this.json = [];
    if (text.trim() === '') return this.fail('BAD_RESPONSE', 'the answer is empty');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return this.fail('BAD_RESPONSE', looksLikeHtml(text) ? `the answer is an HTML page: ${describeText(text)}` : `the answer is neither an event stream nor JSON: ${describeText(text)}`);
    }
    this.completion(doc);
  }

  /** timing is the answer's tokens so far; the server's usage, when it sent one, gives the counts. */
  timing(): TokenTiming {
    const u = this.usage;
    const t: TokenTiming = {
      outputTokens: u?.completionTokens ?? this.counted,
      inputTokens: u?.promptTokens ?? this.promptTokens,
      countedBy: u !== undefined ? 'usage' : this.counter.countedBy,
      gapsUs: this.gapsUs,
    };
    if (u !== undefined) t.usage = u;
    if (this.firstTokenUs !== undefined) t.firstTokenUs = this.firstTokenUs;
    if (this.lastTokenUs !== undefined) t.lastTokenUs = this.lastTokenUs;
    if (this.finishReason !== undefined) t.finishReason = this.finishReason;
    return t;
  }

  private sniff(chunk: Buffer): void {
    const head = chunk.toString('utf8', 0, Math.min(chunk.length, 64)).trimStart();
    if (head === '') return; // leading blank lines: wait for more
    if (head.startsWith('{')) this.mode = 'json';
    else if (SNIFF_SSE.test(head)) this.mode = 'sse';
    else {
      this.mode = 'json'; // kept as text for the message
      const text = chunk.toString('utf8', 0, Math.min(chunk.length, 4096));
      this.fail('BAD_RESPONSE', looksLikeHtml(text) ? `the answer is an HTML page: ${describeText(text)}` : `the answer is neither an event stream nor JSON: ${describeText(text)}`);
    }
  }

  private sse(text: string): void {
    if (text === '') return;
    const last = text.charCodeAt(text.length - 1);
    this.lineEnded = last === 10 || last === 13;
    this.sseParser().feed(text);
  }

  private sseParser(): EventSourceParser {
    this.parser ??= createParser({ onEvent: this.onEvent, onError: this.onError, maxBufferSize: MAX_EVENT_CHARS });
    return this.parser;
  }

  private readonly onError = (err: ParseError): void => {
    if (err.type === 'invalid-retry') return; // a bad reconnection delay: harmless, ignored as browsers do
    const what = err.type === 'max-buffer-size-exceeded' ? `an event is over ${MAX_EVENT_CHARS} characters` : `a line is not an SSE field: ${describeText(err.line ?? err.field ?? '')}`;
    this.fail('BAD_RESPONSE', `malformed event stream: ${what}`);
  };

  private readonly onEvent = (e: EventSourceMessage): void => {
    if (this.failure !== undefined || this.done) return;
    this.events++;
    const data = e.data.trim();
    if (e.event === 'error') return this.fail('STREAM_ERROR', errorOf(data));
    if (data === '[DONE]') {
      this.done = true;
      this.finishedAtUs ??= this.atUs;
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(data);
    } catch {
      return this.fail('BAD_RESPONSE', `malformed SSE data line: ${describeText(data)}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return this.fail('BAD_RESPONSE', `malformed SSE data line (not a JSON object): ${describeText(data)}`);
    const err = errorMessage(doc);
    if (err !== undefined) return this.fail('STREAM_ERROR', err);
    const usage = readUsage((doc as { usage?: unknown }).usage);
    if (usage !== undefined) this.usage = usage;
    const choice = readChoice(doc as Record<string, unknown>);
    if (choice === undefined) return; // a usage chunk, or a chunk of metadata only
    if (choice.text !== '') this.arrival(choice.text);
    if (choice.finishReason !== undefined) {
      this.finishReason = choice.finishReason;
      this.finishedAtUs ??= this.atUs;
    }
  };

  /** completion reads a whole JSON answer: its tokens all arrive when the body completes. */
  private completion(doc: unknown): void {
    const err = errorMessage(doc);
    if (err !== undefined) return this.fail('STREAM_ERROR', err);
    const choice = typeof doc === 'object' && doc !== null ? readChoice(doc as Record<string, unknown>) : undefined;
    if (choice === undefined) return this.fail('BAD_RESPONSE', 'the JSON answer has no choices');
    const usage = readUsage((doc as { usage?: unknown }).usage);
    if (usage !== undefined) this.usage = usage;
    this.finishReason = choice.finishReason;
    this.done = true;
    if (choice.text !== '') this.arrival(choice.text);
  }

  private arrival(text: string): void {
    const at = this.atUs;
    if (this.lastTokenUs === undefined) this.firstTokenUs = at;
    else if (this.gapsUs.length < this.maxGaps) this.gapsUs.push(Math.max(0, Math.round(at - this.lastTokenUs)));
    this.lastTokenUs = at;
    this.counted += Math.max(1, this.counter.countTokens(text));
  }

  private fail(code: string, message: string): void {
    this.failure ??= { code, message };
  }
}

/** errorOf is the message of an `event: error` (its JSON error's message, else its text). */
function errorOf(data: string): string {
  try {
    const m = errorMessage(JSON.parse(data));
    if (m !== undefined) return m;
  } catch {
    // not JSON
  }
  return data === '' ? 'the server sent an error event' : data.slice(0, 300);
}
