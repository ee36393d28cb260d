/**
 * parseOpenAiRequest validates the body of `/v1/chat/completions` and `/v1/completions` into a CompletionRequest,
 * or throws an OpenAiError (400) naming the first bad field. Decoding is greedy only: `temperature` (0 to 2) is
 * accepted and ignored, as are sampling fields this server has no use for (top_p, seed, ...); `n` must be 1.
 */
import { invalidField, OpenAiError } from './openai-errors.js';

/** CompletionRequest is a validated OpenAI request. */
export interface CompletionRequest {
  kind: 'chat' | 'completion';
  model: string;
  /** The prompt as text (chat messages rendered by CHAT_TEMPLATE), or as token ids (`prompt: [1, 2, 3]`). */
  prompt: string | number[];
  /** Absent: up to the model's context. */
  maxTokens?: number;
  stream: boolean;
  includeUsage: boolean;
  ignoreEos: boolean;
}

/** MAX_CHAT_MESSAGES bounds the messages of one chat request. */
export const MAX_CHAT_MESSAGES = 1024;

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];

/** parseOpenAiRequest checks a parsed JSON body; `kind` is the route's. */
export function parseOpenAiRequest(doc: unknown, kind: 'chat' | 'completion'): CompletionRequest {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new OpenAiError(400, 'the request body must be a JSON object');
  const b = doc as Record<string, unknown>;
  const model = b['model'];
  if (typeof model !== 'string' || model === '') throw invalidField('model', 'is required (a model name from GET /v1/models)');
  const prompt = kind === 'chat' ? renderChat(b['messages']) : completionPrompt(b['prompt']);
  const stream = optionalBool(b, 'stream') ?? false;
  const options = b['stream_options'];
  let includeUsage = false;
  if (options !== undefined && options !== null) {
    if (!stream) throw invalidField('stream_options', "is only allowed when 'stream' is true");
    if (typeof options !== 'object' || Array.isArray(options)) throw invalidField('stream_options', 'must be an object');
    const usage = (options as Record<string, unknown>)['include_usage'];
    if (usage !== undefined && usage !== null && typeof usage !== 'boolean') throw invalidField('stream_options.include_usage', 'must be true or false');
    includeUsage = usage === true;
  }
  const maxTokens = optionalInt(b, 'max_tokens') ?? (kind === 'chat' ? optionalInt(b, 'max_completion_tokens') : undefined);
  const temperature = b['temperature'];
  if (temperature !== undefined && temperature !== null && (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))) {
    throw invalidField('temperature', 'must be a number from 0 to 2 (decoding is greedy whatever it is)');
  }
  const n = b['n'];
  if (n !== undefined && n !== null && n !== 1) throw invalidField('n', 'only 1 is supported');
  const req: CompletionRequest = { kind, model, prompt, stream, includeUsage, ignoreEos: optionalBool(b, 'ignore_eos') ?? false };
  if (maxTokens !== undefined) req.maxTokens = maxTokens;
  return req;
}

/** CHAT_TEMPLATE renders chat messages as the prompt text: each message on its own lines, then the assistant's turn. */
export const CHAT_TEMPLATE = { message: (role: string, content: string) => `<|${role}|>\n${content}\n`, generation: '<|assistant|>\n' };

function renderChat(messages: unknown): string {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidField('messages', 'must be a non-empty list of messages');
  if (messages.length > MAX_CHAT_MESSAGES) throw invalidField('messages', `has ${messages.length} messages; at most ${MAX_CHAT_MESSAGES}`);
  let text = '';
  messages.forEach((m: unknown, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalidField(`messages[${i}]`, 'must be an object with role and content');
    const role = (m as Record<string, unknown>)['role'];
    if (typeof role !== 'string' || !ROLES.includes(role)) throw invalidField(`messages[${i}].role`, `must be one of ${ROLES.join(', ')}`);
    text += CHAT_TEMPLATE.message(role, messageContent((m as Record<string, unknown>)['content'], i));
  });
  return text + CHAT_TEMPLATE.generation;
}

function messageContent(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw invalidField(`messages[${i}].content`, 'must be a string or a list of text parts');
  return content
    .map((part: unknown, j) => {
      const p = part as Record<string, unknown> | null;
      if (typeof p !== 'object' || p === null || p['type'] !== 'text' || typeof p['text'] !== 'string') {
        throw invalidField(`messages[${i}].content[${j}]`, "must be {type: 'text', text: string} (this model reads text only)");
      }
      return p['text'];
    })
    .join('');
}

function completionPrompt(prompt: unknown): string | number[] {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => Number.isInteger(t) && (t as number) >= 0)) return prompt as number[];
  if (Array.isArray(prompt) && prompt.length > 1 && prompt.every((t) => typeof t === 'string')) throw invalidField('prompt', 'one prompt per request: send a list of prompts as separate requests');
  throw invalidField('prompt', 'must be a string or a non-empty list of token ids');
}

function optionalBool(b: Record<string, unknown>, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidField(key, 'must be true or false');
  return v;
}

function optionalInt(b: Record<string, unknown>, key: string): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalidField(key, 'must be an integer >= 1');
  return v;
}
