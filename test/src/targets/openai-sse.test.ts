/**
 * TokenStream on bytes fed by hand: the same answer whatever the read boundaries (a byte at a time, a UTF-8
 * character split in two, CRLF lines), comments and keep-alive lines ignored, and the malformed streams that
 * must be BAD_RESPONSE rather than a crash or a silent pass. Also the request bytes of OpenAiBodyBuilder.
 */
import { describe, expect, it } from 'vitest';
import { parseHttpUrl } from '../../../src/targets/http1-request.js';
import { httpErrorText, OpenAiBodyBuilder } from '../../../src/targets/openai-body.js';
import { MAX_EVENT_CHARS, TokenStream } from '../../../src/targets/openai-sse.js';

const counter = { countedBy: 'chars', countTokens: (t: string) => [...t].length };

const chunk = (content: string | null, finish: string | null = null): string =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: content === null ? { role: 'assistant' } : { content }, finish_reason: finish }] })}\n\n`;

const STREAM = [chunk(null), chunk('h'), chunk(''), ': keep-alive comment\n\n', chunk('é😀'), chunk('!', 'stop'), `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } })}\n\n`, 'data: [DONE]\n\n'].join('');

function read(bytes: Buffer, step: number, maxGaps = 100): TokenStream {
  const s = new TokenStream(counter, 5, maxGaps, 'text/event-stream');
  let t = 1000;
  for (let i = 0; i < bytes.length; i += step) s.feed(bytes.subarray(i, i + step), (t += 10));
  s.end(t + 10);
  return s;
}

describe('TokenStream', () => {
  it.each([1, 2, 7, 1 << 20])('reads the same answer when bytes arrive %i at a time', (step) => {
    const s = read(Buffer.from(STREAM, 'utf8'), step);
    expect(s.failure).toBeUndefined();
    expect(s.finished).toBe(true);
    const t = s.timing();
    expect(t).toMatchObject({ outputTokens: 4, inputTokens: 3, countedBy: 'usage', usage: { promptTokens: 3, completionTokens: 4 }, finishReason: 'stop' });
    expect(t.gapsUs).toHaveLength(2); // three content chunks: 'h', 'é😀', '!' (the empty one is no arrival)
    expect(s.done).toBe(true);
  });

  it('reads CRLF line endings and counts with the tokenizer when there is no usage', () => {
    const s = read(Buffer.from([chunk('ab'), chunk('c', 'length'), 'data: [DONE]\n\n'].join('').replace(/\n/g, '\r\n')), 3);
    expect(s.failure).toBeUndefined();
    expect(s.timing()).toMatchObject({ outputTokens: 3, inputTokens: 5, countedBy: 'chars', finishReason: 'length' });
  });

  it("counts a reasoning model's reasoning_content as generated tokens, before its content", () => {
    const reasoning = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { reasoning_content: 'think' }, finish_reason: null }] })}\n\n`;
    const s = read(Buffer.from(reasoning + chunk('ok', 'stop')), 1 << 20);
    expect(s.timing()).toMatchObject({ outputTokens: 7, finishReason: 'stop', gapsUs: [0] });
  });

  it('keeps at most max_tokens gaps, whatever the server sends', () => {
    const s = read(Buffer.from(Array.from({ length: 50 }, () => chunk('x')).join('') + 'data: [DONE]\n\n'), 1 << 20, 8);
    expect(s.timing().gapsUs).toHaveLength(8);
    expect(s.timing().outputTokens).toBe(50);
  });

  it.each([
    ['a data line that is not JSON', 'data: {"choices": [\n\n', /malformed SSE data line/],
    ['a data line that is JSON but not an object', 'data: 42\n\n', /not a JSON object/],
    ['a line that is not an SSE field', chunk('a') + '<html><body>oops</body></html>\n\n', /not an SSE field/],
    ['an event over the size limit', `data: ${'x'.repeat(MAX_EVENT_CHARS + 10)}`, /over \d+ characters/],
  ])('%s is BAD_RESPONSE', (_name, text, message) => {
    const s = read(Buffer.from(text), 4096);
    expect(s.failure).toEqual({ code: 'BAD_RESPONSE', message: expect.stringMatching(message) });
  });

  it('a tokenizer that throws is BAD_RESPONSE, not an exception out of a socket handler', () => {
    const s = new TokenStream({ countedBy: 'strict', countTokens: () => { throw new Error('disallowed special token <|endoftext|>'); } }, 1, 10, 'text/event-stream');
    expect(() => s.feed(Buffer.from(chunk('<|endoftext|>')), 1)).not.toThrow();
    expect(s.failure).toEqual({ code: 'BAD_RESPONSE', message: 'the answer could not be read: disallowed special token <|endoftext|>' });
  });

  it.each([
    ['a last event without its blank line is read', `${chunk('a')}data: [DONE]\n`, true],
    ['a body that ends mid-line is left unfinished', `${chunk('a')}data: {"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}`, false],
  ])('at the end of the body, %s', (_name, text, finished) => {
    const s = read(Buffer.from(text), 5);
    expect([s.failure, s.finished, s.timing().outputTokens]).toEqual([undefined, finished, 1]);
  });

  it('a cut stream flushes nothing: a half line is not read as an event', () => {
    const s = new TokenStream(counter, 1, 10, 'text/event-stream');
    s.feed(Buffer.from(chunk('a') + 'data: {"choices":[{"delta":{"content":"b"}'), 1);
    expect(s.failure).toBeUndefined();
    expect(s.finished).toBe(false);
    expect(s.timing().outputTokens).toBe(1);
  });

  it('sniffs an answer without a Content-Type: SSE, JSON, or neither', () => {
    const sse = new TokenStream(counter, 1, 10, undefined);
    sse.feed(Buffer.from(`\n${chunk('a', 'stop')}`), 1);
    sse.end(2);
    expect([sse.failure, sse.finished]).toEqual([undefined, true]);
    const json = new TokenStream(counter, 1, 10, undefined);
    json.feed(Buffer.from('{"choices":[{"text":"abc","finish_reason":"stop"}]}'), 1);
    json.end(5);
    expect(json.timing()).toMatchObject({ outputTokens: 3, firstTokenUs: 5, lastTokenUs: 5, gapsUs: [] });
    const html = new TokenStream(counter, 1, 10, undefined);
    html.feed(Buffer.from('<!doctype html><title>Gateway Timeout</title>'), 1);
    expect(html.failure).toEqual({ code: 'BAD_RESPONSE', message: 'the answer is an HTML page: <title>Gateway Timeout</title>' });
  });
});

describe('OpenAiBodyBuilder and error bodies', () => {
  it('serialises a completions request under the URL base path', () => {
    const b = new OpenAiBodyBuilder(parseHttpUrl('http://h:9/api'), 'm', { endpoint: 'completions', stream: false, includeUsage: true, tokenTimeoutMs: 1 }, {});
    const text = b.request({ messages: [], prompt: 'hi', maxTokens: 3, ignoreEos: false, inputTokens: 1 }).toString();
    expect(text).toMatch(/^POST \/api\/v1\/completions HTTP\/1\.1\r\n/);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ model: 'm', prompt: 'hi', max_tokens: 3, stream: false });
  });

  it.each([
    ['{"error":{"message":"bad key","type":"auth"}}', 'bad key'],
    ['{"error":"plain"}', 'plain'],
    ['{"object":"error","message":"vllm style"}', 'vllm style'],
    ['', 'HTTP status 500'],
    ['<html><head><title>Oops</title></head></html>', 'HTTP status 500 with an HTML page: <title>Oops</title>'],
  ])('an error body %j says %j', (body, message) => {
    expect(httpErrorText(500, Buffer.from(body))).toBe(message);
  });
});
