/**
 * ProfileSession: the main thread's handle on one worker-thread ORT session (profile-worker.ts).
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../reference-server/core/worker-entry.js';
import type { TensorInfo } from './profile-record.js';
import type { FeedSpec, FromProfileWorker, ProfileSessionSpec, ToProfileWorker } from './worker-protocol.js';

const entry = workerEntry(import.meta.url, 'profile-worker');

/** LoadError is a session that ONNX Runtime could not create (not ONNX, an EP that does not load). */
export class LoadError extends Error {}

/** ProfileSession runs requests on one worker's session, one at a time. */
export class ProfileSession {
  private constructor(
    private readonly worker: Worker,
    private readonly stopFlag: Int32Array,
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
  ) {}

  /** open starts a worker and loads the model; it rejects with a LoadError when ORT cannot. */
  static open(spec: ProfileSessionSpec): Promise<ProfileSession> {
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(entry, { workerData: { ...spec, stop } });
    return new Promise((resolve, reject) => {
      worker.once('message', (msg: FromProfileWorker) => {
        if (msg.kind === 'ready') resolve(new ProfileSession(worker, new Int32Array(stop), msg.inputs, msg.outputs));
        else {
          void worker.terminate();
          reject(new LoadError(msg.kind === 'load-error' ? msg.message : `unexpected ${msg.kind}`));
        }
      });
      worker.once('error', (err) => reject(new LoadError(err.message)));
    });
  }

  /** request sends one request and waits for its answer; a worker that dies or is terminated rejects it. */
  request(msg: ToProfileWorker): Promise<FromProfileWorker> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromProfileWorker): void => {
        done();
        resolve(m);
      };
      const onExit = (): void => {
        done();
        reject(new Error('the profile worker stopped'));
      };
      const done = (): void => {
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
      };
      this.worker.on('message', onMessage);
      this.worker.on('exit', onExit);
      this.worker.postMessage(msg);
    });
  }

  /** infer runs the model once and returns its first output. */
  async infer(feeds: FeedSpec[]): Promise<{ output: Float32Array; dims: number[] }> {
    const got = await this.request({ kind: 'infer', feeds });
    if (got.kind === 'run-error') throw new Error(got.message);
    if (got.kind !== 'inferred') throw new Error(`unexpected ${got.kind}`);
    return got;
  }

  /** stop makes a measurement in progress end after its current run (an interrupted profile). */
  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  /** close releases the session and ends the worker. */
  async close(): Promise<void> {
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.postMessage({ kind: 'close' } satisfies ToProfileWorker);
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
