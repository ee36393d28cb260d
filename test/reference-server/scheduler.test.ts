/**
 * Unit tests of the dynamic batcher's decision (formBatch, a pure function) and of the Scheduler's queue policy,
 * with a `runBatch` collaborator the test controls: each call is recorded and finishes when the test says so.
 * Queue timeouts run on fake timers (setTimeout and process.hrtime), so expiry happens exactly when advanced to.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InferError } from '../../reference-server/core/errors.js';
import { type BatchPolicy, type Candidate, type Decision, formBatch } from '../../reference-server/scheduler/form-batch.js';
import { type Job, Scheduler, type SchedulerOptions } from '../../reference-server/scheduler/scheduler.js';

const MS = 1_000_000n;
const T0 = 1_000n * MS;
const at = (ms: number): bigint => T0 + BigInt(ms) * MS;
/** q builds a queue from `size[:shape]@enqueuedMs` entries, e.g. `2:a@0`. */
const q = (...specs: string[]): Candidate[] =>
  specs.map((s) => {
    const m = /^(\d+)(?::(\w+))?@(\d+)$/.exec(s);
    if (!m) throw new Error(`bad spec ${s}`);
    return { batchSize: Number(m[1]), shapeKey: m[2] ?? '16', enqueuedNs: at(Number(m[3])) };
  });
const policy = (preferred: number[] = [], delayMs = 10, maxBatchSize = 8): BatchPolicy => ({ maxBatchSize, preferred, maxQueueDelayNs: BigInt(delayMs) * MS });

describe('formBatch', () => {
  it.each<[string, Candidate[], number, number, BatchPolicy, Decision]>([
    ['an empty queue is idle', [], 0, 0, policy(), { idle: true }],
    ['a full batch goes at once', q('4@0', '4@1'), 0, 2, policy(), { take: 2 }],
    ['a full batch leaves the rest queued', q('4@0', '4@1', '1@1'), 0, 2, policy(), { take: 2 }],
    ['reaching the largest preferred size goes at once', q('1@0', '1@0', '1@1', '1@1', '1@1'), 0, 2, policy([2, 4]), { take: 4 }],
    ['a multi-row request can complete the preferred size', q('3@0', '1@1'), 0, 2, policy([4]), { take: 2 }],
    ['a smaller preferred size waits for the delay', q('1@0', '1@1'), 0, 2, policy([2, 4]), { waitUntilNs: at(10) }],
    ['a partial batch waits until the oldest request’s delay ends', q('1@3', '1@5'), 0, 6, policy(), { waitUntilNs: at(13) }],
    ['when the delay ends, the largest preferred size reached goes', q('1@0', '1@1', '1@2'), 0, 10, policy([2, 4]), { take: 2 }],
    ['when the delay ends with no preferred size reached, everything goes', q('3@0'), 0, 11, policy([2, 4]), { take: 1 }],
    ['when the delay ends without preferred sizes, everything goes', q('1@0', '1@1', '1@2'), 0, 10, policy(), { take: 3 }],
    ['a preferred size jumped over does not count', q('3@0', '3@0'), 0, 10, policy([4]), { take: 2 }],
    ['a delay of 0 sends what is there at once', q('1@0', '1@0', '1@0'), 0, 0, policy([], 0), { take: 3 }],
    ['another shape stops the batch, which goes at once', q('1:a@0', '1:a@0', '1:b@0', '1:a@0'), 0, 1, policy(), { take: 2 }],
    ['another shape at the head makes a batch of its own', q('1:b@0', '1:a@0'), 0, 1, policy(), { take: 1 }],
    ['a request that does not fit stops the batch, which goes at once', q('3@0', '3@0', '3@0'), 0, 1, policy(), { take: 2 }],
    ['a request that does not fit comes next', q('3@0', '3@0', '3@0'), 2, 1, policy(), { waitUntilNs: at(10) }],
    ['it starts at `start`, timing from that request', q('8@0', '1@4', '1@5'), 1, 6, policy(), { waitUntilNs: at(14) }],
  ])('%s', (_label, queue, start, nowMs, p, decision) => {
    expect(formBatch(queue, start, at(nowMs), p)).toEqual(decision);
  });
});

interface TestJob extends Job {
  id: string;
  failed?: Error;
  failedNow: Promise<Error>;
}

/** job makes a job; `deadlineMs` is its queue timeout from now (process.hrtime, faked in some tests). */
function job(id: string, opts: { deadlineMs?: number; batchSize?: number } = {}): TestJob {
  let onFail!: (e: Error) => void;
  const j: TestJob = {
    id,
    batchSize: opts.batchSize ?? 1,
    shapeKey: '16',
    enqueuedNs: process.hrtime.bigint(),
    failedNow: new Promise<Error>((r) => (onFail = r)),
    fail(err) {
      j.failed = err;
      onFail(err);
    },
  };
  if (opts.deadlineMs !== undefined) j.deadlineNs = process.hrtime.bigint() + BigInt(opts.deadlineMs) * MS;
  return j;
}

/** Harness is a Scheduler over a runBatch that records each batch and finishes it when told. */
class Harness {
  readonly batches: { ids: string[]; instance: number; finish: () => void }[] = [];
  private waiters: (() => void)[] = [];
  readonly scheduler: Scheduler<TestJob>;

  constructor(opts: Partial<SchedulerOptions>) {
    this.scheduler = new Scheduler<TestJob>({ modelLabel: "'m' version 1", instances: 1, maxQueueSize: 0, timeoutAction: 'REJECT', ...opts }, (batch, instance) => {
      return new Promise<void>((finish) => {
        this.batches.push({ ids: batch.map((j) => j.id), instance, finish });
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  /** batch resolves with the n-th batch (0-based) once runBatch has been called for it. */
  async batch(n: number): Promise<{ ids: string[]; instance: number; finish: () => void }> {
    while (this.batches.length <= n) await new Promise<void>((r) => this.waiters.push(r));
    return this.batches[n]!;
  }
}

describe('Scheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs jobs one at a time in arrival order without batching, on each free instance', async () => {
    const h = new Harness({ instances: 2 });
    for (const id of ['a', 'b', 'c']) h.scheduler.submit(job(id));
    expect(h.batches.map((b) => b.ids)).toEqual([['a'], ['b']]);
    expect(new Set(h.batches.map((b) => b.instance))).toEqual(new Set([0, 1]));
    expect(h.scheduler.pending).toBe(1);
    expect(h.scheduler.executing).toBe(2);
    h.batches[1]!.finish();
    expect((await h.batch(2)).ids).toEqual(['c']);
    expect((await h.batch(2)).instance).toBe(h.batches[1]!.instance);
  });

  it('batches what waited while the instance was busy', async () => {
    const h = new Harness({ batching: policy([], 0) });
    for (const id of ['a', 'b', 'c', 'd']) h.scheduler.submit(job(id));
    expect(h.batches.map((b) => b.ids)).toEqual([['a']]);
    h.batches[0]!.finish();
    expect((await h.batch(1)).ids).toEqual(['b', 'c', 'd']);
  });

  it('holds a partial batch until the queue delay ends (real timers: awaits the call)', async () => {
    const h = new Harness({ batching: policy([], 20) });
    const t0 = process.hrtime.bigint();
    h.scheduler.submit(job('a'));
    h.scheduler.submit(job('b'));
    expect(h.batches).toHaveLength(0);
    expect((await h.batch(0)).ids).toEqual(['a', 'b']);
    expect(process.hrtime.bigint() - t0).toBeGreaterThanOrEqual(20n * MS);
  });

  it('rejects a job at once when the queue is full, naming max_queue_size', () => {
    const h = new Harness({ maxQueueSize: 2 });
    for (const id of ['running', 'q1', 'q2']) h.scheduler.submit(job(id));
    expect(h.scheduler.pending).toBe(2);
    let err: unknown;
    try {
      h.scheduler.submit(job('q3'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InferError);
    expect((err as InferError).status).toBe('UNAVAILABLE');
    expect((err as InferError).reason).toBe('REJECTED');
    expect((err as InferError).message).toMatch(/inference request for model 'm' version 1 rejected: the queue is full \(max_queue_size 2\)/);
    expect(h.scheduler.pending).toBe(2);
  });

  it('fails a job whose queue timeout passes under REJECT, and runs the others', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'hrtime'] });
    const h = new Harness({ timeoutAction: 'REJECT' });
    const late = job('late', { deadlineMs: 50 });
    for (const j of [job('running'), late, job('patient')]) h.scheduler.submit(j);
    await vi.advanceTimersByTimeAsync(49);
    expect(late.failed).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const err = await late.failedNow;
    expect(err).toBeInstanceOf(InferError);
    expect((err as InferError).status).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/inference request for model 'm' version 1 timed out in the queue/);
    expect(h.scheduler.pending).toBe(1);
    h.batches[0]!.finish();
    expect((await h.batch(1)).ids).toEqual(['patient']);
  });

  it('moves a timed-out job behind every job still in time under DELAY, and still runs it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'hrtime'] });
    const h = new Harness({ timeoutAction: 'DELAY' });
    const late = job('late', { deadlineMs: 10 });
    for (const j of [job('running'), late, job('b'), job('c')]) h.scheduler.submit(j);
    await vi.advanceTimersByTimeAsync(10);
    h.scheduler.submit(job('d'));
    for (let n = 0; n < 4; n++) {
      h.batches[n]!.finish();
      await h.batch(n + 1);
    }
    expect(h.batches.map((b) => b.ids[0])).toEqual(['running', 'b', 'c', 'd', 'late']);
    expect(late.failed).toBeUndefined();
  });

  it('close fails every queued job with the reason, lets running ones finish, and refuses new jobs', async () => {
    const h = new Harness({ batching: policy([], 1000) });
    const jobs = ['a', 'b', 'c'].map((id) => job(id, { batchSize: 4 }));
    for (const j of jobs) h.scheduler.submit(j);
    expect(h.batches.map((b) => b.ids)).toEqual([['a', 'b']]);
    const drained = h.scheduler.drain();
    h.scheduler.close(new InferError('UNAVAILABLE', 'shutting down'));
    expect(jobs.map((j) => j.failed?.message)).toEqual([undefined, undefined, 'shutting down']);
    expect(h.scheduler.pending).toBe(0);
    expect(() => h.scheduler.submit(job('d'))).toThrow(/not accepting requests: shutting down/);
    h.batches[0]!.finish();
    await drained;
    expect(h.scheduler.executing).toBe(0);
  });
});
