/**
 * The openai protocol: an OpenAI-compatible server (vLLM, TGI, SGLang, hosted APIs), POST /v1/chat/completions or
 * /v1/completions, streamed as Server-Sent Events or not. Its requests are prompts (request-kinds.ts); the fields
 * the client derives from the target and the request (model, messages or prompt, stream, stream_options,
 * max_tokens, ignore_eos) cannot be set again through `body`.
 */
import type { Fields } from '../scenario/fields.js';
import { show } from '../scenario/fields.js';
import { num, str } from '../scenario/schema-parts.js';
import { COUNT_LIMITS, MAX_LATENCY_MS, TEXT_LIMITS } from '../scenario/limits.js';
import { PROMPT_REQUESTS } from '../scenario/request-kinds.js';
import { checkHttpUrl } from '../scenario/target-fields.js';
import type { OpenAiOptions } from './llm-spec.js';
import { createPromptSource } from '../llm/prompt-source.js';
import { GauntletError } from '../errors.js';
import { createOpenAiClient } from './openai-client.js';
import type { ClientFactory } from './registry.js';
import { defineProtocol, targetHeaders, urlAddress, urlProxied, type TargetReadContext } from './protocol-entry.js';

/** ENDPOINTS are the OpenAI endpoints an openai target can send to, by the name `endpoint` gives them. */
export const ENDPOINTS = { chat: '/v1/chat/completions', completions: '/v1/completions' } as const;
/** OPENAI_DEFAULTS are the values of an openai target's fields it leaves out (timeout_ms: the whole response or stream). */
export const OPENAI_DEFAULTS = { endpoint: 'chat', stream: true, includeUsage: true, tokenTimeoutMs: 10_000, timeoutMs: 60_000 } as const;
/** TOKEN_TIMEOUT_RANGE bounds token_timeout_ms (the most time between two chunks of a stream, and before the first). */
export const TOKEN_TIMEOUT_RANGE = { min: 1, max: MAX_LATENCY_MS } as const;
/** BODY_BYTES bounds `body` written as JSON. */
export const BODY_BYTES = 64 * 1024;

/** BODY_SET_ELSEWHERE are the body fields gauntlet sets itself, and where each comes from. */
const BODY_SET_ELSEWHERE: Record<string, string> = {
  model: "the target's model",
  messages: "the scenario's request (prompts; endpoint chat)",
  prompt: "the scenario's request (prompts; endpoint completions)",
  stream: "the target's stream",
  stream_options: "the target's include_usage",
  max_tokens: "the scenario's request (output token lengths)",
  max_completion_tokens: "the scenario's request (output token lengths, sent as max_tokens)",
  ignore_eos: "the scenario's request (ignore_eos)",
};

/** checkOpenAiUrl says what is wrong with an openai target's url: an http(s) base URL, without /v1 (gauntlet adds the endpoint's path). */
function checkOpenAiUrl(url: string): string | undefined {
  const wrong = checkHttpUrl(url, true);
  if (wrong) return wrong;
  const u = new URL(url);
  if (u.search !== '' || u.hash !== '') return `must have no query or fragment, got ${JSON.stringify(url)}`;
  if (/\/v1\/?$/.test(u.pathname) || /\/v1\/(chat\/)?completions\/?$/.test(u.pathname)) {
    return `must be the server's base URL without /v1 (gauntlet adds ${ENDPOINTS.chat} or ${ENDPOINTS.completions}), got ${JSON.stringify(url)}`;
  }
  return undefined;
}

/** readBody reads `body`: extra fields merged into every request body, a mapping without the fields gauntlet sets. */
function readBody(f: Fields): Record<string, unknown> | undefined {
  const b = f.mapping('body', false, COUNT_LIMITS.parameters);
  if (b === undefined) return undefined;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(b.obj)) {
    const from = BODY_SET_ELSEWHERE[key];
    if (from !== undefined) b.problem(key, `is set by gauntlet from ${from} and cannot be given in body`);
    else if (key.length > TEXT_LIMITS.name) b.problem(key, `body field names may have at most ${TEXT_LIMITS.name} characters`);
    else if (value === undefined) b.problem(key, 'must have a value');
    else body[key] = value;
  }
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(body));
  } catch {
    return void f.problem('body', 'cannot be written as JSON (a YAML alias that refers to itself?)');
  }
  if (bytes > BODY_BYTES) return void f.problem('body', `is ${bytes} bytes as JSON; at most ${BODY_BYTES} (see "Limits" in docs/scenarios.md)`);
  return body;
}

/** readOpenAi reads an openai target's own fields into TargetSpec.model, .headers and .openai. */
function readOpenAi(f: Fields, ctx: TargetReadContext): { model?: string; headers?: Record<string, string>; openai: OpenAiOptions } {
  const model = f.string('model', true, TEXT_LIMITS.name);
  const endpoint = f.oneOf('endpoint', Object.keys(ENDPOINTS) as (keyof typeof ENDPOINTS)[]) ?? OPENAI_DEFAULTS.endpoint;
  const stream = f.boolean('stream') ?? OPENAI_DEFAULTS.stream;
  const usage = f.boolean('include_usage');
  if (usage === true && !stream) f.problem('include_usage', 'needs stream: true (a response that is not streamed always carries its usage)');
  const body = readBody(f);
  const whole = ctx.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs;
  const gap = f.integer('token_timeout_ms', TOKEN_TIMEOUT_RANGE);
  if (gap !== undefined && gap > whole) f.problem('token_timeout_ms', `must be <= timeout_ms (${whole}, the whole stream), got ${gap}`);
  const openai: OpenAiOptions = {
    endpoint,
    stream,
    includeUsage: stream && (usage ?? OPENAI_DEFAULTS.includeUsage),
    ...(body !== undefined && Object.keys(body).length > 0 && { body }),
    tokenTimeoutMs: gap ?? Math.min(OPENAI_DEFAULTS.tokenTimeoutMs, whole),
  };
  return { ...(model !== undefined && { model }), ...targetHeaders(ctx), openai };
}

/** openAiClient builds the client over the request's prompts: each load worker takes its share of one seeded order. */
const openAiClient: ClientFactory = (target, request, opts) => {
  if (request.llm === undefined) throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', 'an openai target sends prompts: the scenario\'s request needs prompts (docs/llm.md)');
  const w = opts.worker ?? { index: 0, count: 1, runSeed: opts.seed };
  return createOpenAiClient(target, createPromptSource(request.llm, w.runSeed, { index: w.index, count: w.count }), opts);
};

/** OPENAI is the openai protocol's entry. */
export const OPENAI = defineProtocol({
  summary: 'an OpenAI-compatible LLM server: chat or text completions, streamed or not',
  keys: ['model', 'endpoint', 'stream', 'include_usage', 'body', 'api_key_env', 'token_timeout_ms'],
  required: ['model'],
  refuse: { bearer_token_env: 'is api_key_env for openai targets (the variable holding the API key, sent as Authorization: Bearer)' },
  defaultTimeoutMs: OPENAI_DEFAULTS.timeoutMs,
  url: { description: 'openai: the server\'s http(s)://host:port base, without /v1', check: checkOpenAiUrl },
  headers: 'http',
  tokenEnvKey: 'api_key_env',
  read: readOpenAi,
  schema: () => ({
    model: str('openai: the model name sent in every request (the server\'s served model name).', TEXT_LIMITS.name),
    endpoint: { enum: Object.keys(ENDPOINTS), default: OPENAI_DEFAULTS.endpoint, description: `openai: chat (POST ${ENDPOINTS.chat}, messages) or completions (POST ${ENDPOINTS.completions}, prompt).` },
    stream: { type: 'boolean', default: OPENAI_DEFAULTS.stream, description: 'openai: ask for a Server-Sent Events stream (TTFT, inter-token latency); false: TTFT is the whole response\'s time.' },
    include_usage: { type: 'boolean', default: OPENAI_DEFAULTS.includeUsage, description: 'openai: ask for a final usage chunk (stream_options.include_usage); needs stream.' },
    body: {
      type: 'object',
      maxProperties: COUNT_LIMITS.parameters,
      propertyNames: { maxLength: TEXT_LIMITS.name, not: { enum: Object.keys(BODY_SET_ELSEWHERE) } },
      description: 'openai: extra fields merged into every request body (temperature, top_p, …); not the fields gauntlet sets.',
    },
    api_key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: TEXT_LIMITS.name, description: 'openai: an environment variable holding the API key, sent as Authorization: Bearer <key>; never written to results.' },
    token_timeout_ms: { ...num(TOKEN_TIMEOUT_RANGE, 'openai: the most time between two chunks of a stream (and before the first); past it the request is STREAM_TIMEOUT. At most timeout_ms.', 'integer'), default: OPENAI_DEFAULTS.tokenTimeoutMs },
  }),
  describe: (t) => {
    const o = t.openai;
    if (o === undefined) return { wire: '', details: [] };
    const how = o.stream ? `streamed${o.includeUsage ? ' with usage' : ''}, token timeout ${o.tokenTimeoutMs} ms` : 'not streamed';
    return { wire: '', details: [`model ${t.model ?? '(none)'}`, `POST ${ENDPOINTS[o.endpoint]} ${how}`, ...(o.body !== undefined ? [`body fields ${Object.keys(o.body).join(', ')}`] : [])] };
  },
  address: urlAddress,
  proxied: urlProxied,
  request: PROMPT_REQUESTS,
  client: openAiClient,
});
