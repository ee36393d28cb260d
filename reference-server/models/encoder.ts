/**
 * The `encoder` family: a post-LayerNorm transformer encoder (BERT-style) over input [batch, seqLen, hidden].
 * Each layer: multi-head scaled dot-product self-attention, residual, LayerNormalization, FFN with GELU (Erf
 * formula, which ORT fuses into its Gelu kernel), residual, LayerNormalization.
 */
import { resolveOptions, type ModelFamily } from './family.js';
import { Layers, type Precision } from './layers.js';
import { Weights, type WeightInit } from './random.js';

/** EncoderOptions are the encoder family's sizes and weight seed. */
export type EncoderOptions = {
  seed: number;
  seqLen: number;
  hidden: number;
  heads: number;
  layers: number;
  ffn: number;
};

/** ENCODER_DEFAULTS is the bundled encoder: 2 layers, 4 heads, hidden 128, FFN 512, sequence 32. */
export const ENCODER_DEFAULTS: Readonly<EncoderOptions> = {
  seed: 0,
  seqLen: 32,
  hidden: 128,
  heads: 4,
  layers: 2,
  ffn: 512,
};

/** buildEncoder returns the ONNX bytes of an encoder in `precision` (I/O FP32 in every precision). */
export function buildEncoder(options: Partial<EncoderOptions>, precision: Precision): Uint8Array {
  const o = resolveOptions('encoder', ENCODER_DEFAULTS, options);
  if (o.hidden % o.heads !== 0) throw new Error(`encoder: hidden ${o.hidden} is not a multiple of heads ${o.heads}`);
  const w = new Weights(o.seed, 'encoder');
  const L = new Layers('encoder', precision);
  const h = o.hidden;
  const headDim = h / o.heads;
  const scalar = (hint: string, v: number): string => L.constant(hint, [], Float32Array.of(v));
  // Reshape's 0 copies the input's dim, so the graph works for any batch and sequence length.
  const splitHeads = L.g.int64s('split_heads_shape', [0, 0, o.heads, headDim]);
  const mergeHeads = L.g.int64s('merge_heads_shape', [0, 0, h]);
  const attnScale = scalar('attn_scale', 1 / Math.sqrt(headDim));
  const sqrt2 = scalar('sqrt2', Math.SQRT2);
  const one = scalar('one', 1);
  const half = scalar('half', 0.5);

  const linear = (name: string, x: string, k: number, n: number, init: 'he' | 'xavier'): string => {
    const spec: WeightInit = init === 'he' ? { kind: 'he', fanIn: k } : { kind: 'xavier', fanIn: k, fanOut: n };
    const weight = w.tensor(`${name}.weight`, k * n, spec);
    const bias = w.tensor(`${name}.bias`, n, { kind: 'normal', std: 0.02 });
    return L.linear(name, x, weight, bias, k, n);
  };
  const layerNorm = (name: string, x: string): string => {
    const gammaValues = w.tensor(`${name}.gamma`, h, { kind: 'normal', std: 0.05, mean: 1 });
    const gamma = L.constant(`${name}.gamma`, [h], gammaValues);
    const beta = L.constant(`${name}.beta`, [h], w.tensor(`${name}.beta`, h, { kind: 'normal', std: 0.05 }));
    return L.op('LayerNormalization', [x, gamma, beta], { axis: { i: -1 }, epsilon: { f: 1e-5 } });
  };
  const heads = (x: string, perm: number[]): string =>
    L.op('Transpose', [L.op('Reshape', [x, splitHeads])], { perm: { ints: perm } });

  let x = L.input('input', ['batch', o.seqLen, h]);
  for (let i = 0; i < o.layers; i++) {
    const p = `layer${i}`;
    // Q scaled before the product: [b, heads, s, d] · [b, heads, d, s] → [b, heads, s, s].
    const q = L.op('Mul', [heads(linear(`${p}.attn.q`, x, h, h, 'xavier'), [0, 2, 1, 3]), attnScale]);
    const k = heads(linear(`${p}.attn.k`, x, h, h, 'xavier'), [0, 2, 3, 1]);
    const v = heads(linear(`${p}.attn.v`, x, h, h, 'xavier'), [0, 2, 1, 3]);
    const probs = L.op('Softmax', [L.op('MatMul', [q, k])], { axis: { i: -1 } });
    const context = L.op('Transpose', [L.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } });
    const attn = linear(`${p}.attn.out`, L.op('Reshape', [context, mergeHeads]), h, h, 'xavier');
    x = layerNorm(`${p}.ln1`, L.op('Add', [x, attn]));
    const up = linear(`${p}.ffn.up`, x, h, o.ffn, 'he');
    // GELU(u) = 0.5 · u · (1 + erf(u / √2)).
    const gelu = L.op('Mul', [L.op('Mul', [up, L.op('Add', [L.op('Erf', [L.op('Div', [up, sqrt2])]), one])]), half]);
    const down = linear(`${p}.ffn.down`, gelu, o.ffn, h, 'xavier');
    x = layerNorm(`${p}.ln2`, L.op('Add', [x, down]));
  }
  L.output(x, 'output', ['batch', o.seqLen, h]);
  return L.toModel(`gauntlet encoder ${precision} ${JSON.stringify(o)}`);
}

/** ENCODER is the encoder family. */
export const ENCODER = {
  name: 'encoder',
  describe: (o) =>
    `Transformer encoder, ${o.layers} layers × ${o.heads} heads, hidden ${o.hidden}, FFN ${o.ffn} (GELU), ` +
    `sequence ${o.seqLen}, synthetic weights (seed ${o.seed})`,
  maxBatchSize: 64,
  quantized: 'the Q/K/V/output and FFN projections (attention products stay FP32)',
  classifier: false,
  defaults: ENCODER_DEFAULTS,
  resolve: (options) => resolveOptions('encoder', ENCODER_DEFAULTS, options),
  io: (o) => ({
    input: { name: 'input', dims: [o.seqLen, o.hidden] },
    output: { name: 'output', dims: [o.seqLen, o.hidden] },
  }),
  build: buildEncoder,
} satisfies ModelFamily<EncoderOptions>;
