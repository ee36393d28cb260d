/**
 * LlmScheduler: iteration-level scheduling of an LlmEngine. One loop runs steps back to back while there is work;
 * between two steps it drops the sequences that finished or whose client went away (their KV cache is released)
 * and admits waiting sequences, whose prefill then runs in the next step beside the running decodes.
 *
 * Admission rule (all modes): the waiting queue is FIFO and the head goes first (a large head is never overtaken).
 * A sequence is admitted only while the running batch has fewer than `maxNumSeqs` sequences and its reservation,
 * prompt + max_tokens tokens, fits what the running sequences leave of the `kvCacheTokens` budget; a running
 * sequence therefore never runs out of cache and nothing is ever preempted. The modes differ in when:
 * - continuous: before every step;
 * - static: only when the batch is empty, taking up to maxNumSeqs waiting sequences as a group that runs to its end;
 * - none: only when the batch is empty, taking one sequence.
 * A sequence ends at EOS (unless ignoreEos), at max_tokens or at the model's context ('length'), or when cancelled.
 */
import type { LlmEngine, StepInput } from './engine.js';
import { SchedulerQueue, type Waiting } from './scheduler-queue.js';
import type { SchedulerListener, SequenceSink, SchedulerLimits, SequenceRequest, Shed } from './scheduler-types.js';

export { isShed } from './scheduler-types.js';
export type { SchedulerListener, SequenceSink, SchedulerLimits, SequenceRequest, Shed } from './scheduler-types.js';

/** Running is a sequence in the batch. */
interface Running extends Waiting {
  prefilled: boolean;
  last: number;
  generated: number;
  reserved: number;
  firstTokenMs?: number;
  lastTokenMs?: number;
  /** It ended (EOS, length or an error) in the last step and leaves the batch after it. */
  done?: boolean;
}

/** SequenceHandle lets the front end cancel a submitted sequence (its client went away). */
export interface SequenceHandle {
  cancel(): void;
}

/** LlmScheduler runs one engine's sequences under a batching mode and limits. */
export class LlmScheduler {
  private readonly queue: SchedulerQueue;
  private running: Running[] = [];
  private reservedTokens = 0;
  private nextId = 1;
  private looping = false;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    readonly engine: LlmEngine,
    readonly limits: SchedulerLimits,
    private readonly listener: SchedulerListener = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.queue = new SchedulerQueue(limits, now);
  }

  /** numRunning is the number of sequences in the running batch. */
  numRunning(): number {
    return this.running.length;
  }

  /** numWaiting is the number of sequences waiting for a place in the batch. */
  numWaiting(): number {
    return this.queue.length;
  }

  /** kvUsage is the share (0-1) of the KV-cache budget that the engine's caches hold now. */
  kvUsage(): number {
    return Math.min(1, this.engine.kvTokens() / this.limits.kvCacheTokens);
  }

  /** full is a Shed when a new request would be refused now (queue full, closing): checked before its body is read. */
  full(): Shed | undefined {
    if (this.closed) return { status: 503, message: 'the server is shutting down' };
    return this.queue.full();
  }

  /** submit queues a sequence, or returns why it is refused (a Shed: 503 when overloaded, 400 when it can never fit). */
  submit(req: SequenceRequest, sink: SequenceSink): SequenceHandle | Shed {
    const need = req.promptTokens.length + req.maxTokens;
    if (need > this.limits.kvCacheTokens) {
      return { status: 400, message: `the prompt (${req.promptTokens.length} tokens) and max_tokens (${req.maxTokens}) need ${need} KV-cache tokens, more than this server's whole budget of ${this.limits.kvCacheTokens}` };
    }
    const shed = this.full();
    if (shed) return shed;
    const seq: Waiting = { id: this.nextId++, req, sink, need, arrivedMs: this.now(), cancelled: false };
    this.queue.push(seq);
    this.listener.onQueued?.();
    this.kick();
    return { cancel: () => this.cancel(seq) };
  }

  /** close refuses new sequences, ends the waiting ones with 503 and lets the running ones finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.queue.drain()) w.sink.onError(503, 'the server is shutting down');
    if (this.looping) await new Promise<void>((r) => this.idle.push(r));
  }

  private cancel(seq: Waiting): void {
    if (seq.cancelled) return;
    seq.cancelled = true;
    // A waiting sequence leaves at once; a running one at the next step (its forward pass may be under way).
    if (this.queue.remove(seq)) this.listener.onQueued?.();
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    void this.loop().finally(() => {
      this.looping = false;
      for (const r of this.idle.splice(0)) r();
      if (this.queue.length > 0 && !this.closed) this.kick();
    });
  }

  private async loop(): Promise<void> {
    for (;;) {
      // Let the event loop read the requests that have arrived first, so that they can join this step.
      await new Promise<void>((r) => setImmediate(r));
      this.dropCancelled();
      for (const w of this.queue.expire()) w.sink.onError(503, `waited over ${this.limits.maxQueueDelayMs} ms for a place in the batch; retry later`);
      this.admit();
      if (this.running.length === 0) return;
      const batch: StepInput[] = this.running.map((s) => ({ seqId: s.id, tokens: s.prefilled ? [s.last] : s.req.promptTokens }));
      let out;
      try {
        out = await this.engine.step(batch);
      } catch (err) {
        for (const s of this.running.splice(0)) this.finish(s, () => s.sink.onError(500, `the model failed: ${(err as Error).message}`));
        continue;
      }
      const at = this.now();
      const byId = new Map(out.map((o) => [o.seqId, o.token]));
      for (const s of this.running) {
        try {
          this.advance(s, byId.get(s.id), at);
        } catch (err) {
          // A sink that throws (its text could not be decoded, say) fails its own sequence, never the loop.
          s.done = true;
          try {
            s.sink.onError(500, `the answer could not be written: ${(err as Error).message}`);
          } catch {
            // nothing more can be told to this client
          }
        }
      }
      const still: Running[] = [];
      for (const s of this.running) if (s.cancelled || s.done) this.finish(s); else still.push(s);
      this.running = still;
    }
  }

  private dropCancelled(): void {
    if (!this.running.some((s) => s.cancelled)) return;
    const still: Running[] = [];
    for (const s of this.running) if (s.cancelled) this.finish(s); else still.push(s);
    this.running = still;
  }

  private admit(): void {
    const mode = this.limits.batching;
    if (mode !== 'continuous' && this.running.length > 0) return;
    const max = mode === 'none' ? 1 : this.limits.maxNumSeqs;
    let admitted = false;
    for (;;) {
      const head = this.queue.peek();
      if (!head || this.running.length >= max || this.reservedTokens + head.need > this.limits.kvCacheTokens) break;
      this.queue.shift();
      this.reservedTokens += head.need;
      // The same object: the handle's cancel() marks what the loop sees.
      this.running.push(Object.assign(head, { prefilled: false, last: 0, generated: 0, reserved: head.need }));
      admitted = true;
    }
    if (admitted) this.listener.onQueued?.();
  }

  private advance(s: Running, token: number | undefined, at: number): void {
    if (s.cancelled) return;
    if (token === undefined) {
      s.done = true;
      s.sink.onError(500, `the model returned no token for sequence ${s.id}`);
      return;
    }
    const firstStep = !s.prefilled;
    s.prefilled = true;
    if (firstStep) this.listener.onPrompt?.(s.req.promptTokens.length);
    const gapMs = s.lastTokenMs === undefined ? undefined : at - s.lastTokenMs;
    if (s.firstTokenMs === undefined) {
      s.firstTokenMs = at;
      this.listener.onFirstToken?.((at - s.arrivedMs) / 1000);
    } else if (gapMs !== undefined) this.listener.onTokenGap?.(gapMs / 1000);
    s.lastTokenMs = at;
    s.last = token;
    s.generated++;
    this.listener.onGenerated?.(1);
    // EOS is not sent as text, but it was generated: it counts in completion_tokens, as in vLLM.
    if (token === this.engine.info.eosToken && !s.req.ignoreEos) return this.end(s, 'stop', at);
    s.sink.onToken(token);
    const atContext = s.req.promptTokens.length + s.generated >= this.engine.info.maxContext;
    if (s.generated >= s.req.maxTokens || atContext) this.end(s, 'length', at);
  }

  private end(s: Running, reason: 'stop' | 'length', at: number): void {
    s.done = true;
    this.listener.onFinished?.((at - s.arrivedMs) / 1000, reason);
    s.sink.onEnd({ finishReason: reason, promptTokens: s.req.promptTokens.length, completionTokens: s.generated });
  }

  private finish(s: Running, also?: () => void): void {
    this.engine.release(s.id);
    this.reservedTokens -= s.reserved;
    also?.();
  }
}
