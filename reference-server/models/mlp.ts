/**
 * The `mlp` family: input [batch, inputSize] → hiddenLayers × (MatMul + bias + Relu) → output [batch, outputSize].
 */
import { resolveOptions, type ModelFamily } from './family.js';
import { Layers, type Precision } from './layers.js';
import { Weights } from './random.js';

/** MlpOptions are the mlp family's sizes and weight seed. */
export type MlpOptions = {
  seed: number;
  inputSize: number;
  hiddenSize: number;
  hiddenLayers: number;
  outputSize: number;
};

/** MLP_DEFAULTS is the bundled mlp: 256 → 3 × 1024 → 64. */
export const MLP_DEFAULTS: Readonly<MlpOptions> = {
  seed: 0,
  inputSize: 256,
  hiddenSize: 1024,
  hiddenLayers: 3,
  outputSize: 64,
};

/** buildMlp returns the ONNX bytes of an mlp in `precision` (I/O FP32 in every precision). */
export function buildMlp(options: Partial<MlpOptions>, precision: Precision): Uint8Array {
  const o = resolveOptions('mlp', MLP_DEFAULTS, options);
  const w = new Weights(o.seed, 'mlp');
  const L = new Layers('mlp', precision);
  let x = L.input('input', ['batch', o.inputSize]);
  let width = o.inputSize;
  for (let i = 0; i < o.hiddenLayers; i++) {
    const n = o.hiddenSize;
    const weight = w.tensor(`fc${i}.weight`, width * n, { kind: 'he', fanIn: width });
    const bias = w.tensor(`fc${i}.bias`, n, { kind: 'normal', std: 0.05 });
    x = L.op('Relu', [L.linear(`fc${i}`, x, weight, bias, width, n)]);
    width = n;
  }
  const weight = w.tensor('head.weight', width * o.outputSize, { kind: 'xavier', fanIn: width, fanOut: o.outputSize });
  const bias = w.tensor('head.bias', o.outputSize, { kind: 'normal', std: 0.05 });
  L.output(L.linear('head', x, weight, bias, width, o.outputSize), 'output', ['batch', o.outputSize]);
  return L.toModel(`gauntlet mlp ${precision} ${JSON.stringify(o)}`);
}

/** MLP is the mlp family. */
export const MLP = {
  name: 'mlp',
  describe: (o) =>
    `MLP ${o.inputSize}→${o.hiddenLayers}×${o.hiddenSize}→${o.outputSize} (MatMul+bias+ReLU), ` +
    `synthetic weights (seed ${o.seed})`,
  maxBatchSize: 256,
  quantized: 'every MatMul',
  classifier: false,
  defaults: MLP_DEFAULTS,
  resolve: (options) => resolveOptions('mlp', MLP_DEFAULTS, options),
  io: (o) => ({
    input: { name: 'input', dims: [o.inputSize] },
    output: { name: 'output', dims: [o.outputSize] },
  }),
  build: buildMlp,
} satisfies ModelFamily<MlpOptions>;
