/**
 * The LLM scheduler on the test engine (scheduler-test-engine.ts; the real engine's tests are the lead's after the
 * merge): continuous batching admits between steps, static waits for the group, none serializes; EOS, max_tokens,
 * the context and ignore_eos end sequences; the KV-cache and sequence limits hold; a full queue sheds at once; a
 * long wait ends in 503; a cancelled sequence leaves at the next step and its cache is released.
 */
import { describe, expect, it } from 'vitest';
import { isShed, LlmScheduler, type SchedulerLimits, type SequenceSink } from '../../../reference-server/llm/scheduler.js';
import type { SequenceEnd } from '../../../reference-server/llm/scheduler-types.js';
import { TestEngine, type TestEngineOptions } from './scheduler-test-engine.js';

/** Run is a submitted sequence: its tokens, how it ended, and the global order of its events. */
interface Run {
  tokens: number[];
  done: Promise<SequenceEnd | { status: number; message: string }>;
  cancel(): void;
}

const order: string[] = [];

function setup(limits: Partial<SchedulerLimits> = {}, engine: TestEngineOptions = { fixedMs: 2, perSeqMs: 1 }): { s: LlmScheduler; e: TestEngine } {
  const e = new TestEngine(engine);
  const s = new LlmScheduler(e, { batching: 'continuous', maxNumSeqs: 8, kvCacheTokens: 8 * 128, maxQueue: 16, maxQueueDelayMs: 0, ...limits });
  return { s, e };
}

function submit(s: LlmScheduler, name: string, prompt: number[], maxTokens: number, ignoreEos = false): Run {
  const tokens: number[] = [];
  let sink!: SequenceSink;
  const done = new Promise<SequenceEnd | { status: number; message: string }>((resolve) => {
    sink = {
      onToken: (t) => {
        tokens.push(t);
        order.push(`${name}:${tokens.length}`);
      },
      onEnd: (end) => {
        order.push(`${name}:end`);
        resolve(end);
      },
      onError: (status, message) => resolve({ status, message }),
    };
  });
  const h = s.submit({ promptTokens: prompt, maxTokens, ignoreEos }, sink);
  if (isShed(h)) throw new Error(`shed: ${h.message}`);
  return { tokens, done, cancel: () => h.cancel() };
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in 5 s');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('LlmScheduler', () => {
  it('generates greedily and ends at EOS, at max_tokens, at the context, and runs past EOS with ignore_eos', async () => {
    const { s, e } = setup();
    const eos = submit(s, 'eos', [1, 60], 20);
    const len = submit(s, 'len', [1, 10], 3);
    const ign = submit(s, 'ign', [62], 4, true);
    const ctx = submit(s, 'ctx', Array.from({ length: 125 }, () => 5), 10);
    expect(await eos.done).toEqual({ finishReason: 'stop', promptTokens: 2, completionTokens: 4 });
    expect(eos.tokens).toEqual([61, 62, 63]); // EOS (0) is counted, not sent
    expect(await len.done).toEqual({ finishReason: 'length', promptTokens: 2, completionTokens: 3 });
    expect(len.tokens).toEqual([11, 12, 13]);
    expect(await ign.done).toMatchObject({ finishReason: 'length', completionTokens: 4 });
    expect(ign.tokens).toEqual([63, 0, 1, 2]);
    expect(await ctx.done).toMatchObject({ finishReason: 'length', completionTokens: 3 });
    await until(() => s.numRunning() === 0);
    expect(e.kvTokens()).toBe(0);
    expect(e.released.sort()).toEqual([1, 2, 3, 4]);
  });

  it('continuous: a sequence that arrives mid-run joins the batch at the next step and gets its first token before the first one ends', async () => {
    order.length = 0;
    const { s, e } = setup();
    const a = submit(s, 'a', [1], 30);
    await until(() => a.tokens.length >= 3);
    const b = submit(s, 'b', [1, 1, 1], 5);
    await Promise.all([a.done, b.done]);
    expect(order.indexOf('b:1')).toBeLessThan(order.indexOf('a:end'));
    // b's prefill (3 prompt tokens) ran in the same step as one of a's decodes (1 token).
    const join = e.steps.find((st) => st.seqIds.includes(2));
    expect(join).toEqual({ seqIds: [1, 2], tokens: [1, 3] });
  });

  it('static: a sequence that arrives mid-group waits until the whole group has ended', async () => {
    order.length = 0;
    const { s, e } = setup({ batching: 'static' });
    const a1 = submit(s, 'a1', [1], 10);
    const a2 = submit(s, 'a2', [1], 4);
    await until(() => a1.tokens.length >= 2);
    const b = submit(s, 'b', [1], 3);
    await Promise.all([a1.done, a2.done, b.done]);
    expect(order.indexOf('b:1')).toBeGreaterThan(order.indexOf('a1:end'));
    expect(e.steps[0]!.seqIds).toEqual([1, 2]); // the group started together
    expect(e.steps.every((st) => !(st.seqIds.includes(3) && st.seqIds.length > 1))).toBe(true);
  });

  it('none: one sequence at a time, in arrival order', async () => {
    order.length = 0;
    const { s, e } = setup({ batching: 'none' });
    const runs = [submit(s, 'x', [1], 3), submit(s, 'y', [1], 3), submit(s, 'z', [1], 3)];
    await Promise.all(runs.map((r) => r.done));
    expect(e.steps.every((st) => st.seqIds.length === 1)).toBe(true);
    expect(order.filter((o) => o.endsWith(':end'))).toEqual(['x:end', 'y:end', 'z:end']);
  });

  it('admits no more than max_num_seqs, and only what fits the KV-cache budget (prompt + max_tokens reserved)', async () => {
    const { s, e } = setup({ maxNumSeqs: 3, kvCacheTokens: 30 });
    // Each reserves 2 + 8 = 10 tokens: three fit by both limits; the fourth waits for a place.
    const runs = [1, 2, 3, 4].map((i) => submit(s, `k${i}`, [1, 1], 8, true));
    await until(() => e.steps.length >= 1);
    expect(s.numRunning()).toBe(3);
    expect(s.numWaiting()).toBe(1);
    await Promise.all(runs.map((r) => r.done));
    expect(Math.max(...e.steps.map((st) => st.seqIds.length))).toBe(3);
    // A budget of 25 fits two sequences of 10, never three, even with max_num_seqs 8.
    const t = setup({ kvCacheTokens: 25 });
    const more = [1, 2, 3].map((i) => submit(t.s, `m${i}`, [1, 1], 8, true));
    await Promise.all(more.map((r) => r.done));
    expect(Math.max(...t.e.steps.map((st) => st.seqIds.length))).toBe(2);
    // A sequence that could never fit is refused at once with 400.
    const never = t.s.submit({ promptTokens: [1, 1], maxTokens: 30, ignoreEos: false }, { onToken() {}, onEnd() {}, onError() {} });
    expect(isShed(never) && never.status).toBe(400);
  });

  it('sheds at once with 503 when the queue is full, and ends a sequence that waits past max_queue_delay_ms with 503', async () => {
    const { s } = setup({ batching: 'none', maxQueue: 2, maxQueueDelayMs: 30 }, { fixedMs: 10 });
    const first = submit(s, 'f', [1], 10, true); // runs ~100 ms
    await until(() => s.numRunning() === 1);
    const w1 = submit(s, 'w1', [1], 2);
    submit(s, 'w2', [1], 2);
    const shed = s.submit({ promptTokens: [1], maxTokens: 2, ignoreEos: false }, { onToken() {}, onEnd() {}, onError() {} });
    expect(isShed(shed) && shed.status).toBe(503);
    expect(s.full()?.status).toBe(503);
    expect(await w1.done).toMatchObject({ status: 503, message: expect.stringContaining('waited over 30 ms') });
    expect(await first.done).toMatchObject({ finishReason: 'length' });
  });

  it('a cancelled sequence leaves the batch at the next step and its KV cache is released', async () => {
    const { s, e } = setup();
    const a = submit(s, 'a', [1], 50, true);
    const b = submit(s, 'b', [1], 50, true);
    await until(() => a.tokens.length >= 2);
    a.cancel();
    const at = e.steps.length;
    await until(() => e.released.includes(1));
    expect(e.steps.slice(at + 1).every((st) => !st.seqIds.includes(1))).toBe(true);
    expect(a.tokens.length).toBeLessThan(10);
    expect(await b.done).toMatchObject({ completionTokens: 50 });
    // A waiting sequence that is cancelled never runs.
    const n = setup({ batching: 'none' });
    const x = submit(n.s, 'x', [1], 5);
    const y = submit(n.s, 'y', [1], 5);
    y.cancel();
    await x.done;
    expect(n.s.numWaiting()).toBe(0);
    expect(n.e.steps.every((st) => !st.seqIds.includes(2))).toBe(true);
  });

  it('a sink that throws fails its own sequence only, and the loop goes on', async () => {
    const { s, e } = setup();
    let failed: number | undefined;
    const bad = s.submit({ promptTokens: [1], maxTokens: 5, ignoreEos: false }, {
      onToken: () => {
        throw new Error('cannot decode');
      },
      onEnd() {},
      onError: (status) => (failed = status),
    });
    expect(isShed(bad)).toBe(false);
    const good = submit(s, 'good', [1], 5);
    await until(() => failed !== undefined && e.released.length === 2);
    expect(await good.done).toMatchObject({ finishReason: 'length', completionTokens: 5 });
    expect(failed).toBe(500);
    expect(e.released.sort()).toEqual([1, 2]);
  });

  it('a failing step ends its sequences with 500 and releases them', async () => {
    const { s, e } = setup({}, { failWith: 'boom' });
    const a = submit(s, 'a', [1], 5);
    expect(await a.done).toEqual({ status: 500, message: 'the model failed: boom' });
    expect(e.released).toEqual([1]);
  });
});
