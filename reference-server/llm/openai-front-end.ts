/**
 * OpenAiFrontEnd serves the LLMs of the reference server on OpenAI's routes, mounted by the HTTP front end under
 * `/v1/`: `GET /v1/models`, `POST /v1/chat/completions` and `POST /v1/completions`, streaming (Server-Sent Events)
 * and not. A request is validated whole before it is queued (4xx with OpenAI's error JSON, never a 5xx); an
 * overloaded model sheds it with 503 and Retry-After before any work. A stream's headers are sent with its first
 * token, so a request that waited too long in the queue still gets a plain 503; an error after that ends the
 * stream with an error event. A client that goes away cancels its sequence, which leaves the batch at the next step.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError, readBody } from '../http/read-body.js';
import { answerUnread } from '../core/unread-body.js';
import type { LlmEngine, LlmTokenizer } from './engine.js';
import { OpenAiError } from './openai-errors.js';
import { type CompletionRequest, parseOpenAiRequest } from './openai-request.js';
import { IncrementalDecoder, ResponseShape } from './openai-response.js';
import { isShed, type LlmScheduler, type SequenceSink } from './scheduler.js';

/** LlmModel is one served LLM: its engine, tokenizer and scheduler. */
export interface LlmModel {
  name: string;
  engine: LlmEngine;
  tokenizer: LlmTokenizer;
  scheduler: LlmScheduler;
  /** When it was loaded, seconds since the epoch (`created` in /v1/models). */
  created: number;
}

/** DEFAULT_MAX_OPENAI_BODY_BYTES is the default limit of an OpenAI request body (1 MiB). */
export const DEFAULT_MAX_OPENAI_BODY_BYTES = 1024 * 1024;
/** OPENAI_RETRY_AFTER_SECONDS is the Retry-After of a shed OpenAI request. */
export const OPENAI_RETRY_AFTER_SECONDS = 1;

const ROUTES: Readonly<Record<string, string>> = { '/v1/models': 'GET', '/v1/chat/completions': 'POST', '/v1/completions': 'POST' };

/** OpenAiFrontEnd answers the `/v1/` routes. */
export class OpenAiFrontEnd {
  constructor(
    private readonly models: () => ReadonlyMap<string, LlmModel>,
    private readonly maxBodyBytes = DEFAULT_MAX_OPENAI_BODY_BYTES,
  ) {}

  /** handles says whether a path is this front end's. */
  static handles(path: string): boolean {
    return path === '/v1' || path.startsWith('/v1/');
  }

  /** handle answers one request on a `/v1/` path; it never throws. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      await this.route(req, res, path);
    } catch (err) {
      const e = err instanceof OpenAiError ? err : new OpenAiError(500, `internal error: ${(err as Error).message}`);
      sendError(req, res, e);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const want = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    if (want === undefined) throw new OpenAiError(404, `no route for ${method} ${path} (served: GET /v1/models, POST /v1/chat/completions, POST /v1/completions)`);
    if (method !== want) {
      res.setHeader('allow', want);
      throw new OpenAiError(405, `${method} is not allowed on ${path}; use ${want}`);
    }
    if (path === '/v1/models') return sendJson(res, 200, this.list());
    const models = this.models();
    // Shed before reading the body when no model could take it (the model is named in the body).
    const sheds = [...models.values()].map((m) => m.scheduler.full());
    if (sheds.length > 0 && sheds.every((s) => s !== undefined)) throw overloaded(sheds[0]!.message);
    const body = await readBody(req, this.maxBodyBytes).catch((e: BodyError) => e);
    if (body instanceof BodyError) throw new OpenAiError(body.status, body.message);
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new OpenAiError(400, `the request body is not valid JSON: ${(err as Error).message}`);
    }
    const request = parseOpenAiRequest(doc, path === '/v1/chat/completions' ? 'chat' : 'completion');
    const model = models.get(request.model);
    if (!model) throw new OpenAiError(404, `the model '${request.model}' does not exist (served: ${[...models.keys()].join(', ') || 'none'})`, 'model', 'model_not_found');
    await generate(model, request, req, res);
  }

  private list(): object {
    const data = [...this.models().values()].map((m) => ({ id: m.name, object: 'model', created: m.created, owned_by: 'gauntlet', max_model_len: m.engine.info.maxContext }));
    return { object: 'list', data };
  }
}

/** promptTokens tokenizes the prompt and bounds max_tokens by the context and the KV budget (400 when they cannot fit). */
function promptTokens(model: LlmModel, request: CompletionRequest): { tokens: number[]; maxTokens: number } {
  const { maxContext, vocabSize } = model.engine.info;
  const tokens = typeof request.prompt === 'string' ? encode(model.tokenizer, request.prompt) : request.prompt;
  const bad = tokens.findIndex((t) => t >= vocabSize);
  if (bad >= 0) throw new OpenAiError(400, `prompt[${bad}]: token id ${tokens[bad]} is outside the vocabulary (0 to ${vocabSize - 1})`, 'prompt', 'invalid_value');
  if (tokens.length === 0) throw new OpenAiError(400, 'the prompt has no tokens', 'prompt', 'invalid_value');
  if (tokens.length >= maxContext) throw new OpenAiError(400, `This model's maximum context length is ${maxContext} tokens, but the prompt has ${tokens.length} tokens`, 'prompt', 'context_length_exceeded');
  const room = maxContext - tokens.length;
  if (request.maxTokens !== undefined && request.maxTokens > room) {
    throw new OpenAiError(400, `This model's maximum context length is ${maxContext} tokens. However, you requested ${tokens.length + request.maxTokens} tokens (${tokens.length} in the prompt, ${request.maxTokens} for the completion)`, 'max_tokens', 'context_length_exceeded');
  }
  // Without max_tokens a sequence may run to the context, but no further than the whole KV budget lets it.
  const fits = Math.max(1, model.scheduler.limits.kvCacheTokens - tokens.length);
  return { tokens, maxTokens: request.maxTokens ?? Math.min(room, fits) };
}

/** encode tokenizes a prompt; text the tokenizer cannot take (a lone surrogate, say) is the request's fault: 400. */
function encode(tokenizer: LlmTokenizer, text: string): number[] {
  try {
    return tokenizer.encode(text);
  } catch (err) {
    throw new OpenAiError(400, `the prompt could not be tokenized: ${(err as Error).message}`, 'prompt', 'invalid_value');
  }
}

/** generate queues the sequence and answers as it runs (a stream, or one body at its end). */
function generate(model: LlmModel, request: CompletionRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { tokens, maxTokens } = promptTokens(model, request);
  const shape = new ResponseShape(request);
  const decoder = new IncrementalDecoder(model.tokenizer);
  return new Promise<void>((resolve) => {
    let text = '';
    const started = (): void => {
      if (res.headersSent) return;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const role = shape.role();
      if (role) sse(res, role);
    };
    const sink: SequenceSink = {
      onToken(token) {
        const piece = decoder.push(token);
        if (!request.stream) {
          text += piece;
          return;
        }
        started();
        if (piece) sse(res, shape.content(piece));
      },
      onEnd(end) {
        const rest = decoder.flush();
        if (!request.stream) {
          sendJson(res, 200, shape.whole(text + rest, end));
          return resolve();
        }
        started();
        sse(res, shape.finish(rest, end.finishReason));
        if (request.includeUsage) sse(res, shape.usage(end));
        res.end('data: [DONE]\n\n');
        resolve();
      },
      onError(status, message) {
        const err = status === 503 ? overloaded(message) : new OpenAiError(status, message);
        if (res.headersSent) {
          sse(res, err.body());
          res.end('data: [DONE]\n\n');
        } else sendError(req, res, err);
        resolve();
      },
    };
    const handle = model.scheduler.submit({ promptTokens: tokens, maxTokens, ignoreEos: request.ignoreEos }, sink);
    if (isShed(handle)) {
      sendError(req, res, handle.status === 503 ? overloaded(handle.message) : new OpenAiError(handle.status, handle.message));
      return resolve();
    }
    res.on('close', () => {
      if (res.writableFinished) return;
      handle.cancel();
      resolve();
    });
  });
}

function overloaded(message: string): OpenAiError {
  return new OpenAiError(503, message, null, 'overloaded');
}

function sse(res: ServerResponse, data: object): void {
  if (!res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  if (res.destroyed) return;
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': json.length });
  res.end(json);
}

function sendError(req: IncomingMessage, res: ServerResponse, err: OpenAiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.status === 503 || err.status === 429) headers['retry-after'] = String(OPENAI_RETRY_AFTER_SECONDS);
  answerUnread(req, res, err.status, headers, Buffer.from(JSON.stringify(err.body()), 'utf8'));
}
