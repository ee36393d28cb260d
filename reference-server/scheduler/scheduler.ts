/**
 * Scheduler queues requests for one model version and hands batches to free instances, with Triton's queue
 * policy: a bounded queue that rejects at once when full, per-request timeouts that either reject the request
 * (REJECT) or move it behind every request still in time (DELAY), and dynamic batching (see form-batch.ts).
 * Without dynamic batching each request runs alone, in arrival order.
 */
import { unavailable } from '../core/errors.js';
import { type BatchPolicy, type Candidate, formBatch } from './form-batch.js';

/** Job is one queued request as the scheduler sees it. */
export interface Job extends Candidate {
  /** Absolute time (process.hrtime.bigint()) after which the request has timed out in the queue. */
  deadlineNs?: bigint;
  /** Fails the request; called by the scheduler on queue timeout or shutdown. */
  fail(err: Error): void;
}

/** SchedulerOptions configures a Scheduler. */
export interface SchedulerOptions {
  modelLabel: string;
  instances: number;
  /** Absent: no dynamic batching. */
  batching?: BatchPolicy;
  /** 0 = unbounded. */
  maxQueueSize: number;
  timeoutAction: 'REJECT' | 'DELAY';
}

/**
 * RunBatch executes a batch on instance `instance`. It calls `release()` as soon as the instance is free, before
 * delivering the batch's responses, so the next batch starts while the responses are written; the scheduler
 * also releases the instance when the returned promise settles, if that did not happen yet.
 */
export type RunBatch<J extends Job> = (batch: J[], instance: number, release: () => void) => Promise<void>;

/** Scheduler owns the queue of one model version. */
export class Scheduler<J extends Job> {
  private queue: J[] = [];
  private head = 0;
  /** Requests that timed out under the DELAY action: served only when no request in time is waiting. */
  private late: J[] = [];
  private readonly idle: number[];
  private busy = 0;
  private running = 0;
  private batchTimer?: () => void;
  private batchTimerAt?: bigint;
  private expiryTimer?: NodeJS.Timeout;
  private expiryAt?: bigint;
  private closed?: Error;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly opts: SchedulerOptions,
    private readonly runBatch: RunBatch<J>,
  ) {
    this.idle = Array.from({ length: opts.instances }, (_, i) => opts.instances - 1 - i);
  }

  /** pending is the number of requests waiting in the queue (not yet executing). */
  get pending(): number {
    return this.queue.length - this.head + this.late.length;
  }

  /** executing is the number of instances running a batch now. */
  get executing(): number {
    return this.busy;
  }

  /** oldestEnqueuedNs is when the request at the head of the queue entered it (undefined when none waits in time). */
  get oldestEnqueuedNs(): bigint | undefined {
    return this.queue[this.head]?.enqueuedNs;
  }

  /** idleInstances is the number of instances free to start a batch now. */
  get idleInstances(): number {
    return this.idle.length;
  }

  /** executingJobs is the number of requests in the batches running now. */
  get executingJobs(): number {
    return this.running;
  }

  /** submit queues a job; it throws an UNAVAILABLE InferError when the queue is full or the scheduler closed. */
  submit(job: J): void {
    if (this.closed) throw unavailable(`model ${this.opts.modelLabel} is not accepting requests: ${this.closed.message}`);
    if (this.opts.maxQueueSize > 0 && this.pending >= this.opts.maxQueueSize) {
      throw unavailable(
        `inference request for model ${this.opts.modelLabel} rejected: the queue is full (max_queue_size ${this.opts.maxQueueSize})`,
      );
    }
    this.queue.push(job);
    if (job.deadlineNs !== undefined) this.armExpiry(job.deadlineNs);
    this.schedule();
  }

  /** drain resolves once nothing is queued or executing. */
  drain(): Promise<void> {
    if (this.pending === 0 && this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** close fails every queued request with `reason` and refuses new ones; executing batches finish. */
  close(reason: Error): void {
    this.closed = reason;
    const queued = [...this.queue.slice(this.head), ...this.late];
    this.queue = [];
    this.head = 0;
    this.late = [];
    this.batchTimer?.();
    clearTimeout(this.expiryTimer);
    for (const j of queued) j.fail(reason);
    this.checkDrained();
  }

  private schedule(): void {
    while (this.idle.length > 0) {
      const batch = this.next();
      if (!batch) break;
      const instance = this.idle.pop()!;
      this.busy++;
      this.running += batch.length;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.busy--;
        this.running -= batch.length;
        this.idle.push(instance);
        this.schedule();
        this.checkDrained();
      };
      void this.runBatch(batch, instance, release).catch(() => undefined).finally(release);
    }
  }

  /** next takes the next batch off the queue, or arms the batch timer and returns undefined. */
  private next(): J[] | undefined {
    this.compact();
    const live = this.queue.length - this.head;
    const source = live > 0 ? this.queue : this.late;
    const offset = live > 0 ? this.head : 0;
    if (source.length - offset === 0) return undefined;
    if (!this.opts.batching) return this.take(source, offset, 1);
    const decision = formBatch(source, offset, process.hrtime.bigint(), this.opts.batching);
    if ('take' in decision) return this.take(source, offset, decision.take);
    if ('waitUntilNs' in decision) this.armBatchTimer(decision.waitUntilNs);
    return undefined;
  }

  private take(source: J[], offset: number, n: number): J[] {
    const batch = source.slice(offset, offset + n);
    if (source === this.queue) this.head += n;
    else this.late.splice(0, n);
    return batch;
  }

  /**
   * armBatchTimer wakes the scheduler at `atNs`. Node's timers have millisecond granularity (a 100 µs delay
   * would become 1–2 ms), so the last millisecond is waited out with setImmediate, which yields to I/O each turn.
   */
  private armBatchTimer(atNs: bigint): void {
    if (this.batchTimer && this.batchTimerAt !== undefined && this.batchTimerAt <= atNs) return;
    this.batchTimer?.();
    this.batchTimerAt = atNs;
    const fire = (): void => {
      this.batchTimer = undefined;
      this.batchTimerAt = undefined;
      this.schedule();
    };
    const ms = Number(atNs - process.hrtime.bigint()) / 1e6;
    if (ms >= 2) {
      const t = setTimeout(fire, ms - 1);
      this.batchTimer = () => clearTimeout(t);
    } else {
      const t = setImmediate(fire);
      this.batchTimer = () => clearImmediate(t);
    }
  }

  private armExpiry(atNs: bigint): void {
    if (this.expiryTimer && this.expiryAt !== undefined && this.expiryAt <= atNs) return;
    clearTimeout(this.expiryTimer);
    this.expiryAt = atNs;
    const ms = Number(atNs - process.hrtime.bigint()) / 1e6;
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, Math.ceil(ms)));
  }

  /** expire handles every queued request whose timeout has passed, then re-arms for the next deadline. */
  private expire(): void {
    this.expiryTimer = undefined;
    this.expiryAt = undefined;
    const now = process.hrtime.bigint();
    const keep: J[] = [];
    let next: bigint | undefined;
    for (let i = this.head; i < this.queue.length; i++) {
      const j = this.queue[i]!;
      if (j.deadlineNs !== undefined && j.deadlineNs <= now) {
        if (this.opts.timeoutAction === 'DELAY') this.late.push(j);
        else j.fail(unavailable(`inference request for model ${this.opts.modelLabel} timed out in the queue`, 'REJECTED'));
      } else {
        keep.push(j);
        if (j.deadlineNs !== undefined && (next === undefined || j.deadlineNs < next)) next = j.deadlineNs;
      }
    }
    this.queue = keep;
    this.head = 0;
    if (next !== undefined) this.armExpiry(next);
    this.schedule();
    this.checkDrained();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private checkDrained(): void {
    if (this.pending === 0 && this.busy === 0 && this.drainWaiters.length) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
