/**
 * The openai client: sends the prompts of a PromptSource to an OpenAI-compatible server (`/v1/chat/completions`
 * or `/v1/completions`, streamed or not) over keep-alive HTTP/1.1 connections, and reports each request's fate
 * as an Outcome with its tokens (TokenTiming: first token, gaps, counts). Failures are data (openai-exchange.ts);
 * only check() throws. The API key (the target's bearer_token_env) goes in `Authorization` and nowhere else.
 */
import { GauntletError } from '../errors.js';
import type { Outcome } from './client.js';
import { checkFailed, ErrorSamples, type ErrorSample } from './failures.js';
import { Http1Pool } from './http1-pool.js';
import { parseHttpUrl } from './http1-request.js';
import type { LlmPrompt, OpenAiOptions, PromptSource } from './llm-spec.js';
import { modelOfTarget, OpenAiBodyBuilder } from './openai-body.js';
import { type ExchangeResult, type ExchangeSettings, OpenAiExchange } from './openai-exchange.js';
import type { TargetClient } from './registry.js';
import { requestHeaders } from './target-headers.js';
import { connectionLimit, type TargetSpec } from './target-spec.js';
import { tlsOptions } from './tls-options.js';

/** OpenAiTarget is a TargetSpec with its openai fields (TargetSpec.openai, parsed by the protocol's registry entry). */
export type OpenAiTarget = TargetSpec & { openai?: OpenAiOptions };

/** CHECK_TEXT is the prompt of check()'s one small request (max_tokens 1). */
const CHECK_TEXT = 'Say hello.';

/** OpenAiClient sends prompts to one openai target. */
export class OpenAiClient implements TargetClient {
  private readonly samples = new ErrorSamples();
  private readonly pool: Http1Pool;
  private readonly builder: OpenAiBodyBuilder;
  private readonly settings: ExchangeSettings;
  private readonly label: string;

  constructor(
    target: OpenAiTarget,
    private readonly prompts: PromptSource,
  ) {
    const options = target.openai;
    if (options === undefined) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${target.name}: protocol openai needs its openai fields (endpoint, stream, …)`);
    const model = modelOfTarget(target.name, target.model);
    const endpoint = parseHttpUrl(target.url, `target ${target.name}: url`);
    this.builder = new OpenAiBodyBuilder(endpoint, model, options, requestHeaders(target));
    // No error samples in the pool: each exchange says what went wrong (send() samples it here).
    this.pool = new Http1Pool({
      host: endpoint.host,
      port: endpoint.port,
      maxConnections: connectionLimit(target),
      timeoutMs: target.timeoutMs,
      ...(endpoint.secure && { tls: tlsOptions(target, endpoint.host, 'http/1.1') ?? {} }),
    });
    this.settings = { pool: this.pool, counter: prompts, timeoutMs: target.timeoutMs, tokenTimeoutMs: options.stream ? options.tokenTimeoutMs : 0 };
    this.label = `openai target ${target.name} (${target.url}, ${options.endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions'}), model ${model}`;
  }

  /** send sends the next prompt and resolves with its outcome (tokens included); it never rejects. */
  send(): Promise<Outcome> {
    return this.exchange(this.prompts.next()).then((r) => {
      if (r.outcome.code !== 'OK') this.samples.add(r.outcome.code, r.message);
      return r.outcome;
    });
  }

  /** check sends one small request (max_tokens 1) and throws a readable error unless the target answers it well. */
  async check(): Promise<void> {
    const prompt: LlmPrompt = {
      messages: [{ role: 'user', content: CHECK_TEXT }],
      prompt: CHECK_TEXT,
      maxTokens: 1,
      ignoreEos: false,
      inputTokens: this.prompts.countTokens(CHECK_TEXT),
    };
    const r = await this.exchange(prompt);
    if (r.outcome.code !== 'OK') throw checkFailed(this.label, r.outcome.code, r.message);
  }

  /** close closes every connection; outstanding sends resolve CANCELLED. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** errorSamples lists the first distinct failures. */
  errorSamples(): ErrorSample[] {
    return this.samples.list();
  }

  /** openConnections is the number of connections open now (for tests). */
  get openConnections(): number {
    return this.pool.openConnections;
  }

  private exchange(prompt: LlmPrompt): Promise<ExchangeResult> {
    return new OpenAiExchange(this.builder.request(prompt), this.settings, prompt.inputTokens, prompt.maxTokens).result;
  }
}

/** createOpenAiClient builds the client of an openai target; it throws GAUNTLET_ERR_INVALID_CONFIG for a target it cannot send to. */
export function createOpenAiClient(target: TargetSpec, prompts: PromptSource, opts: { seed: number }): TargetClient {
  void opts.seed; // the prompt source is already seeded; the seed is part of the factory's shape
  return new OpenAiClient(target, prompts);
}
