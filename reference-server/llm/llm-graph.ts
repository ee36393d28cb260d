/**
 * The reference LLM's ONNX graph: a small decoder-only transformer (pre-LayerNorm, learned positions, GELU MLP,
 * untied output head) with a KV cache as graph inputs and outputs, built by our own ONNX writer.
 *
 * One graph serves prefill and decode. Inputs: `input_ids` and `position_ids` (INT64 [batch, seq]),
 * `attention_mask` (FP32 [batch, 1, seq, past + seq], additive: 0 = attend, MASKED = not) and per layer i
 * `past_key_i` / `past_value_i` (FP32 [batch, kvHeads, past, headDim]; kvHeads is 1 by default: multi-query
 * attention, every query head reads the one KV head, which keeps the cache and its per-step traffic small) and
 * `logit_index` (INT64 [batch]: for each row, the flat index row × seq + position of the position whose next token
 * it wants, usually its last real one). Outputs: `next_token` (INT64 [batch], the greedy argmax after that position) and `present_key_i` / `present_value_i` (past and this step's keys and
 * values concatenated along the sequence axis) and `new_key_i` / `new_value_i` (this step's alone,
 * [batch, heads, seq, headDim]). Prefill is past = 0 and seq = prompt length; decode is seq = 1.
 */
import { resolveOptions } from '../models/family.js';
import { Layers, type Precision } from '../models/layers.js';
import { DataType } from '../models/onnx.js';
import { Weights } from '../models/random.js';

/** LlmOptions are the reference LLM's sizes and weight seed. */
export type LlmOptions = {
  seed: number;
  layers: number;
  dModel: number;
  heads: number;
  /** Key/value heads: 1 (multi-query attention, the default: a 4× smaller KV cache) or `heads` (multi-head). */
  kvHeads: number;
  ffn: number;
  vocab: number;
  maxContext: number;
};

/** LLM_DEFAULTS is the bundled LLM: 2 layers, d_model 256, 4 query heads sharing 1 KV head, FFN 1024, vocabulary 4096, context 512. */
export const LLM_DEFAULTS: Readonly<LlmOptions> = {
  seed: 0,
  layers: 2,
  dModel: 256,
  heads: 4,
  kvHeads: 1,
  ffn: 1024,
  vocab: 4096,
  maxContext: 512,
};

/**
 * MASKED is the additive attention-mask value for a key a query must not see. Subtleness ahead: it must stay
 * finite in FP16 (−1e9 would become −Inf and a fully masked padding row would give NaN); exp(−1e4) is 0 in FP32.
 */
export const MASKED = -1e4;

/** resolveLlmOptions merges `options` over LLM_DEFAULTS and checks them. */
export function resolveLlmOptions(options: Partial<LlmOptions> = {}): LlmOptions {
  const o = resolveOptions('llm', LLM_DEFAULTS, options);
  if (o.dModel % o.heads !== 0) throw new Error(`llm: dModel ${o.dModel} is not a multiple of heads ${o.heads}`);
  if (o.kvHeads !== 1 && o.kvHeads !== o.heads) throw new Error(`llm: kvHeads ${o.kvHeads} must be 1 or heads (${o.heads})`);
  if (o.vocab < 2) throw new Error('llm: vocab must be at least 2 (one id is EOS)');
  return o;
}

/** buildLlmGraph returns the ONNX bytes of the reference LLM in `precision` (graph I/O FP32/INT64 in every precision). */
export function buildLlmGraph(options: Partial<LlmOptions>, precision: Precision): Uint8Array {
  const o = resolveLlmOptions(options);
  const w = new Weights(o.seed, 'llm');
  const L = new Layers('llm', precision);
  const g = L.g;
  const d = o.dModel;
  const headDim = d / o.heads;
  const scalar = (hint: string, v: number): string => L.constant(hint, [], Float32Array.of(v));
  const splitHeads = g.int64s('split_heads_shape', [0, 0, o.heads, headDim]);
  const splitKvHeads = g.int64s('split_kv_heads_shape', [0, 0, o.kvHeads, headDim]);
  const kvWidth = o.kvHeads * headDim;
  const mergeHeads = g.int64s('merge_heads_shape', [0, 0, d]);
  const attnScale = scalar('attn_scale', 1 / Math.sqrt(headDim));
  const sqrt2 = scalar('sqrt2', Math.SQRT2);
  const one = scalar('one', 1);
  const half = scalar('half', 0.5);
  const kvDims = (len: string): (string | number)[] => ['batch', o.kvHeads, len, headDim];

  const linear = (name: string, x: string, k: number, n: number, std: number): string => {
    const weight = w.tensor(`${name}.weight`, k * n, { kind: 'normal', std });
    const bias = w.tensor(`${name}.bias`, n, { kind: 'normal', std: 0.02 });
    return L.linear(name, x, weight, bias, k, n);
  };
  const layerNorm = (name: string, x: string): string => {
    const gamma = L.constant(`${name}.gamma`, [d], w.tensor(`${name}.gamma`, d, { kind: 'normal', std: 0.05, mean: 1 }));
    const beta = L.constant(`${name}.beta`, [d], w.tensor(`${name}.beta`, d, { kind: 'normal', std: 0.05 }));
    return L.op('LayerNormalization', [x, gamma, beta], { axis: { i: -1 }, epsilon: { f: 1e-5 } });
  };
  const heads = (x: string, shape = splitHeads): string => L.op('Transpose', [L.op('Reshape', [x, shape])], { perm: { ints: [0, 2, 1, 3] } });

  const ids = g.input('input_ids', DataType.INT64, ['batch', 'seq']);
  const positions = g.input('position_ids', DataType.INT64, ['batch', 'seq']);
  const mask = L.input('attention_mask', ['batch', 1, 'seq', 'total']);
  const tokenTable = L.constant('embed.tokens', [o.vocab, d], w.tensor('embed.tokens', o.vocab * d, { kind: 'normal', std: 1 }));
  const posTable = L.constant('embed.positions', [o.maxContext, d], w.tensor('embed.positions', o.maxContext * d, { kind: 'normal', std: 0.3 }));
  let x = L.op('Add', [L.op('Gather', [tokenTable, ids]), L.op('Gather', [posTable, positions])]);
  for (let i = 0; i < o.layers; i++) {
    const p = `layer${i}`;
    const h = layerNorm(`${p}.ln1`, x);
    const xavier = Math.sqrt(1 / d);
    const q = L.op('Mul', [heads(linear(`${p}.attn.q`, h, d, d, xavier)), attnScale]);
    const kNew = heads(linear(`${p}.attn.k`, h, d, kvWidth, xavier), splitKvHeads);
    const vNew = heads(linear(`${p}.attn.v`, h, d, kvWidth, xavier), splitKvHeads);
    const k = L.op('Concat', [L.input(`past_key_${i}`, kvDims('past')), kNew], { axis: { i: 2 } });
    const v = L.op('Concat', [L.input(`past_value_${i}`, kvDims('past')), vNew], { axis: { i: 2 } });
    // [b, heads, seq, d] · [b, kvHeads, d, total] → [b, heads, seq, total] (one KV head broadcasts over all), plus the mask.
    const scores = L.op('Add', [L.op('MatMul', [q, L.op('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } })]), mask]);
    const probs = L.op('Softmax', [scores], { axis: { i: -1 } });
    const context = L.op('Transpose', [L.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } });
    const attn = linear(`${p}.attn.out`, L.op('Reshape', [context, mergeHeads]), d, d, xavier / Math.sqrt(o.layers));
    x = L.op('Add', [x, attn]);
    const up = linear(`${p}.mlp.up`, layerNorm(`${p}.ln2`, x), d, o.ffn, Math.sqrt(2 / d));
    // GELU(u) = 0.5 · u · (1 + erf(u / √2)).
    const gelu = L.op('Mul', [L.op('Mul', [up, L.op('Add', [L.op('Erf', [L.op('Div', [up, sqrt2])]), one])]), half]);
    x = L.op('Add', [x, linear(`${p}.mlp.down`, gelu, o.ffn, d, Math.sqrt(1 / o.ffn))]);
    L.output(k, `present_key_${i}`, kvDims('total'));
    L.output(v, `present_value_${i}`, kvDims('total'));
    // The new slots alone: what the engine fetches (present_* would copy the whole past out again every step).
    L.output(L.op('Identity', [kNew]), `new_key_${i}`, kvDims('seq'));
    L.output(L.op('Identity', [vNew]), `new_value_${i}`, kvDims('seq'));
  }
  // Only the positions the caller reads reach the head (a prefill reads its last one): the head is ~40 % of a
  // prefill's multiply-adds otherwise. logit_index holds flat indices into the [batch × seq] positions.
  const rows = L.op('Gather', [L.op('Reshape', [x, g.int64s('flat_positions_shape', [-1, d])]), g.input('logit_index', DataType.INT64, ['batch'])]);
  const headWeight = w.tensor('head.weight', d * o.vocab, { kind: 'normal', std: Math.sqrt(1 / d) });
  let logits = L.linear('head', layerNorm('ln_f', rows), headWeight, new Float32Array(o.vocab), d, o.vocab);
  if (precision === 'fp16') logits = L.op('Cast', [logits], { to: { i: DataType.FLOAT } });
  // ArgMax keeps the first of equal maxima: ties break towards the lower id, deterministically.
  const next = L.op('ArgMax', [logits], { axis: { i: -1 }, keepdims: { i: 0 } });
  g.rename(next, 'next_token');
  g.output('next_token', DataType.INT64, ['batch']);
  return L.toModel(`gauntlet llm ${precision} ${JSON.stringify(o)}`);
}
