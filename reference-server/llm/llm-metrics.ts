/**
 * LlmMetrics: the served LLMs' Prometheus series under vLLM's names, labels (`model_name`) and histogram buckets
 * (vLLM's `vllm/engine/metrics.py`), so that dashboards and scrapers written for vLLM read the reference server
 * as they read vLLM. `vllm:gpu_cache_usage_perc` keeps vLLM's name on CPU too: it is the share (0-1) of the KV-cache
 * budget (`llm.kv_cache_tokens`) that the engine's caches hold.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LlmScheduler } from './scheduler.js';
import type { SchedulerListener } from './scheduler-types.js';

/** TTFT_BUCKETS are vLLM's buckets of vllm:time_to_first_token_seconds. */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
/** TPOT_BUCKETS are vLLM's buckets of vllm:time_per_output_token_seconds. */
export const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];
/** E2E_BUCKETS are vLLM's buckets of vllm:e2e_request_latency_seconds. */
export const E2E_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0];

/** LlmMetrics registers the vllm:* series in a registry and hands each model's scheduler its listener. */
export class LlmMetrics {
  private readonly ttft: Histogram<'model_name'>;
  private readonly tpot: Histogram<'model_name'>;
  private readonly e2e: Histogram<'model_name'>;
  private readonly prompt: Counter<'model_name'>;
  private readonly generation: Counter<'model_name'>;
  private readonly success: Counter<'model_name' | 'finished_reason'>;

  constructor(registry: Registry, schedulers: () => ReadonlyMap<string, LlmScheduler>) {
    const registers = [registry];
    const labelNames = ['model_name'] as const;
    const gauge = (name: string, help: string, value: (s: LlmScheduler) => number): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [model, s] of schedulers()) this.set({ model_name: model }, value(s));
        },
      });
    };
    gauge('vllm:num_requests_running', 'Number of requests currently running on GPU.', (s) => s.numRunning());
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', (s) => s.numWaiting());
    gauge('vllm:gpu_cache_usage_perc', 'GPU KV-cache usage. 1 means 100 percent usage.', (s) => s.kvUsage());
    this.ttft = new Histogram({ name: 'vllm:time_to_first_token_seconds', help: 'Histogram of time to first token in seconds.', labelNames, buckets: TTFT_BUCKETS, registers });
    this.tpot = new Histogram({ name: 'vllm:time_per_output_token_seconds', help: 'Histogram of time per output token in seconds.', labelNames, buckets: TPOT_BUCKETS, registers });
    this.e2e = new Histogram({ name: 'vllm:e2e_request_latency_seconds', help: 'Histogram of end to end request latency in seconds.', labelNames, buckets: E2E_BUCKETS, registers });
    this.prompt = new Counter({ name: 'vllm:prompt_tokens_total', help: 'Number of prefill tokens processed.', labelNames, registers });
    this.generation = new Counter({ name: 'vllm:generation_tokens_total', help: 'Number of generation tokens processed.', labelNames, registers });
    this.success = new Counter({ name: 'vllm:request_success_total', help: 'Count of successfully processed requests.', labelNames: ['model_name', 'finished_reason'], registers });
  }

  /** listener is what the scheduler of `model` reports its events to. */
  listener(model: string): SchedulerListener {
    const labels = { model_name: model };
    return {
      onPrompt: (tokens) => this.prompt.inc(labels, tokens),
      onGenerated: (tokens) => this.generation.inc(labels, tokens),
      onFirstToken: (s) => this.ttft.observe(labels, s),
      onTokenGap: (s) => this.tpot.observe(labels, s),
      onFinished: (s, reason) => {
        this.e2e.observe(labels, s);
        this.success.inc({ ...labels, finished_reason: reason });
      },
    };
  }
}
