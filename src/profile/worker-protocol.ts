/**
 * The messages between the profile and its worker thread (one ORT session per worker).
 */
import type { ProfileEp, TensorInfo } from './profile-record.js';

/** ProfileSessionSpec is what a worker loads: the model file, the EP and the intra-op threads (null: ORT's default). */
export interface ProfileSessionSpec {
  modelPath: string;
  ep: ProfileEp;
  threads: number | null;
  /** Set to 1 (Atomics) to stop a measurement between runs: terminating a worker inside ORT's run() aborts the process. */
  stop?: SharedArrayBuffer;
}

/** FeedSpec is one input tensor: ORT type name, dims and data. */
export interface FeedSpec {
  name: string;
  type: string;
  dims: number[];
  data: ArrayBufferView;
}

/** ToProfileWorker are the requests: measure a batch, run once for accuracy, or close. */
export type ToProfileWorker =
  | { kind: 'measure'; feeds: FeedSpec[]; maxMs: number; warmupIterations: number; minIterations: number; maxIterations: number; targetShare: number }
  | { kind: 'infer'; feeds: FeedSpec[] }
  | { kind: 'close' };

/** FromProfileWorker are the answers. */
export type FromProfileWorker =
  | { kind: 'ready'; inputs: TensorInfo[]; outputs: TensorInfo[] }
  | { kind: 'load-error'; message: string }
  | { kind: 'measured'; warmup: number; samples: number[]; converged: boolean }
  | { kind: 'inferred'; output: Float32Array; dims: number[] }
  | { kind: 'run-error'; message: string };
