/**
 * Messages between the main thread and an instance worker. Tensor bytes travel in SharedArrayBuffers: posting a
 * message that carries (or transfers) a plain ArrayBuffer costs ~30 µs in Node 20, one with a SharedArrayBuffer
 * ~2 µs, which matters at thousands of batches a second. (onnxruntime-node refuses SharedArrayBuffer-backed
 * arrays, so the worker copies inputs into its own memory before a run, and outputs into shared memory after.)
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

/** WireTensor is a tensor on its way across the thread boundary; `buffer` is shared, never copied by postMessage. */
export interface WireTensor {
  name: string;
  datatype: Datatype;
  dims: number[];
  /** Shared between threads; an ArrayBuffer only when the instance is a child process (IPC copies either way). */
  buffer: SharedArrayBuffer | ArrayBuffer;
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
