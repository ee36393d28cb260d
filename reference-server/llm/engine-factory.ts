/**
 * The one place where the reference server gets an LLM's engine and tokenizer from a model folder (a folder whose
 * config.yaml says `backend: llm`). The reference LLM itself (its ONNX graphs, weights and tokenizer) is built by
 * buildLlm (build-llm.ts); its engine runs in a worker thread (onnx-engine.ts) and its tokenizer folds
 * gpt-tokenizer's ids into the model's vocabulary (tokenizer.ts). Tests may pass their own LlmFactory instead.
 */
import type { LlmEngine, LlmTokenizer } from './engine.js';
import { readLlmModel } from './llm-config.js';
import { OnnxLlmEngine } from './onnx-engine.js';
import { GptMappedTokenizer } from './tokenizer.js';

/** LlmFactory makes an LLM's engine and tokenizer from its model folder. */
export interface LlmFactory {
  createEngine(modelDir: string): Promise<LlmEngine>;
  createTokenizer(modelDir: string): Promise<LlmTokenizer>;
}

/** createLlmEngine loads the engine of the LLM in `modelDir` (a worker thread with its ONNX Runtime session). */
export async function createLlmEngine(modelDir: string): Promise<LlmEngine> {
  return OnnxLlmEngine.open(modelDir);
}

/** createLlmTokenizer makes the tokenizer of the LLM in `modelDir` (its vocabulary size from config.yaml). */
export async function createLlmTokenizer(modelDir: string): Promise<LlmTokenizer> {
  const { info } = await readLlmModel(modelDir);
  return new GptMappedTokenizer(info.vocabSize);
}

/** DEFAULT_LLM_FACTORY is the server's factory unless one is given. */
export const DEFAULT_LLM_FACTORY: LlmFactory = { createEngine: createLlmEngine, createTokenizer: createLlmTokenizer };
