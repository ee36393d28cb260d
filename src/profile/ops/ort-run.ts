/**
 * runOrt: run an ONNX model in a worker thread of its own (ORT's run() blocks the thread it runs on) and
 * return each timed run's wall time, and the path of ORT's profiling trace when asked for one.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../../reference-server/core/worker-entry.js';
import { GauntletError } from '../../errors.js';
import type { ProfileEp } from '../profile-record.js';

/** OrtRunSpec is what the worker runs: the model, its input shapes, session options and the iteration counts. */
export interface OrtRunSpec {
  modelPath: string;
  inputShapes: Record<string, number[]>;
  ep: ProfileEp;
  /** intra-op threads; null = ORT's default. */
  threads: number | null;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  warmup: number;
  iterations: number;
  /** Stop timing after this many milliseconds even if fewer iterations ran (at least one always runs). */
  maxMs: number;
  /** Enable ORT's profiling, writing the trace as `<profilePrefix>_<date>.json`. */
  profilePrefix?: string;
  /** Write the graph ORT runs (after its fusions) here, so its node names match the trace's. */
  optimizedModelPath?: string;
}

/** OrtRunReply is the worker's answer. */
export type OrtRunReply = { ok: true; runMs: number[] } | { ok: false; error: string };

const entry = workerEntry(import.meta.url, 'ort-run-worker');

/** ORT_RUN_TIMEOUT_MS bounds one worker's whole life (session creation and every run): 120 s. */
export const ORT_RUN_TIMEOUT_MS = 120_000;

/** runOrt runs `spec` in a fresh worker thread; an ORT failure or the timeout is a GauntletError. */
export function runOrt(spec: OrtRunSpec): Promise<{ runMs: number[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: spec });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${spec.modelPath}: ONNX Runtime did not finish within ${ORT_RUN_TIMEOUT_MS / 1000} s`))),
      ORT_RUN_TIMEOUT_MS,
    );
    worker.on('message', (reply: OrtRunReply) =>
      finish(() => {
        if (reply.ok) resolve({ runMs: reply.runMs });
        else reject(new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `${spec.modelPath}: ONNX Runtime (${spec.ep}): ${reply.error}`));
      }),
    );
    worker.on('error', (err) => finish(() => reject(new GauntletError('GAUNTLET_ERR_INTERNAL', `profiler worker: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new GauntletError('GAUNTLET_ERR_INTERNAL', `profiler worker exited (${code}) without a reply`))));
  });
}
