/**
 * The server scrape reads an LLM server's vLLM-named metrics (vLLM's own, or the reference LLM's) beside Triton's:
 * running and waiting sequences, KV-cache usage (the old and the new name) and token counters, per model.
 */
import { describe, expect, it } from 'vitest';
import { parseMetrics } from '../../../src/metrics/server-scrape.js';

const TEXT = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="tiny-llm"} 12
vllm:num_requests_running{model_name="other"} 3
vllm:num_requests_waiting{model_name="tiny-llm"} 4
vllm:gpu_cache_usage_perc{model_name="tiny-llm"} 0.25
vllm:prompt_tokens_total{model_name="tiny-llm"} 1200
vllm:generation_tokens_total{model_name="tiny-llm"} 3400
vllm:time_to_first_token_seconds_bucket{model_name="tiny-llm",le="0.1"} 7
nv_inference_request_success{model="mlp",version="1"} 5
`;

describe('parseMetrics on vLLM names', () => {
  it('keeps the model’s sequences, KV-cache usage and token counters', () => {
    expect(parseMetrics(TEXT, 'tiny-llm').vllm).toEqual({ running: 12, waiting: 4, kvCache: 0.25, promptTokens: 1200, generationTokens: 3400 });
    expect(parseMetrics(TEXT).vllm!.running).toBe(15);
    expect(parseMetrics(TEXT, 'mlp').vllm).toBeUndefined();
    expect(parseMetrics(TEXT, 'mlp').nv_inference_request_success).toBe(5);
  });

  it('reads the newer kv_cache_usage_perc name, and nothing from a server without vLLM metrics', () => {
    expect(parseMetrics('vllm:kv_cache_usage_perc{model_name="m"} 0.5\n', 'm').vllm!.kvCache).toBe(0.5);
    expect(parseMetrics('nv_inference_count{model="m"} 1\n', 'm').vllm).toBeUndefined();
  });

  it('says whether Triton\'s counters were there at all, so an LLM server\'s phases get no Triton figures of 0', () => {
    expect(parseMetrics(TEXT, 'tiny-llm').triton).toBeUndefined();
    expect(parseMetrics(TEXT, 'mlp').triton).toBe(true);
    // The pending gauge alone is not a request counter.
    expect(parseMetrics('nv_inference_pending_request_count{model="m"} 2\n', 'm').triton).toBeUndefined();
  });
});
