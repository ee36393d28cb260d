/**
 * The LLM path end to end on real parts: the reference LLM built by our own ONNX writer, served by the reference
 * server's OpenAI front end (continuous batching, vLLM metrics); the official `openai` client gets well-formed
 * answers, streamed and not; and `gauntlet run` drives it in open loop with an `openai` target and synthetic
 * prompts, with token figures in results.json and the server's vLLM view scraped beside them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLlm } from '../../../reference-server/llm/build-llm.js';
import { type RunningServer, startReferenceServer } from '../../../reference-server/server.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-llm-e2e-'));
const repo = path.join(dir, 'models');

describe('the reference LLM, served and load-tested', () => {
  let server: RunningServer;
  beforeAll(async () => {
    await buildLlm({ outDir: repo, precisions: ['fp32'], agreement: { prompts: 2, tokens: 4 } });
    server = await startReferenceServer({ modelRepository: repo, httpPort: 0, grpcPort: 0, metricsPort: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the official openai client, streamed and not, deterministically', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${server.httpPort}/v1`, apiKey: 'unused' });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('tiny-llm');
    const ask = { model: 'tiny-llm', messages: [{ role: 'user' as const, content: 'Tell me about the sea.' }], max_tokens: 12 };
    const whole = await client.chat.completions.create(ask);
    expect(whole.choices[0]!.message.role).toBe('assistant');
    expect(whole.usage!.completion_tokens).toBeGreaterThan(0);
    const again = await client.chat.completions.create(ask);
    expect(again.choices[0]!.message.content).toBe(whole.choices[0]!.message.content);
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } })) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(usage?.completion_tokens).toBe(whole.usage!.completion_tokens);
    const completion = await client.completions.create({ model: 'tiny-llm', prompt: 'Once upon a time', max_tokens: 5 });
    expect(completion.choices[0]!.text.length).toBeGreaterThan(0);
  }, 30_000);

  it('gauntlet run drives it in open loop: TTFT, ITL, tokens and goodput in results, the server\'s queue beside them', async () => {
    const plan = parseScenario(
      `name: llm-e2e
seed: 3
target: {name: ref-llm, protocol: openai, url: "http://127.0.0.1:${server.httpPort}", model: tiny-llm, metrics_url: "http://127.0.0.1:${server.metricsPort}/metrics"}
request:
  prompts: {synthetic: {input_tokens: {uniform: {min: 16, max: 48}}}}
  output_tokens: 16
  ignore_eos: true
slo: {ttft_ms: 2000, error_rate: 0.01}
phases:
  - {name: steady, duration: 2s, rate: 8, arrival: poisson}
`,
      { baseDir: dir },
    );
    const { results } = await runPlan(plan, { outDir: path.join(dir, 'run'), workers: 1 });
    const p = results.phases[0]!;
    expect(p.sent).toBeGreaterThan(5);
    expect(p.ok).toBe(p.sent);
    const t = p.tokens!;
    expect(t.countedBy).toMatch(/usage|gpt-tokenizer/);
    // ignore_eos: every answer has its 16 tokens.
    expect(t.outputTokensTotal).toBe(16 * p.ok);
    expect(t.ttftUs.p50).toBeGreaterThan(0);
    expect(t.itlUs.count).toBeGreaterThan(0);
    expect(t.goodput.good).toBe(p.ok);
    expect((results.server?.intervals ?? []).some((s) => s.llm !== undefined)).toBe(true);
  }, 60_000);
});
