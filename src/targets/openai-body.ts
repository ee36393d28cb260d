/**
 * The bytes of an openai target's requests and the reading of its whole-JSON answers: a prompt becomes one
 * pre-serialised `POST /v1/chat/completions` or `/v1/completions` request, and a JSON body (a non-streamed
 * completion, or an error) becomes its text, finish reason, usage or error message.
 */
import { GauntletError } from '../errors.js';
import { type HttpEndpoint, serializeRequest } from './http1-request.js';
import type { LlmPrompt, OpenAiOptions } from './llm-spec.js';

/** Fields of the body that the client sets itself; a target's extra `body` cannot override them. */
const OWN_FIELDS = new Set(['model', 'messages', 'prompt', 'stream', 'stream_options', 'max_tokens']);

/** OpenAiBodyBuilder makes one serialised request per prompt for one target. */
export class OpenAiBodyBuilder {
  private readonly path: string;
  private readonly extra: Record<string, unknown>;

  constructor(
    private readonly endpoint: HttpEndpoint,
    private readonly model: string,
    private readonly opts: OpenAiOptions,
    private readonly headers: Record<string, string>,
  ) {
    this.path = `${endpoint.basePath}/v1/${opts.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
    this.extra = Object.fromEntries(Object.entries(opts.body ?? {}).filter(([k]) => !OWN_FIELDS.has(k)));
  }

  /** request serialises the request of one prompt (maxTokens overrides the prompt's, for check()). */
  request(prompt: LlmPrompt, maxTokens = prompt.maxTokens): Buffer {
    const o = this.opts;
    const doc: Record<string, unknown> = { ...this.extra, model: this.model };
    if (o.endpoint === 'chat') doc['messages'] = prompt.messages;
    else doc['prompt'] = prompt.prompt;
    doc['max_tokens'] = maxTokens;
    doc['stream'] = o.stream;
    if (o.stream && o.includeUsage) doc['stream_options'] = { include_usage: true };
    if (prompt.ignoreEos) doc['ignore_eos'] = true;
    const body = Buffer.from(JSON.stringify(doc), 'utf8');
    const accept = o.stream ? 'text/event-stream' : 'application/json';
    return serializeRequest('POST', this.path, this.endpoint, { 'content-type': 'application/json', accept, ...this.headers }, body);
  }
}

/** Usage is a response's `usage`, in TokenTiming's names. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** readUsage reads `{prompt_tokens, completion_tokens}` (undefined unless both are counts). */
export function readUsage(u: unknown): Usage | undefined {
  if (typeof u !== 'object' || u === null) return undefined;
  const { prompt_tokens: p, completion_tokens: c } = u as { prompt_tokens?: unknown; completion_tokens?: unknown };
  if (!isCount(p) || !isCount(c)) return undefined;
  return { promptTokens: p, completionTokens: c };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** ChoiceText is what one chunk or response carries: its text (chat: content; completions: text) and finish reason. */
export interface ChoiceText {
  text: string;
  finishReason?: string;
}

/** readChoice reads choices[0]: chat `delta.content` (stream) or `message.content` (with reasoning models' `reasoning_content` before it), completions `text`. */
export function readChoice(doc: Record<string, unknown>): ChoiceText | undefined {
  const choices = doc['choices'];
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  const c = choices[0] as { delta?: ChatDelta; message?: ChatDelta; text?: unknown; finish_reason?: unknown } | null;
  if (typeof c !== 'object' || c === null) return undefined;
  const out: ChoiceText = { text: typeof c.text === 'string' ? c.text : textOf(c.delta) + textOf(c.message) };
  if (typeof c.finish_reason === 'string' && c.finish_reason !== '') out.finishReason = c.finish_reason;
  return out;
}

/** ChatDelta is a chat chunk's delta or a chat answer's message. */
interface ChatDelta {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
}

/** textOf is a chat delta's generated text: its reasoning (reasoning models' `reasoning_content`) and its content. */
function textOf(d: ChatDelta | undefined): string {
  if (typeof d !== 'object' || d === null) return '';
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return str(d.reasoning_content) + str(d.reasoning) + str(d.content);
}

/** errorMessage reads an OpenAI-style error (`{"error": {"message": …}}`, `{"error": "…"}`, `{"message": …}`); undefined if there is none. */
export function errorMessage(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const e = (doc as { error?: unknown }).error;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null) {
    const m = (e as { message?: unknown }).message;
    return typeof m === 'string' ? m : JSON.stringify(e).slice(0, 300);
  }
  return undefined;
}

/** httpErrorText is the message of a non-2xx answer: the JSON error's message, else the body's first line(s). */
export function httpErrorText(status: number, body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const doc: unknown = JSON.parse(text);
    const m = errorMessage(doc) ?? (doc as { message?: unknown } | null)?.message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: describe the text below
  }
  if (text === '') return `HTTP status ${status}`;
  return looksLikeHtml(text) ? `HTTP status ${status} with an HTML page: ${describeText(text)}` : text.slice(0, 300);
}

/** looksLikeHtml says whether a body is an HTML page (a proxy's or load balancer's error page). */
export function looksLikeHtml(text: string): boolean {
  return /^\s*<(!doctype|html|head|body|\?xml|title|h1)/i.test(text);
}

/** describeText is a short, one-line view of a body that is not what was expected (its <title> for HTML). */
export function describeText(text: string): string {
  const title = /<title[^>]*>([^<]{0,200})<\/title>/i.exec(text)?.[1]?.trim();
  if (title !== undefined && title !== '') return `<title>${title}</title>`;
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}

/** modelOfTarget is the model an openai target asks for; none is a configuration error. */
export function modelOfTarget(name: string, model: string | undefined): string {
  if (model === undefined || model === '') throw new GauntletError('GAUNTLET_ERR_INVALID_CONFIG', `target ${name}: protocol openai needs a model`);
  return model;
}
