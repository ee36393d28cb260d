/**
 * The OpenAI front end of the reference server, over real sockets, on the deterministic test engine
 * (scheduler-test-engine.ts: next token = last + 1, EOS = 0; the lead reruns these on the real engine after the
 * merge): the official `openai` client gets well-formed chat and text completions, streaming and not; malformed
 * requests get 4xx with OpenAI's error JSON; a full queue sheds with 503 and Retry-After while work runs; a client
 * that disconnects frees its sequence; the vllm:* metrics are on the metrics endpoint.
 */
import http from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, json, metricValue, startTestServer, waitUntil, type TestServer } from '../../helpers/reference-client.js';
import { type TestEngine, testFactory } from './scheduler-test-engine.js';

const llm = (name: string, settings: Record<string, unknown>): Record<string, unknown> => ({ name, backend: 'llm', llm: settings });

let server: TestServer;
let client: OpenAI;
const engines: TestEngine[] = [];

beforeAll(async () => {
  server = await startTestServer(
    { 'test-llm': llm('test-llm', { max_num_seqs: 4 }), 'slow-llm': llm('slow-llm', { batching: 'none', max_queue: 1 }) },
    { llmFactory: testFactory({ fixedMs: 2, perSeqMs: 1 }, engines) },
  );
  client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${server.httpPort}/v1`, maxRetries: 0, timeout: 10_000 });
});
afterAll(() => server?.close(1000));

describe('the OpenAI endpoint (official openai client, test engine)', () => {
  it('lists the LLMs in OpenAI list format', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id).sort()).toEqual(['slow-llm', 'test-llm']);
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'gauntlet' });
  });

  it('answers a chat completion as one body with usage', async () => {
    // The chat template's words are not `t<n>`, so the prompt ends in token 1 and the answer is t2 t3 t4.
    const r = await client.chat.completions.create({ model: 'test-llm', messages: [{ role: 'user', content: 'hello' }], max_tokens: 3, temperature: 0 });
    expect(r.object).toBe('chat.completion');
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant', content: ' t2 t3 t4' }, finish_reason: 'length' });
    expect(r.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it('streams a chat completion: role chunk, content chunks, finish chunk, usage chunk, [DONE]', async () => {
    const stream = await client.chat.completions.create({ model: 'test-llm', messages: [{ role: 'user', content: 't60' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    // `<|user|>` t60 then the template's newline words: the prompt ends in 1, so it runs 2..63 and stops at EOS.
    expect(text.trim().split(' ')).toHaveLength(62);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish).toHaveLength(1);
    expect(finish[0]!.choices[0]!.finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 63 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('answers text completions, streaming and not, with stop at EOS and ignore_eos honoured', async () => {
    const r = await client.completions.create({ model: 'test-llm', prompt: 't60', max_tokens: 10 });
    expect(r.choices[0]).toMatchObject({ text: ' t61 t62 t63', finish_reason: 'stop' });
    expect(r.usage).toEqual({ prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 });
    const ignored = await client.completions.create({ model: 'test-llm', prompt: [62], max_tokens: 4, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(ignored.choices[0]).toMatchObject({ text: ' t63 t0 t1 t2', finish_reason: 'length' });
    const stream = await client.completions.create({ model: 'test-llm', prompt: 't10', max_tokens: 3, stream: true });
    let text = '';
    const reasons: (string | null)[] = [];
    for await (const c of stream) {
      text += c.choices[0]?.text ?? '';
      reasons.push(c.choices[0]?.finish_reason ?? null);
    }
    expect(text).toBe(' t11 t12 t13');
    expect(reasons.filter(Boolean)).toEqual(['length']);
  });

  it('refuses an unknown model with 404 through the client', async () => {
    await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it.each([
    ['not JSON', '/v1/chat/completions', '{nope', 400],
    ['an array body', '/v1/completions', [], 400],
    ['no model', '/v1/completions', { prompt: 'x' }, 400],
    ['no messages', '/v1/chat/completions', { model: 'test-llm' }, 400],
    ['a bad role', '/v1/chat/completions', { model: 'test-llm', messages: [{ role: 'wizard', content: 'x' }] }, 400],
    ['max_tokens 0', '/v1/completions', { model: 'test-llm', prompt: 'x', max_tokens: 0 }, 400],
    ['max_tokens past the context', '/v1/completions', { model: 'test-llm', prompt: 'x', max_tokens: 1000 }, 400],
    ['a prompt past the context', '/v1/completions', { model: 'test-llm', prompt: 'x '.repeat(200) }, 400],
    ['a token outside the vocabulary', '/v1/completions', { model: 'test-llm', prompt: [1, 99999] }, 400],
    ['a string temperature', '/v1/completions', { model: 'test-llm', prompt: 'x', temperature: 'hot' }, 400],
    ['a prompt the tokenizer refuses', '/v1/completions', { model: 'test-llm', prompt: 'a\u0000b' }, 400],
    ['n = 2', '/v1/completions', { model: 'test-llm', prompt: 'x', n: 2 }, 400],
    ['stream_options without stream', '/v1/completions', { model: 'test-llm', prompt: 'x', stream_options: { include_usage: true } }, 400],
    ['an unknown model', '/v1/completions', { model: 'nope', prompt: 'x' }, 404],
    ['an unknown route', '/v1/embeddings', { model: 'test-llm', input: 'x' }, 404],
  ])('answers %s on %s (%j) with %i and OpenAI error JSON', async (_what, path, body, status) => {
    const reply = await httpRequest(server.httpPort, { method: 'POST', path, body: typeof body === 'string' ? Buffer.from(body) : body, headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(status);
    expect(json(reply)).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  });

  it('keeps the LLM off the KServe routes, with a 404 that says where it is served, and the server ready', async () => {
    const reply = await httpRequest(server.httpPort, { path: '/v2/models/test-llm/infer', body: { inputs: [] } });
    expect(reply.status).toBe(404);
    expect(json(reply).error).toContain('/v1/chat/completions');
    expect((await httpRequest(server.httpPort, { path: '/v2/health/ready' })).status).toBe(200);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const reply = await httpRequest(server.httpPort, { method: 'GET', path: '/v1/chat/completions' });
    expect(reply.status).toBe(405);
    expect(reply.headers['allow']).toBe('POST');
  });

  it('sheds with 503 and Retry-After while the queue is full, before the running work ends', async () => {
    const slow = engines[0]!; // the engines are loaded in folder-name order: slow-llm, then test-llm
    const long = client.completions.create({ model: 'slow-llm', prompt: 't1', max_tokens: 100, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    await waitUntil(() => slow.steps.length > 0, 'the long request runs');
    const waiting = client.completions.create({ model: 'slow-llm', prompt: 't1', max_tokens: 1 });
    await waitUntil(async () => (await metricValue(server.metricsPort, 'vllm:num_requests_waiting', { model_name: 'slow-llm' })) === 1, 'one request waits');
    const labels = { model_name: 'slow-llm' };
    expect(await metricValue(server.metricsPort, 'vllm:num_requests_running', labels)).toBe(1);
    const usage = await metricValue(server.metricsPort, 'vllm:gpu_cache_usage_perc', labels);
    expect(usage).toBeGreaterThan(0);
    expect(usage).toBeLessThan(0.1); // a few of 16 x 128 tokens
    const shed = await httpRequest(server.httpPort, { path: '/v1/completions', body: { model: 'slow-llm', prompt: 't1', max_tokens: 1 } });
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(json(shed)).toMatchObject({ error: { type: 'server_overloaded' } });
    expect(slow.steps.length).toBeLessThan(100); // the long request was still running
    expect((await long).usage?.completion_tokens).toBe(100);
    expect((await waiting).choices[0]!.finish_reason).toBe('length');
  });

  it('frees the sequence of a client that disconnects mid-stream', async () => {
    const engine = engines[1]!;
    const before = engine.released.length;
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.httpPort, method: 'POST', path: '/v1/completions', headers: { 'content-type': 'application/json' } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.end(JSON.stringify({ model: 'test-llm', prompt: 't1', max_tokens: 120, ignore_eos: true, stream: true }));
      setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
    });
    await waitUntil(() => engine.released.length > before, 'the sequence is released');
    const seqId = engine.released[engine.released.length - 1]!;
    // It asked for 120 tokens; it left the batch a step or two after the client went away.
    expect(engine.steps.filter((st) => st.seqIds.includes(seqId)).length).toBeLessThan(20);
    expect(engine.kvTokens()).toBe(0);
    expect(await metricValue(server.metricsPort, 'vllm:num_requests_running', { model_name: 'test-llm' })).toBe(0);
  });

  it('exports the vllm:* metrics with model_name and plausible values', async () => {
    const text = (await httpRequest(server.metricsPort, { path: '/metrics' })).body.toString('utf8');
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:gpu_cache_usage_perc', 'vllm:time_to_first_token_seconds_bucket', 'vllm:time_per_output_token_seconds_bucket', 'vllm:e2e_request_latency_seconds_bucket', 'vllm:prompt_tokens_total', 'vllm:generation_tokens_total']) {
      expect(text).toContain(`${name}{`);
    }
    const labels = { model_name: 'test-llm' };
    expect(await metricValue(server.metricsPort, 'vllm:prompt_tokens_total', labels)).toBeGreaterThan(5);
    expect(await metricValue(server.metricsPort, 'vllm:generation_tokens_total', labels)).toBeGreaterThan(60);
    const ttftCount = await metricValue(server.metricsPort, 'vllm:time_to_first_token_seconds_count', labels);
    expect(ttftCount).toBeGreaterThanOrEqual(5);
    expect(await metricValue(server.metricsPort, 'vllm:time_to_first_token_seconds_bucket', { ...labels, le: '10' })).toBe(ttftCount);
    const gaps = await metricValue(server.metricsPort, 'vllm:time_per_output_token_seconds_sum', labels);
    expect(gaps).toBeGreaterThan(0);
    expect(await metricValue(server.metricsPort, 'vllm:gpu_cache_usage_perc', labels)).toBe(0);
    expect(await metricValue(server.metricsPort, 'vllm:request_success_total', { ...labels, finished_reason: 'stop' })).toBeGreaterThanOrEqual(2);
    expect(await metricValue(server.metricsPort, 'vllm:e2e_request_latency_seconds_count', labels)).toBeGreaterThanOrEqual(5);
  });
});
