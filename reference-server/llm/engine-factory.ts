/**
 * The one place where the reference server gets an LLM's engine and tokenizer from a model folder (a folder whose
 * config.yaml says `backend: llm`). The reference LLM itself (its ONNX graphs, weights and tokenizer) is built by
 * its own module; until it is wired in here, both functions throw, and an LLM folder fails to load with that
 * message. Tests pass their own LlmFactory to the server instead.
 */
import type { LlmEngine, LlmTokenizer } from './engine.js';

/** LlmFactory makes an LLM's engine and tokenizer from its model folder. */
export interface LlmFactory {
  createEngine(modelDir: string): Promise<LlmEngine>;
  createTokenizer(modelDir: string): Promise<LlmTokenizer>;
}

const NOT_BUILT_IN = 'the reference LLM is not built in (reference-server/llm/engine-factory.ts has no engine to create)';

/** createLlmEngine loads the engine of the LLM in `modelDir`. */
export async function createLlmEngine(modelDir: string): Promise<LlmEngine> {
  throw new Error(`${modelDir}: ${NOT_BUILT_IN}`);
}

/** createLlmTokenizer loads the tokenizer of the LLM in `modelDir`. */
export async function createLlmTokenizer(modelDir: string): Promise<LlmTokenizer> {
  throw new Error(`${modelDir}: ${NOT_BUILT_IN}`);
}

/** DEFAULT_LLM_FACTORY is the server's factory unless one is given. */
export const DEFAULT_LLM_FACTORY: LlmFactory = { createEngine: createLlmEngine, createTokenizer: createLlmTokenizer };
