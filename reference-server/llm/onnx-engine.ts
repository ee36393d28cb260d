/**
 * OnnxLlmEngine: the LlmEngine of the reference LLM. Its ONNX Runtime session and every sequence's KV cache
 * live in a worker thread (session.run blocks its thread), so the event loop stays free for streams while a step
 * runs. Steps and releases are handled by the worker in the order they are called.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../core/worker-entry.js';
import type { LlmEngine, LlmModelInfo, StepInput, StepOutput } from './engine.js';
import type { FromLlmWorker, LlmWorkerSpec, ToLlmWorker } from './llm-protocol.js';
import { readLlmModel } from './llm-config.js';

const threadEntry = workerEntry(import.meta.url, 'llm-worker');

/** EngineOptions are the engine's session settings. */
export interface EngineOptions {
  /** ORT intra-op threads for the step's session; 0 (default) = ONNX Runtime's default (one per core). */
  intraOpThreads?: number;
  /** Padded prompt tokens at most in one prefill call (default: the runner's defaultPrefillBatchTokens); 0 = each prefill alone (benchmarks compare). */
  prefillBatchTokens?: number;
}

type Pending = { resolve: (o: StepOutput[]) => void; reject: (e: Error) => void };

/** OnnxLlmEngine runs the reference LLM's steps in a worker thread. */
export class OnnxLlmEngine implements LlmEngine {
  private readonly pending = new Map<number, Pending>();
  /** Each sequence's cached length as the worker last reported it (kvTokens sums these). */
  private readonly lengths = new Map<number, number>();
  /** seqId → the last step id posted before it was released: that step's reported length is stale. */
  private readonly releasedAfter = new Map<number, number>();
  private nextId = 1;
  private dead?: Error;
  /** lastStepUs is how long the worker spent in the last finished step (its forward passes and cache copies). */
  lastStepUs = 0;

  private constructor(
    readonly info: LlmModelInfo,
    private readonly worker: Worker,
  ) {}

  /** open starts an engine on a model folder written by buildLlm (`config.yaml` + `1/model.onnx`). */
  static async open(modelDir: string, opts: EngineOptions = {}): Promise<OnnxLlmEngine> {
    const model = await readLlmModel(modelDir);
    return OnnxLlmEngine.start({ modelPath: model.modelPath, info: model.info, intraOpThreads: opts.intraOpThreads ?? 0, prefillBatchTokens: opts.prefillBatchTokens });
  }

  /** start launches the worker on `spec` and resolves once its session is loaded. */
  static start(spec: LlmWorkerSpec): Promise<OnnxLlmEngine> {
    const worker = new Worker(threadEntry, { workerData: spec });
    const engine = new OnnxLlmEngine(spec.info, worker);
    return new Promise((resolve, reject) => {
      let settled = false;
      worker.on('message', (msg: FromLlmWorker) => {
        if (msg.kind === 'ready') {
          settled = true;
          resolve(engine);
        } else if (msg.kind === 'load-error') {
          settled = true;
          reject(new Error(`LLM ${spec.info.name}: ${msg.message}`));
          void worker.terminate();
        } else engine.onResult(msg);
      });
      const onExit = (why: string): void => {
        engine.dead = new Error(`LLM ${spec.info.name} worker ${why}`);
        if (!settled) {
          settled = true;
          reject(engine.dead);
        }
        for (const p of engine.pending.values()) p.reject(engine.dead);
        engine.pending.clear();
        engine.lengths.clear();
      };
      worker.on('error', (e) => onExit(`failed: ${e.message}`));
      worker.on('exit', (code) => onExit(`exited (code ${code})`));
    });
  }

  step(batch: StepInput[]): Promise<StepOutput[]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ kind: 'step', id, batch: batch.map((s) => ({ seqId: s.seqId, tokens: [...s.tokens] })) });
    });
  }

  release(seqId: number): void {
    this.lengths.delete(seqId);
    this.releasedAfter.set(seqId, this.nextId - 1);
    if (!this.dead) this.post({ kind: 'release', seqId });
  }

  kvTokens(): number {
    let n = 0;
    for (const len of this.lengths.values()) n += len;
    return n;
  }

  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ kind: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private post(msg: ToLlmWorker): void {
    this.worker.postMessage(msg);
  }

  private onResult(msg: FromLlmWorker): void {
    if (msg.kind !== 'step-result' && msg.kind !== 'step-error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.kind === 'step-error') {
      p.reject(new Error(msg.message));
      return;
    }
    for (const [seqId, length] of msg.lengths) {
      const released = this.releasedAfter.get(seqId);
      if (released !== undefined && released >= msg.id) continue;
      this.releasedAfter.delete(seqId);
      this.lengths.set(seqId, length);
    }
    this.lastStepUs = Math.round(msg.stepNs / 1000);
    p.resolve(msg.outputs);
  }
}
