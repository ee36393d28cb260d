/**
 * The router of a replicated stack sums the replicas' vllm:* series as it sums Triton's: counters and histogram
 * buckets add up (and survive a replica's death), each histogram renders as one family with its buckets in `le`
 * order, gauges count live replicas only, and the KV-cache usage ratio is averaged, not summed. The replicas'
 * texts come from real LlmMetrics registries.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Replica } from '../../../reference-server/cluster/supervisor.js';
import { TritonSums } from '../../../reference-server/cluster/triton-sums.js';
import { LlmMetrics } from '../../../reference-server/llm/llm-metrics.js';
import type { LlmScheduler } from '../../../reference-server/llm/scheduler.js';

/** replicaText renders a replica's vllm:* series: `ttfts` first-token times, `running` sequences, `usage` of the KV cache. */
async function replicaText(ttfts: number[], running: number, usage: number): Promise<string> {
  const registry = new Registry();
  const scheduler = { numRunning: () => running, numWaiting: () => 0, kvUsage: () => usage } as unknown as LlmScheduler;
  const metrics = new LlmMetrics(registry, () => new Map([['tiny-llm', scheduler]]));
  const l = metrics.listener('tiny-llm');
  for (const t of ttfts) {
    l.onPrompt!(10);
    l.onFirstToken!(t);
    l.onGenerated!(5);
    l.onFinished!(t + 0.1, 'stop');
  }
  return registry.metrics();
}

const sample = (text: string, key: string): number | undefined => {
  const line = text.split('\n').find((x) => x.startsWith(`${key} `));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
};

describe('the router sums the replicas\' vllm:* series', () => {
  it('adds counters and buckets, keeps them across a death, averages the KV-cache usage and drops the dead replica\'s gauges', async () => {
    const sums = new TritonSums();
    const a = new Replica('r0');
    const b = new Replica('r1');
    sums.update(a, 1, await replicaText([0.003, 0.2], 2, 0.5));
    sums.update(b, 1, await replicaText([0.05], 1, 0.1));
    let out = sums.render();
    expect(sample(out, 'vllm:prompt_tokens_total{model_name="tiny-llm"}')).toBe(30);
    expect(sample(out, 'vllm:generation_tokens_total{model_name="tiny-llm"}')).toBe(15);
    expect(sample(out, 'vllm:time_to_first_token_seconds_count{model_name="tiny-llm"}')).toBe(3);
    expect(sample(out, 'vllm:time_to_first_token_seconds_bucket{le="0.005",model_name="tiny-llm"}')).toBe(1);
    expect(sample(out, 'vllm:time_to_first_token_seconds_bucket{le="0.06",model_name="tiny-llm"}')).toBe(2);
    expect(sample(out, 'vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="tiny-llm"}')).toBe(3);
    expect(sample(out, 'vllm:num_requests_running{model_name="tiny-llm"}')).toBe(3);
    expect(sample(out, 'vllm:gpu_cache_usage_perc{model_name="tiny-llm"}')).toBeCloseTo(0.3, 10);
    expect(sample(out, 'vllm:request_success_total{finished_reason="stop",model_name="tiny-llm"}')).toBe(3);
    // One family per histogram, its buckets in increasing le.
    expect(out.match(/# TYPE vllm:time_to_first_token_seconds histogram/g)).toHaveLength(1);
    expect(out).not.toContain('# TYPE vllm:time_to_first_token_seconds_bucket');
    const les = [...out.matchAll(/^vllm:time_to_first_token_seconds_bucket\{le="([^"]+)"/gm)].map((m) => (m[1] === '+Inf' ? Infinity : Number(m[1])));
    expect(les).toEqual([...les].sort((x, y) => x - y));
    expect(les).toHaveLength(17);
    sums.retire(a); // r0 died
    out = sums.render();
    expect(sample(out, 'vllm:time_to_first_token_seconds_count{model_name="tiny-llm"}')).toBe(3);
    expect(sample(out, 'vllm:prompt_tokens_total{model_name="tiny-llm"}')).toBe(30);
    expect(sample(out, 'vllm:num_requests_running{model_name="tiny-llm"}')).toBe(1);
    expect(sample(out, 'vllm:gpu_cache_usage_perc{model_name="tiny-llm"}')).toBeCloseTo(0.1, 10);
  });
});
