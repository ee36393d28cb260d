/**
 * LlmRunner: the reference LLM's forward passes on one ONNX Runtime session, with every sequence's KV cache. It
 * runs in the caller's thread (session.run blocks it): the engine puts it in a worker thread; the generation-
 * agreement measure uses it directly.
 *
 * Batching rule: within one forward call each sequence's past fills the `past` slots from slot 0 (right padding:
 * the slots after it are free) and its new tokens fill the new slots from their first (right padding); the
 * attention mask hides every padding slot and the future, so each sequence's tokens and cache are what it would
 * get alone. A step runs its prefills (sequences new to the runner) in as few calls as the padding rule of
 * prefill-groups.ts allows, and all the running sequences' decodes together in one call.
 */
import * as ort from 'onnxruntime-node';
import type { LlmModelInfo, StepInput, StepOutput } from './engine.js';
import { KvCache, type KvShape } from './kv-cache.js';
import { MASKED } from './llm-graph.js';
import { groupPrefills, PREFILL_BATCH_TOKENS } from './prefill-groups.js';
import { ResidentBatch } from './resident-batch.js';

/**
 * defaultPrefillBatchTokens is PREFILL_BATCH_TOKENS, except for int8: its DynamicQuantizeMatMul quantizes a whole
 * input with one scale, which a padded row widens enough to change a prompt's greedy tokens, so int8 prefills run
 * one per call.
 */
export function defaultPrefillBatchTokens(info: LlmModelInfo): number {
  return info.precision === 'int8' ? 0 : PREFILL_BATCH_TOKENS;
}

/** RunnerOptions are the session settings. */
export interface RunnerOptions {
  /** ORT intra-op threads; 0 = ONNX Runtime's default (one per core). */
  intraOpThreads?: number;
  /** Padded prompt tokens at most in one prefill call (see prefill-groups.ts; default defaultPrefillBatchTokens); 0 = each prefill alone. */
  prefillBatchTokens?: number;
}

/** StepResult is a step's tokens plus each stepped sequence's cached length afterwards. */
export interface StepResult {
  outputs: StepOutput[];
  lengths: [number, number][];
}

/** LlmRunner runs steps over batches of sequences and keeps their KV caches. */
export class LlmRunner {
  private readonly caches = new Map<number, KvCache>();
  private readonly shape: KvShape;
  /** The outputs a step fetches: the tokens and the new cache slots (not present_*, which repeat the past). */
  private readonly fetches: string[];
  private readonly resident: ResidentBatch;
  /** calls is the number of graph calls run so far (tests read how prefills were grouped from it). */
  calls = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: LlmModelInfo,
    kvHeads: number,
    private readonly prefillBatchTokens: number,
  ) {
    this.shape = { layers: info.layers, heads: kvHeads, headDim: info.dModel / info.heads };
    this.resident = new ResidentBatch(this.shape, info.maxContext);
    this.fetches = ['next_token'];
    for (let l = 0; l < info.layers; l++) this.fetches.push(`new_key_${l}`, `new_value_${l}`);
  }

  /** create loads the model (a path or ONNX bytes) into a new session. */
  static async create(model: string | Uint8Array, info: LlmModelInfo, opts: RunnerOptions = {}): Promise<LlmRunner> {
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: opts.intraOpThreads ?? 0,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    };
    const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    // The KV head count (1 for multi-query attention, else `heads`) is read from the model itself.
    const pastShape = session.inputMetadata.find((m) => m.name === 'past_key_0');
    const kvDim = pastShape?.isTensor ? pastShape.shape[1] : undefined;
    const runner = new LlmRunner(session, info, typeof kvDim === 'number' ? kvDim : info.heads, opts.prefillBatchTokens ?? defaultPrefillBatchTokens(info));
    const inputs = ['input_ids', 'position_ids', 'attention_mask', 'logit_index'];
    for (let l = 0; l < info.layers; l++) inputs.push(`past_key_${l}`, `past_value_${l}`);
    const missing = [
      ...inputs.filter((n) => !session.inputNames.includes(n)).map((n) => `input ${n}`),
      ...runner.fetches.filter((n) => !session.outputNames.includes(n)).map((n) => `output ${n}`),
    ];
    if (missing.length > 0) {
      await session.release();
      throw new Error(`the model does not match its config (${info.layers} layers) or this builder: no ${missing.join(', ')}; rebuild it`);
    }
    return runner;
  }

  /** kvTokens is the number of tokens held in all caches. */
  kvTokens(): number {
    let n = 0;
    for (const c of this.caches.values()) n += c.length;
    return n;
  }

  /** release frees a sequence's cache (unknown ids are ignored). */
  release(seqId: number): void {
    this.caches.delete(seqId);
    this.resident.remove(seqId);
  }

  /**
   * step checks the whole batch first (nothing runs or changes when one input is bad), then runs it. A sequence
   * whose cache reaches `maxContext` gets `eosToken` as its next token; stepping it again returns `eosToken`
   * without running it.
   */
  async step(batch: readonly StepInput[]): Promise<StepResult> {
    this.check(batch);
    const out = new Map<number, number>();
    const prefills: StepInput[] = [];
    const decodes: StepInput[] = [];
    for (const input of batch) {
      const cache = this.caches.get(input.seqId);
      if (cache === undefined) prefills.push(input);
      else if (cache.length >= this.info.maxContext) out.set(input.seqId, this.info.eosToken);
      else decodes.push(input);
    }
    for (const group of groupPrefills(prefills.map((p) => p.tokens.length), this.prefillBatchTokens)) {
      const members = group.map((i) => prefills[i] as StepInput);
      const tokens = await this.forward(members, true);
      members.forEach((m, i) => out.set(m.seqId, tokens[i] ?? this.info.eosToken));
    }
    if (decodes.length > 0) {
      const tokens = await this.forward(decodes, false);
      decodes.forEach((d, i) => out.set(d.seqId, tokens[i] ?? this.info.eosToken));
    }
    const outputs: StepOutput[] = [];
    const lengths: [number, number][] = [];
    for (const { seqId } of batch) {
      const length = this.caches.get(seqId)?.length ?? 0;
      const token = length >= this.info.maxContext ? this.info.eosToken : (out.get(seqId) ?? this.info.eosToken);
      outputs.push({ seqId, token });
      lengths.push([seqId, length]);
    }
    return { outputs, lengths };
  }

  /** close releases the session. */
  async close(): Promise<void> {
    this.caches.clear();
    this.resident.clear();
    await this.session.release();
  }

  private check(batch: readonly StepInput[]): void {
    const seen = new Set<number>();
    const problems: string[] = [];
    batch.forEach((input, i) => {
      const at = `batch[${i}]`;
      if (!Number.isSafeInteger(input.seqId)) problems.push(`${at}.seqId: must be an integer`);
      else if (seen.has(input.seqId)) problems.push(`${at}.seqId: ${input.seqId} appears twice in the batch`);
      seen.add(input.seqId);
      if (!Array.isArray(input.tokens) || input.tokens.length === 0) {
        problems.push(`${at}.tokens: must be a non-empty array`);
        return;
      }
      const bad = input.tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= this.info.vocabSize);
      if (bad >= 0) problems.push(`${at}.tokens[${bad}]: must be an integer from 0 to ${this.info.vocabSize - 1}`);
      const cached = this.caches.get(input.seqId)?.length ?? 0;
      const atLimit = cached >= this.info.maxContext;
      if (!atLimit && cached + input.tokens.length > this.info.maxContext) {
        problems.push(`${at}.tokens: ${cached} cached + ${input.tokens.length} new tokens exceed the context of ${this.info.maxContext}`);
      }
    });
    if (problems.length > 0) throw new RangeError(`invalid LLM step:\n  ${problems.join('\n  ')}`);
  }

  /**
   * forward runs one graph call over `group` and returns each sequence's next token, appending to its cache.
   * Fresh sequences (prefills) have no past; running ones (decodes) read theirs from the resident batch, whose
   * row order is the call's batch order.
   */
  private async forward(group: readonly StepInput[], fresh: boolean): Promise<number[]> {
    const { layers, heads, headDim } = this.shape;
    const caches = group.map((s) => {
      const c = fresh ? new KvCache(this.shape) : this.caches.get(s.seqId);
      if (c === undefined) throw new Error(`sequence ${s.seqId} has no cache`);
      return c;
    });
    const seq = Math.max(...group.map((s) => s.tokens.length));
    const rowOf = fresh ? group.map((_, i) => i) : this.resident.prepare(group.map((s, i) => ({ seqId: s.seqId, cache: caches[i] as KvCache })), seq);
    const b = group.length;
    const past = fresh ? 0 : this.resident.slots;
    const total = past + seq;
    const ids = new BigInt64Array(b * seq);
    const positions = new BigInt64Array(b * seq);
    const mask = new Float32Array(b * seq * total).fill(MASKED);
    const logitIndex = new BigInt64Array(b);
    group.forEach((s, i) => {
      const row = rowOf[i] ?? 0;
      const p = caches[i]?.length ?? 0;
      logitIndex[row] = BigInt(row * seq + s.tokens.length - 1);
      for (let t = 0; t < s.tokens.length; t++) {
        ids[row * seq + t] = BigInt(s.tokens[t] ?? 0);
        positions[row * seq + t] = BigInt(p + t);
        const base = (row * seq + t) * total;
        mask.fill(0, base, base + p); // the row's past: slots 0 .. p − 1
        mask.fill(0, base + past, base + past + t + 1); // this step's tokens up to itself
      }
    });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [b, seq]),
      position_ids: new ort.Tensor('int64', positions, [b, seq]),
      attention_mask: new ort.Tensor('float32', mask, [b, 1, seq, total]),
      logit_index: new ort.Tensor('int64', logitIndex, [b]),
    };
    for (let l = 0; l < layers; l++) {
      for (const which of ['key', 'value'] as const) {
        const data = fresh ? new Float32Array(0) : this.resident.view(l, which);
        feeds[`past_${which}_${l}`] = new ort.Tensor('float32', data, [b, heads, past, headDim]);
      }
    }
    this.calls++;
    const results = await this.session.run(feeds, this.fetches);
    const next = results['next_token']?.data as BigInt64Array | undefined;
    if (next === undefined) throw new Error('the LLM returned no next_token');
    for (let l = 0; l < layers; l++) {
      const key = results[`new_key_${l}`]?.data as Float32Array | undefined;
      const value = results[`new_value_${l}`]?.data as Float32Array | undefined;
      if (key === undefined || value === undefined) throw new Error(`the LLM returned no new_*_${l}`);
      group.forEach((s, i) => {
        const row = rowOf[i] ?? 0;
        caches[i]?.append(l, key, value, row, seq, 0, s.tokens.length);
        if (!fresh) this.resident.write(l, key, value, row, seq, s.tokens.length);
      });
    }
    for (const t of Object.values(results)) t.dispose();
    return group.map((s, i) => {
      const row = rowOf[i] ?? 0;
      caches[i]?.commit(s.tokens.length);
      if (!fresh) this.resident.commit(row, s.tokens.length);
      if (fresh && caches[i] !== undefined) this.caches.set(s.seqId, caches[i]);
      return Number(next[row] ?? 0n);
    });
  }
}
