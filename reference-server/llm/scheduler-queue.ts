/**
 * SchedulerQueue is the LLM scheduler's waiting queue: FIFO, bounded in length (a request past the bound is shed
 * before any work) and in waiting time (a sequence past it is taken out, to be answered 503).
 */
import type { SchedulerLimits, SequenceRequest, SequenceSink, Shed } from './scheduler-types.js';

/** Waiting is a sequence that has not yet entered the batch. */
export interface Waiting {
  id: number;
  req: SequenceRequest;
  sink: SequenceSink;
  /** KV-cache tokens it reserves once admitted: prompt + max_tokens. */
  need: number;
  arrivedMs: number;
  cancelled: boolean;
}

/** SchedulerQueue holds waiting sequences in arrival order. */
export class SchedulerQueue {
  private items: Waiting[] = [];

  constructor(
    private readonly limits: SchedulerLimits,
    private readonly now: () => number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** full is a Shed (503) when the queue holds maxQueue sequences. */
  full(): Shed | undefined {
    if (this.items.length < this.limits.maxQueue) return undefined;
    return { status: 503, message: `the LLM's waiting queue is full (${this.limits.maxQueue} requests); retry later` };
  }

  push(w: Waiting): void {
    this.items.push(w);
  }

  peek(): Waiting | undefined {
    return this.items[0];
  }

  shift(): Waiting | undefined {
    return this.items.shift();
  }

  /** remove takes a sequence out (its client went away); false when it was not waiting. */
  remove(w: Waiting): boolean {
    const i = this.items.indexOf(w);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** expire takes out the sequences that waited over maxQueueDelayMs (the oldest are at the head). */
  expire(): Waiting[] {
    const max = this.limits.maxQueueDelayMs;
    if (max <= 0) return [];
    const t = this.now();
    let n = 0;
    while (n < this.items.length && t - this.items[n]!.arrivedMs > max) n++;
    return this.items.splice(0, n);
  }

  /** drain empties the queue. */
  drain(): Waiting[] {
    return this.items.splice(0);
  }
}
