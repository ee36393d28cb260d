/**
 * JsonParsePool parses large infer request bodies on worker threads, so that JSON.parse of a body of many
 * megabytes (and the flattening and tensor encoding after it) never blocks the event loop that answers health
 * checks, metrics and every other request. Bodies wait in arrival order for a free thread; threads start on
 * first use and one that dies is replaced by the next job.
 */
import { Worker } from 'node:worker_threads';
import { InferError, internal } from '../core/errors.js';
import { workerEntry } from '../core/worker-entry.js';
import type { InferRequest } from '../core/types.js';
import { bodyTransfer, type ParseJob, type ParseResult } from './json-parse-protocol.js';

/** PARSE_OFFLOAD_BYTES: an infer body whose JSON part is at least this large is parsed on a worker thread. */
export const PARSE_OFFLOAD_BYTES = 512 * 1024;

const entry = workerEntry(import.meta.url, 'json-parse-worker');

interface Waiting {
  job: ParseJob;
  resolve(r: InferRequest): void;
  reject(e: Error): void;
}

interface Thread {
  worker: Worker;
  busy?: Waiting;
}

/** JsonParsePool runs parseInferBody on up to `size` worker threads. */
export class JsonParsePool {
  private readonly threads: Thread[] = [];
  private readonly queue: Waiting[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  /** parse resolves with the parsed request, or rejects with the InferError the body deserves. */
  parse(body: Buffer, jsonLength: string | undefined, receivedNs: bigint): Promise<InferRequest> {
    if (this.closed) return Promise.reject(internal('the server is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, body, jsonLength, receivedNs }, resolve, reject });
      this.dispatch();
    });
  }

  /** close stops every thread; bodies still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.reject(internal('the server is shutting down'));
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = this.threads.find((t) => !t.busy);
      if (!thread && this.threads.length < this.size) thread = this.spawn();
      if (!thread) return;
      const waiting = this.queue.shift()!;
      thread.busy = waiting;
      thread.worker.postMessage(waiting.job, bodyTransfer(waiting.job.body));
    }
  }

  private spawn(): Thread {
    const thread: Thread = { worker: new Worker(entry) };
    thread.worker.unref();
    thread.worker.on('message', (msg: ParseResult) => {
      const w = thread.busy;
      thread.busy = undefined;
      if (w && w.job.id === msg.id) {
        if ('request' in msg) w.resolve(msg.request);
        else w.reject(new InferError(msg.error.status, msg.error.message, msg.error.reason));
      }
      this.dispatch();
    });
    const gone = (why: string): void => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      thread.busy?.reject(internal(`the JSON parsing thread ${why}`));
      thread.busy = undefined;
      if (!this.closed) this.dispatch();
    };
    thread.worker.on('error', (err) => gone(`failed: ${err.message}`));
    thread.worker.on('exit', (code) => gone(`exited (code ${code})`));
    this.threads.push(thread);
    return thread;
  }
}
