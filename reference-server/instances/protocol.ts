/**
 * Messages between the main thread and an instance worker. Tensor bytes travel as transferred ArrayBuffers,
 * so a batch is copied once (when it is assembled) and never again on its way to ONNX Runtime and back.
 */
import type { Datatype } from '../core/tensor.js';

/** SessionSpec is what a worker needs to create its ONNX Runtime session. */
export interface SessionSpec {
  modelPath: string;
  executionProvider: 'cpu' | 'webgpu' | 'cuda';
  fallbackToCpu: boolean;
  intraOpThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** Busy-wait added to every run, in microseconds (gate calibration). */
  artificialDelayUs: number;
}

/** WireTensor is a tensor on its way across the thread boundary; `buffer` is transferred, not copied. */
export interface WireTensor {
  name: string;
  datatype: Datatype;
  dims: number[];
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  /** BYTES tensors only: the elements as strings. */
  strings?: string[];
}

/** SessionInfo describes the loaded session, for checking it against the model's config. */
export interface SessionInfo {
  inputs: { name: string; type: string; shape: (number | string)[] }[];
  outputs: { name: string; type: string; shape: (number | string)[] }[];
  /** The execution provider the session actually runs on (differs only after a permitted CPU fallback). */
  executionProvider: string;
  fallbackReason?: string;
}

/** ToWorker is a message the main thread sends to a worker. */
export type ToWorker = { kind: 'run'; id: number; inputs: WireTensor[]; outputs: string[] } | { kind: 'close' };

/** FromWorker is a message a worker sends back. */
export type FromWorker =
  | { kind: 'ready'; info: SessionInfo }
  | { kind: 'load-error'; message: string }
  | { kind: 'result'; id: number; outputs: WireTensor[]; inputNs: number; inferNs: number; outputNs: number }
  | { kind: 'run-error'; id: number; message: string };
