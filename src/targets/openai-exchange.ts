/**
 * OpenAiExchange is one request of an openai target from send() to its Outcome: it owns the request's two
 * timers (the whole request, timeoutMs, from send(); the gap between chunks, tokenTimeoutMs, from the write and
 * restarted at each event of a stream), reads the answer with a TokenStream, and turns every ending into exactly
 * one Outcome: OK, HTTP_<status>, STREAM_ERROR, STREAM_ABORTED, STREAM_TIMEOUT, TIMEOUT, BAD_RESPONSE, CANCELLED or
 * a socket code. Tokens received before a failure are still reported. It is the StreamHandler of its request in
 * the target's Http1Pool, which reads the response and reuses the connection only after a clean end.
 */
import { nowUs, type Outcome, timeoutDelayMs } from './client.js';
import { httpCode } from './failures.js';
import { Job, type StreamEnd, type StreamHandler } from './http1-job.js';
import type { Http1Pool } from './http1-pool.js';
import { headerValue } from './http1-request.js';
import { httpErrorText } from './openai-body.js';
import { type TokenCounter, TokenStream } from './openai-sse.js';

/** ExchangeResult is an exchange's outcome and, for a failure, its message (check() shows it; send() samples it). */
export interface ExchangeResult {
  outcome: Outcome;
  message: string;
}

/** ExchangeSettings are what every exchange of a client shares. */
export interface ExchangeSettings {
  pool: Http1Pool;
  counter: TokenCounter;
  timeoutMs: number;
  /** The between-chunks limit of a stream; 0 for a non-streamed answer (only timeoutMs applies). */
  tokenTimeoutMs: number;
}

/** OpenAiExchange is one request in flight; `result` resolves once, never rejects. */
export class OpenAiExchange implements StreamHandler {
  readonly result: Promise<ExchangeResult>;
  private resolve: (r: ExchangeResult) => void = () => {};
  private readonly queuedUs = nowUs();
  private status = 0;
  private firstByteUs: number | undefined;
  private bytes = 0;
  private stream: TokenStream | null = null;
  private events = 0;
  private ended = false;
  private readonly totalTimer: NodeJS.Timeout;
  private gapTimer: NodeJS.Timeout | null = null;
  private readonly job: Job;

  constructor(
    payload: Buffer,
    private readonly s: ExchangeSettings,
    private readonly promptTokens: number,
    private readonly maxTokens: number,
  ) {
    this.result = new Promise((r) => (this.resolve = r));
    this.totalTimer = setTimeout(this.onTotalTimeout, timeoutDelayMs(s.timeoutMs));
    this.totalTimer.unref();
    // Assigned before dispatch: a closed pool ends the job at once (onEnd, then finish, reads it).
    this.job = new Job(payload, false, false, 0, this);
    s.pool.dispatch(this.job);
  }

  onSent(): void {
    if (this.s.tokenTimeoutMs <= 0 || this.ended) return;
    this.gapTimer = setTimeout(this.onGapTimeout, timeoutDelayMs(this.s.tokenTimeoutMs));
    this.gapTimer.unref();
  }

  onHead(status: number, head: string, atUs: number): void {
    this.status = status;
    this.firstByteUs = atUs;
    if (status < 200 || status >= 300) return;
    this.stream = new TokenStream(this.s.counter, this.promptTokens, Math.max(1, this.maxTokens), headerValue(head, 'content-type'));
    const f = this.stream.failure;
    if (f !== undefined) this.finish(f.code, f.message, true);
  }

  onBody(chunk: Buffer, atUs: number): void {
    const stream = this.stream;
    if (stream === null) return;
    this.bytes += chunk.length;
    stream.feed(chunk, atUs);
    const f = stream.failure;
    if (f !== undefined) return this.finish(f.code, f.message, true);
    if (stream.events !== this.events) {
      this.events = stream.events;
      this.gapTimer?.refresh();
    }
  }

  onEnd(end: StreamEnd): void {
    const stream = this.stream;
    if (end.kind === 'failed') {
      if (end.code === 'CANCELLED' || stream === null) return this.finish(end.code, end.message, false);
      // The stream was cut: after its finish reason or [DONE] nothing was lost; before it, the tokens so far count.
      if (stream.finished) return this.finish('OK', '', false);
      return this.finish('STREAM_ABORTED', `the stream was cut after ${stream.timing().outputTokens} tokens: ${end.message}`, false);
    }
    if (stream === null) {
      const code = httpCode(this.status);
      return this.finish(code, httpErrorText(this.status, end.errorBody ?? Buffer.alloc(0)), false);
    }
    stream.end(nowUs());
    const f = stream.failure;
    if (f !== undefined) return this.finish(f.code, f.message, false);
    if (!stream.finished) return this.finish('STREAM_ABORTED', `the stream ended after ${stream.timing().outputTokens} tokens without [DONE] or a finish_reason`, false);
    this.finish('OK', '', false);
  }

  private readonly onTotalTimeout = (): void => {
    this.s.pool.withdraw(this.job); // one that waited for a connection and was never sent is timed from the wait
    if (this.stream?.finished === true) return this.lingered();
    const got = this.stream === null ? '' : ` (${this.stream.timing().outputTokens} tokens received)`;
    this.finish('TIMEOUT', `no complete answer within ${this.s.timeoutMs} ms${got}`, true);
  };

  private readonly onGapTimeout = (): void => {
    if (this.stream?.finished === true) return this.lingered();
    const n = this.stream?.timing().outputTokens ?? 0;
    const where = this.events === 0 ? 'before the first chunk' : `after ${n} tokens`;
    this.finish('STREAM_TIMEOUT', `no chunk within token_timeout_ms (${this.s.tokenTimeoutMs} ms) ${where}`, true);
  };

  /**
   * lingered ends a stream that finished ([DONE] or a finish_reason) but whose HTTP answer never ended: every
   * token arrived, so it is OK, done when it finished; its connection cannot carry another request and is closed.
   */
  private lingered(): void {
    this.finish('OK', '', true, this.stream?.finishedAtUs);
  }

  /** finish resolves the outcome once, stops both timers and (when the answer is not over) closes its connection. */
  private finish(code: string, message: string, abort: boolean, doneUs = nowUs()): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.totalTimer);
    if (this.gapTimer !== null) clearTimeout(this.gapTimer);
    if (abort) this.s.pool.abort(this.job);
    const sentUs = this.job.sentUs === 0 ? this.queuedUs : this.job.sentUs;
    const outcome: Outcome = { code, sentUs, doneUs, bytes: this.bytes };
    if (this.firstByteUs !== undefined) outcome.firstByteUs = this.firstByteUs;
    if (this.stream !== null) outcome.tokens = this.stream.timing();
    this.resolve({ outcome, message });
  }
}
