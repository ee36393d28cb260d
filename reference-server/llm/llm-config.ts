/**
 * The reference LLM's model folder: `<repo>/<name>/config.yaml` (an LlmConfig: `backend: llm` marks it as an
 * LLM, not a KServe model), `<repo>/<name>/1/model.onnx`, `1/.build.json` (the build stamp) and
 * `agreement.json` (the variant's generation agreement with fp32).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isPrecision, type Precision } from '../models/layers.js';
import type { LlmModelInfo } from './engine.js';

/** LLM_BACKEND is the `backend` value of an LLM's config.yaml. */
export const LLM_BACKEND = 'llm';
/** LLM_PLATFORM is the `platform` value of an LLM's config.yaml. */
export const LLM_PLATFORM = 'gauntlet_llm';

/** GenerationAgreement compares a variant's greedy generations with fp32's over the same prompts. */
export interface GenerationAgreement {
  reference: string;
  prompts: number;
  tokens_per_prompt: number;
  /** Fraction of generated tokens equal to fp32's at the same position, in [0, 1]. */
  token_agreement: number;
  /** Mean over prompts of the first position (0-based) where the variant's token differs; a prompt that never differs counts as `tokens_per_prompt`. */
  mean_first_divergence: number;
}

/** LlmConfig is an LLM folder's config.yaml. */
export interface LlmConfig {
  name: string;
  backend: typeof LLM_BACKEND;
  platform: typeof LLM_PLATFORM;
  precision: Precision;
  vocab_size: number;
  max_context: number;
  eos_token: number;
  layers: number;
  d_model: number;
  heads: number;
  /** Key/value heads (1: multi-query attention); the cache holds kv_heads × head_dim floats per token, layer, K and V. */
  kv_heads: number;
  ffn: number;
  seed: number;
  /** How text becomes token ids (see tokenizer.ts). */
  tokenizer: string;
  description: string;
  agreement?: GenerationAgreement;
}

/** llmInfo returns the engine's view of a config. */
export function llmInfo(c: LlmConfig): LlmModelInfo {
  return {
    name: c.name,
    precision: c.precision,
    vocabSize: c.vocab_size,
    maxContext: c.max_context,
    layers: c.layers,
    dModel: c.d_model,
    heads: c.heads,
    eosToken: c.eos_token,
  };
}

/** isLlmConfig tells whether parsed config.yaml data declares an LLM (`backend: llm`). */
export function isLlmConfig(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)['backend'] === LLM_BACKEND;
}

/** readLlmModel reads and checks an LLM folder's config.yaml; it throws listing every problem. */
export async function readLlmModel(dir: string): Promise<{ config: LlmConfig; info: LlmModelInfo; modelPath: string }> {
  const path = join(dir, 'config.yaml');
  const data = parse(await readFile(path, 'utf8')) as Record<string, unknown> | null;
  const problems: string[] = [];
  if (!isLlmConfig(data)) problems.push(`backend: must be ${LLM_BACKEND}`);
  const c = (data ?? {}) as Record<string, unknown>;
  const int = (key: string, min: number, max = 1 << 24): void => {
    const v = c[key];
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) problems.push(`${key}: must be an integer from ${min} to ${max}`);
  };
  int('vocab_size', 2);
  int('max_context', 1);
  int('layers', 1);
  int('d_model', 1);
  int('heads', 1);
  if (typeof c['name'] !== 'string' || c['name'] === '') problems.push('name: must be a non-empty string');
  if (typeof c['precision'] !== 'string' || !isPrecision(c['precision'])) problems.push('precision: must be fp32, fp16, int8 or int4');
  if (Number.isInteger(c['vocab_size'])) int('eos_token', 0, (c['vocab_size'] as number) - 1);
  if (Number.isInteger(c['d_model']) && Number.isInteger(c['heads']) && (c['d_model'] as number) % (c['heads'] as number) !== 0) {
    problems.push('d_model: must be a multiple of heads');
  }
  if (problems.length > 0) throw new Error(`${path}: not an LLM config:\n  ${problems.join('\n  ')}`);
  const config = c as unknown as LlmConfig;
  return { config, info: llmInfo(config), modelPath: join(dir, '1', 'model.onnx') };
}
