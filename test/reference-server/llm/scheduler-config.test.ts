/**
 * The `backend: llm` model config: defaults, every problem with its path, and the resolution of kv_cache_tokens 0
 * against the model's context.
 */
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../reference-server/config/validate-model-config.js';
import { schedulerLimits } from '../../../reference-server/llm/openai-models.js';

describe('the llm model config', () => {
  it('takes a minimal LLM config with vLLM-like defaults', () => {
    const r = parseModelConfig('name: tiny-llm\nbackend: llm\n', 'tiny-llm');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.backend).toBe('llm');
    expect(r.config.llm).toEqual({ batching: 'continuous', max_num_seqs: 16, kv_cache_tokens: 0, max_queue: 256, max_queue_delay_ms: 30_000 });
    expect(schedulerLimits(r.config.llm!, 256)).toMatchObject({ kvCacheTokens: 16 * 256, maxNumSeqs: 16 });
  });

  it('lists every problem of the llm section with its path', () => {
    const yaml = [
      'name: tiny-llm',
      'backend: llm',
      'dynamic_batching: {}',
      'llm:',
      '  batching: sometimes',
      '  max_num_seqs: 0',
      '  kv_cache_tokens: -1',
      '  max_queue: 1.5',
      '  max_queue_delay_ms: 99999999',
      '  speed: fast',
      '',
    ].join('\n');
    const r = parseModelConfig(yaml, 'tiny-llm');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(
      ['dynamic_batching', 'llm.batching', 'llm.kv_cache_tokens', 'llm.max_num_seqs', 'llm.max_queue', 'llm.max_queue_delay_ms', 'llm.speed'].sort(),
    );
    expect(r.problems.every((p) => p.line !== undefined)).toBe(true);
  });

  it('refuses an llm section on an ONNX model, and still asks an ONNX model for its tensors', () => {
    const r = parseModelConfig('name: m\nllm:\n  max_num_seqs: 4\n', 'm');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(['input', 'llm', 'output']);
  });
});
