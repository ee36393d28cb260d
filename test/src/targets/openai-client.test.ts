/**
 * The openai client against a real local OpenAI-style server that streams on a schedule the test controls
 * (test/helpers/sse-server.ts): timing truth (TTFT, ITL, TPOT p50/p99 against what the server did and what it was
 * told to do), each failure's outcome code, both timeouts, usage, non-streamed answers, the request it sends,
 * check() and close().
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeCerts, startPipeProxy } from '../../../bench/lib/tls-fixtures.js';
import type { Outcome } from '../../../src/targets/client.js';
import type { LlmPrompt, OpenAiOptions, PromptSource } from '../../../src/targets/llm-spec.js';
import { createOpenAiClient } from '../../../src/targets/openai-client.js';
import type { TargetClient } from '../../../src/targets/registry.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';
import { type SsePlan, startSseServer, type SseServer } from '../../helpers/sse-server.js';

/** A prompt source whose tokens are words; prompt n says `request n`. */
function prompts(maxTokens = 16): PromptSource & { n: number } {
  return {
    n: 0,
    countedBy: 'words',
    next(): LlmPrompt {
      const text = `request ${this.n++}`;
      return { messages: [{ role: 'user', content: text }], prompt: text, maxTokens, ignoreEos: true, inputTokens: 2 };
    },
    countTokens: (text: string) => text.split(/\s+/).filter((w) => w !== '').length,
  };
}

const servers: SseServer[] = [];
const clients: TargetClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(plan: (body: Record<string, unknown>) => SsePlan): Promise<SseServer> {
  const s = await startSseServer(plan);
  servers.push(s);
  return s;
}

// protocol 'openai' is not in the Protocol type on this branch yet (the registry helper adds it): cast.
function target(url: string, openai: Partial<OpenAiOptions> = {}, extra: Partial<TargetSpec> = {}): TargetSpec {
  const options: OpenAiOptions = { endpoint: 'chat', stream: true, includeUsage: false, tokenTimeoutMs: 2000, ...openai };
  return { name: 'llm', protocol: 'openai' as TargetSpec['protocol'], url, model: 'tiny', binary: false, timeoutMs: 5000, maxInFlight: 64, connections: 0, ...extra, openai: options } as TargetSpec;
}

function client(t: TargetSpec, p: PromptSource = prompts()): TargetClient {
  const c = createOpenAiClient(t, p, { seed: 1 });
  clients.push(c);
  return c;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** near: within 5 % or 2 ms of the truth (µs), as the issue asks. */
function expectNear(got: number, truth: number, what: string): void {
  expect(Math.abs(got - truth), `${what}: got ${(got / 1000).toFixed(2)} ms, truth ${(truth / 1000).toFixed(2)} ms`).toBeLessThanOrEqual(Math.max(2000, 0.05 * truth));
}

describe('openai client: timing truth', () => {
  /*
   * The truth is what the server did: it records when it wrote each token, on the client's clock (one process).
   * The schedule (TTFT 80 ms, one token every 25 ms) only makes those times known in advance; on a busy machine
   * the server's own timers run late, and that lateness is in the truth too. Server and client share one event
   * loop, so a stall of the whole process between a write and its read (another test, GC, the OS) shows as the
   * client's error: hence two retries. A systematic error (buffered reads, a wrong clock, gaps from the wrong
   * chunk) fails every try.
   */
  it('reports TTFT, ITL and TPOT p50/p99 within 5 % or 2 ms of the truth, in open loop', { retry: 2 }, async () => {
    const plan: SsePlan = { ttftMs: 80, itlMs: 25, tokens: 14 };
    const s = await server(() => plan);
    const c = client(target(s.url));
    // 30 requests at intended times 8 ms apart, never waiting for answers (up to ~50 streams at once).
    const sends: Promise<Outcome>[] = [];
    await new Promise<void>((done) => {
      const t0 = performance.now();
      const tick = (i: number): void => {
        sends.push(c.send());
        if (i + 1 === 30) return done();
        setTimeout(tick, Math.max(0, t0 + (i + 1) * 8 - performance.now()), i + 1);
      };
      tick(0);
    });
    const outcomes = await Promise.all(sends);
    const byPrompt = new Map(s.served.map((r) => [(r.body['messages'] as { content: string }[])[0]!.content, r]));
    const ttft: number[] = [], ttftTruth: number[] = [], gaps: number[] = [], gapsTruth: number[] = [], tpot: number[] = [], tpotTruth: number[] = [];
    for (const o of outcomes) {
      expect(o.code).toBe('OK');
      const t = o.tokens!;
      expect(t).toMatchObject({ outputTokens: 14, inputTokens: 2, countedBy: 'words', finishReason: 'length' });
      expect(t.gapsUs).toHaveLength(13);
      ttft.push(t.firstTokenUs! - o.sentUs);
      gaps.push(...t.gapsUs);
      tpot.push((t.lastTokenUs! - t.firstTokenUs!) / (t.outputTokens - 1));
    }
    for (const r of byPrompt.values()) {
      const w = r.chunkMs.map((ms) => ms * 1000);
      for (let k = 1; k < w.length; k++) gapsTruth.push(w[k]! - w[k - 1]!);
      tpotTruth.push((w.at(-1)! - w[0]!) / (w.length - 1));
    }
    outcomes.forEach((o, i) => ttftTruth.push(byPrompt.get(`request ${i}`)!.chunkMs[0]! * 1000 - o.sentUs));
    for (const q of [0.5, 0.99]) {
      expectNear(quantile(ttft, q), quantile(ttftTruth, q), `TTFT p${q * 100}`);
      expectNear(quantile(gaps, q), quantile(gapsTruth, q), `ITL p${q * 100}`);
      expectNear(quantile(tpot, q), quantile(tpotTruth, q), `TPOT p${q * 100}`);
    }
  });
});

describe('openai client: a global stall of the server', () => {
  it('shows in the TTFT and the gaps of the streams it caught', async () => {
    const s = await server(() => ({ ttftMs: 10, itlMs: 10, tokens: 6 }));
    const c = client(target(s.url));
    const before = c.send();
    await expect.poll(() => s.served[0]?.chunkMs.length ?? 0).toBeGreaterThanOrEqual(2);
    s.stall(200);
    const during = await c.send();
    const caught = await before;
    expect(during.tokens!.firstTokenUs! - during.sentUs).toBeGreaterThanOrEqual(190_000);
    expect(Math.max(...caught.tokens!.gapsUs)).toBeGreaterThanOrEqual(150_000);
    expect([caught.code, during.code]).toEqual(['OK', 'OK']);
  });
});

type Row = { name: string; plan: Partial<SsePlan>; options?: Partial<OpenAiOptions>; timeoutMs?: number; code: string; message?: RegExp; outputTokens?: number; finishReason?: string };

const ROWS: Row[] = [
  { name: 'a finished stream', plan: {}, code: 'OK', outputTokens: 4, finishReason: 'length' },
  { name: 'finish_reason stop', plan: { finish: 'stop' }, code: 'OK', finishReason: 'stop' },
  { name: '[DONE] without a finish_reason', plan: { finish: null }, code: 'OK', outputTokens: 4 },
  { name: 'a finish_reason without [DONE]', plan: { done: false }, code: 'OK', outputTokens: 4, finishReason: 'length' },
  { name: 'an unknown model (HTTP 404, JSON error)', plan: { misbehave: { kind: 'http-error', status: 404, message: 'The model `tiny` does not exist.' } }, code: 'HTTP_404', message: /The model `tiny` does not exist/ },
  { name: 'an overloaded server (HTTP 503)', plan: { misbehave: { kind: 'http-error', status: 503, message: 'queue full' } }, code: 'HTTP_503', message: /queue full/ },
  { name: "a proxy's HTML error page", plan: { misbehave: { kind: 'html', status: 502 } }, code: 'HTTP_502', message: /HTML page: <title>502 Bad Gateway/ },
  { name: 'HTML with status 200', plan: { misbehave: { kind: 'html', status: 200 } }, code: 'BAD_RESPONSE', message: /HTML page/ },
  { name: 'plain text without a content type', plan: { misbehave: { kind: 'plain-text' } }, code: 'BAD_RESPONSE', message: /neither an event stream nor JSON: "upstream connect error/ },
  { name: 'a malformed data line', plan: { misbehave: { kind: 'malformed', afterTokens: 3 } }, code: 'BAD_RESPONSE', message: /malformed SSE data line/, outputTokens: 3 },
  { name: 'an error event', plan: { misbehave: { kind: 'error-event', afterTokens: 2 } }, code: 'STREAM_ERROR', message: /the engine died/, outputTokens: 2 },
  { name: 'an error object in the stream', plan: { misbehave: { kind: 'error-object', afterTokens: 2 } }, code: 'STREAM_ERROR', message: /CUDA out of memory/, outputTokens: 2 },
  { name: 'a stream cut mid-way', plan: { misbehave: { kind: 'cut', afterTokens: 3 } }, code: 'STREAM_ABORTED', message: /cut after 3 tokens/, outputTokens: 3 },
  { name: 'a stream ended without [DONE] or a finish_reason', plan: { finish: null, done: false }, code: 'STREAM_ABORTED', message: /without \[DONE\] or a finish_reason/, outputTokens: 4 },
  { name: 'a stream that stops sending', plan: { misbehave: { kind: 'hang', afterTokens: 2 } }, options: { tokenTimeoutMs: 150 }, code: 'STREAM_TIMEOUT', message: /150 ms\) after 2 tokens/, outputTokens: 2 },
  { name: 'a stream that never starts', plan: { misbehave: { kind: 'hang', afterTokens: 0 }, roleChunk: false }, options: { tokenTimeoutMs: 150 }, code: 'STREAM_TIMEOUT', message: /before the first chunk/, outputTokens: 0 },
  { name: 'an answer kept open after [DONE]', plan: { misbehave: { kind: 'linger' } }, options: { tokenTimeoutMs: 150 }, code: 'OK', outputTokens: 4, finishReason: 'length' },
  { name: 'a slow but steady stream (each gap under token_timeout_ms, the whole over it)', plan: { itlMs: 30, tokens: 12 }, options: { tokenTimeoutMs: 250 }, code: 'OK', outputTokens: 12, finishReason: 'length' },
  { name: 'a stream that trickles past the whole timeout', plan: { itlMs: 60, tokens: 50 }, options: { tokenTimeoutMs: 1000 }, timeoutMs: 300, code: 'TIMEOUT', message: /within 300 ms/ },
];

describe('openai client: every ending is an outcome code', () => {
  it.each(ROWS)('$name → $code', async (row) => {
    const s = await server(() => ({ ttftMs: 5, itlMs: 5, tokens: 4, ...row.plan }));
    const c = client(target(s.url, row.options, row.timeoutMs === undefined ? {} : { timeoutMs: row.timeoutMs }));
    const o = await c.send();
    expect(o.code).toBe(row.code);
    expect(o.doneUs).toBeGreaterThanOrEqual(o.sentUs);
    if (row.message !== undefined) expect(c.errorSamples()).toEqual([{ code: row.code, message: expect.stringMatching(row.message) }]);
    if (row.code === 'OK') expect(c.errorSamples()).toEqual([]);
    if (row.outputTokens !== undefined) expect(o.tokens?.outputTokens).toBe(row.outputTokens);
    if (row.outputTokens !== undefined && row.outputTokens > 0) expect(o.tokens?.firstTokenUs).toBeGreaterThan(o.sentUs);
    expect(o.tokens?.finishReason).toBe(row.finishReason);
    if (row.code === 'OK') expect(o.doneUs - o.tokens!.lastTokenUs!).toBeLessThan(100_000); // done when the stream finished
  });

  it('clears both of its timers whatever the ending (OK, HTTP error, error event, cut, HTML, cancelled)', async () => {
    const plans: SsePlan['misbehave'][] = [undefined, { kind: 'http-error', status: 503, message: 'busy' }, { kind: 'error-event', afterTokens: 1 }, { kind: 'cut', afterTokens: 1 }, { kind: 'html', status: 200 }, { kind: 'hang', afterTokens: 1 }];
    const s = await server((body) => ({ ttftMs: 1, itlMs: 1, tokens: 2, misbehave: plans[Number(String((body['messages'] as { content: string }[])[0]!.content).split(' ')[1])] }));
    // The client's timers are the ones with its two limits as delays (4321 ms whole, 1234 ms between chunks).
    const live = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const h = realSet(() => (live.delete(h), fn(...args)), ms);
      if (ms === 4321 || ms === 1234) live.add(h);
      return h;
    }) as typeof setTimeout);
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((h: NodeJS.Timeout | undefined) => (live.delete(h), realClear(h))) as typeof clearTimeout);
    try {
      const c = createOpenAiClient(target(s.url, { tokenTimeoutMs: 1234 }, { timeoutMs: 4321 }), prompts(), { seed: 1 });
      const pending = plans.map(() => c.send());
      await expect.poll(() => s.served.at(-1)?.chunkMs.length ?? 0).toBe(1);
      const done = await Promise.all(pending.slice(0, -1));
      expect(done.map((o) => o.code)).toEqual(['OK', 'HTTP_503', 'STREAM_ERROR', 'STREAM_ABORTED', 'BAD_RESPONSE']);
      expect(live.size).toBe(2); // the hanging stream's two
      await c.close();
      expect((await pending.at(-1))!.code).toBe('CANCELLED');
      expect(live.size).toBe(0);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('a refused connection is ECONNREFUSED', async () => {
    const s = await startSseServer(() => ({ ttftMs: 1, itlMs: 1, tokens: 1 }));
    const url = s.url;
    await s.close();
    const o = await client(target(url)).send();
    expect(o.code).toBe('ECONNREFUSED');
    expect(o.tokens).toBeUndefined();
  });
});

describe('openai client: counts, modes and requests', () => {
  it('takes the counts from a usage chunk when asked for one, and from the tokenizer without it', async () => {
    const s = await server(() => ({ ttftMs: 2, itlMs: 2, tokens: 5, wordsPerChunk: 3 }));
    const withUsage = await client(target(s.url, { includeUsage: true })).send();
    expect(withUsage.code).toBe('OK');
    expect(withUsage.tokens).toMatchObject({ outputTokens: 15, inputTokens: 7, countedBy: 'usage', usage: { promptTokens: 7, completionTokens: 15 } });
    expect(withUsage.tokens!.gapsUs).toHaveLength(4); // a chunk of three tokens is one arrival
    expect(s.served.at(-1)!.body['stream_options']).toEqual({ include_usage: true });
    const without = await client(target(s.url)).send();
    expect(without.tokens).toMatchObject({ outputTokens: 15, inputTokens: 2, countedBy: 'words' });
    expect(without.tokens!.usage).toBeUndefined();
    expect(s.served.at(-1)!.body['stream_options']).toBeUndefined();
  });

  it.each(['chat', 'completions'] as const)('reads a non-streamed %s answer: first token = last token = when the body completed', async (endpoint) => {
    const s = await server(() => ({ ttftMs: 20, itlMs: 5, tokens: 6 }));
    const o = await client(target(s.url, { endpoint, stream: false })).send();
    expect(o.code).toBe('OK');
    const t = o.tokens!;
    expect(t).toMatchObject({ outputTokens: 6, countedBy: 'usage', gapsUs: [], finishReason: 'length' });
    expect(t.firstTokenUs).toBe(t.lastTokenUs);
    expect(t.firstTokenUs! - o.sentUs).toBeGreaterThanOrEqual(44_000); // 20 + 5 × 5 ms
    expect(s.served.at(-1)!.path).toBe(endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions');
  });

  it('reads a streamed completions answer (choices[0].text)', async () => {
    const s = await server(() => ({ ttftMs: 2, itlMs: 2, tokens: 5 }));
    const o = await client(target(s.url, { endpoint: 'completions' })).send();
    expect(o.tokens).toMatchObject({ outputTokens: 5, gapsUs: expect.any(Array) });
    expect(s.served.at(-1)!.body['prompt']).toBe('request 0');
  });

  it('sends model, messages, max_tokens, ignore_eos and the extra body fields, with the API key from its variable only in Authorization', async () => {
    process.env['GAUNTLET_TEST_OPENAI_KEY'] = 'sk-test-123';
    const s = await server(() => ({ ttftMs: 1, itlMs: 1, tokens: 2 }));
    const t = target(s.url, { body: { temperature: 0, top_p: 0.5, model: 'not-this', stream: false } }, { bearerTokenEnv: 'GAUNTLET_TEST_OPENAI_KEY' });
    const o = await client(t, prompts(9)).send();
    expect(o.code).toBe('OK');
    const r = s.served.at(-1)!;
    expect(r.body).toEqual({ temperature: 0, top_p: 0.5, model: 'tiny', messages: [{ role: 'user', content: 'request 0' }], max_tokens: 9, stream: true, ignore_eos: true });
    expect(r.headers['authorization']).toBe('Bearer sk-test-123');
    expect(JSON.stringify(o)).not.toContain('sk-test');
    delete process.env['GAUNTLET_TEST_OPENAI_KEY'];
  });

  it('keeps connections alive between requests', async () => {
    const s = await server(() => ({ ttftMs: 1, itlMs: 1, tokens: 3 }));
    const c = client(target(s.url));
    for (let i = 0; i < 5; i++) expect((await c.send()).code).toBe('OK');
    expect((c as unknown as { openConnections: number }).openConnections).toBe(1);
  });

  it('check() sends max_tokens 1 and throws the server\'s message when it cannot serve the model', async () => {
    const s = await server((body) =>
      body['model'] === 'tiny' ? { ttftMs: 1, itlMs: 1, tokens: 1 } : { ttftMs: 1, itlMs: 1, tokens: 1, misbehave: { kind: 'http-error', status: 404, message: 'The model `nope` does not exist.' } },
    );
    await client(target(s.url)).check();
    expect(s.served.at(-1)!.body).toMatchObject({ max_tokens: 1 });
    await expect(client(target(s.url, {}, { model: 'nope' })).check()).rejects.toThrow(/HTTP_404: The model `nope` does not exist/);
    await expect(client(target(s.url, {}, { model: 'nope' })).check()).rejects.toMatchObject({ code: 'GAUNTLET_ERR_TARGET_UNREACHABLE' });
  });

  it('close() resolves outstanding streams as CANCELLED at once, with the tokens received', async () => {
    const s = await server(() => ({ ttftMs: 1, itlMs: 1, tokens: 4, misbehave: { kind: 'hang', afterTokens: 2 } }));
    const c = createOpenAiClient(target(s.url, { tokenTimeoutMs: 60_000 }), prompts(), { seed: 1 });
    const pending = [c.send(), c.send()];
    await expect.poll(() => s.served.filter((r) => r.chunkMs.length === 2).length).toBe(2);
    const t0 = performance.now();
    await c.close();
    const outcomes = await Promise.all(pending);
    expect(performance.now() - t0).toBeLessThan(1000);
    for (const o of outcomes) expect(o).toMatchObject({ code: 'CANCELLED', tokens: { outputTokens: 2 } });
    expect((await c.send()).code).toBe('CANCELLED');
  });

  it('a target without a model or openai fields is a configuration error', () => {
    expect(() => createOpenAiClient({ ...target('http://127.0.0.1:1'), model: undefined } as TargetSpec, prompts(), { seed: 1 })).toThrow(/needs a model/);
    expect(() => createOpenAiClient({ ...target('http://127.0.0.1:1'), openai: undefined } as TargetSpec, prompts(), { seed: 1 })).toThrow(/openai fields/);
  });
});

describe('openai client over TLS', () => {
  it('streams over https:// (CA file, server name) on one kept-alive connection; a certificate it cannot check is TLS_ERROR', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-openai-tls-'));
    try {
      makeCerts(dir, 'llm.gauntlet.test');
      const s = await server(() => ({ ttftMs: 1, itlMs: 1, tokens: 3 }));
      const proxy = await startPipeProxy(Number(new URL(s.url).port), { key: readFileSync(path.join(dir, 'server.key')), cert: readFileSync(path.join(dir, 'server.pem')), ALPNProtocols: ['http/1.1'] });
      try {
        const url = `https://127.0.0.1:${proxy.port}`;
        const c = client(target(url, {}, { tls: { caFile: path.join(dir, 'ca.pem'), serverName: 'llm.gauntlet.test', insecureSkipVerify: false } }));
        for (let i = 0; i < 2; i++) expect((await c.send()).tokens).toMatchObject({ outputTokens: 3, finishReason: 'length' });
        expect(proxy.connections()).toBe(1);
        const unchecked = await client(target(url, {}, { tls: { serverName: 'llm.gauntlet.test', insecureSkipVerify: false } })).send();
        expect(unchecked.code).toBe('TLS_ERROR');
      } finally {
        await proxy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
