/**
 * Messages between OnnxLlmEngine (main thread) and its worker thread (llm-worker.ts).
 */
import type { LlmModelInfo, StepInput, StepOutput } from './engine.js';

/** LlmWorkerSpec is what the worker needs to load the model. */
export interface LlmWorkerSpec {
  modelPath: string;
  info: LlmModelInfo;
  intraOpThreads: number;
  /** Padded prompt tokens at most in one prefill call (unset: the runner's default). */
  prefillBatchTokens?: number;
}

/** ToLlmWorker is a message to the worker. */
export type ToLlmWorker =
  | { kind: 'step'; id: number; batch: StepInput[] }
  | { kind: 'release'; seqId: number }
  | { kind: 'close' };

/** FromLlmWorker is a message from the worker. */
export type FromLlmWorker =
  | { kind: 'ready' }
  | { kind: 'load-error'; message: string }
  | { kind: 'step-result'; id: number; outputs: StepOutput[]; lengths: [number, number][]; stepNs: number }
  | { kind: 'step-error'; id: number; message: string };
