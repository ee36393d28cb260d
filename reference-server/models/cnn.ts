/**
 * The `cnn` family: image [batch, channels, size, size] → 2 × (Conv 3×3 same-padding + Relu + MaxPool 2×2)
 * → Flatten → Gemm → logits [batch, classes].
 */
import { resolveOptions, type ModelFamily } from './family.js';
import { Layers, type Precision } from './layers.js';
import { Weights } from './random.js';

/** CnnOptions are the cnn family's sizes and weight seed (imageSize must be a multiple of 4). */
export type CnnOptions = {
  seed: number;
  channels: number;
  imageSize: number;
  conv1: number;
  conv2: number;
  classes: number;
};

/** CNN_DEFAULTS is the bundled cnn: 3×32×32 → Conv16 → Conv32 → 10 classes. */
export const CNN_DEFAULTS: Readonly<CnnOptions> = {
  seed: 0,
  channels: 3,
  imageSize: 32,
  conv1: 16,
  conv2: 32,
  classes: 10,
};

/**
 * buildCnn returns the ONNX bytes of a cnn in `precision` (I/O FP32 in every precision). In int8 and int4
 * only the classifier (Gemm) is quantized; the convolutions stay FP32.
 */
export function buildCnn(options: Partial<CnnOptions>, precision: Precision): Uint8Array {
  const o = resolveOptions('cnn', CNN_DEFAULTS, options);
  if (o.imageSize % 4 !== 0) throw new Error(`cnn: imageSize ${o.imageSize} is not a multiple of 4`);
  const w = new Weights(o.seed, 'cnn');
  const L = new Layers('cnn', precision);

  const convBlock = (name: string, x: string, cin: number, cout: number): string => {
    const fanIn = cin * 9;
    const kernel = w.tensor(`${name}.weight`, cout * fanIn, { kind: 'he', fanIn });
    const weight = L.constant(`${name}.weight`, [cout, cin, 3, 3], kernel);
    const bias = L.constant(`${name}.bias`, [cout], w.tensor(`${name}.bias`, cout, { kind: 'normal', std: 0.05 }));
    const conv = L.op('Conv', [x, weight, bias], {
      kernel_shape: { ints: [3, 3] },
      pads: { ints: [1, 1, 1, 1] },
      strides: { ints: [1, 1] },
    });
    return L.op('MaxPool', [L.op('Relu', [conv])], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
  };

  const x = L.input('input', ['batch', o.channels, o.imageSize, o.imageSize]);
  const c1 = convBlock('conv1', x, o.channels, o.conv1);
  const c2 = convBlock('conv2', c1, o.conv1, o.conv2);
  const features = o.conv2 * (o.imageSize / 4) ** 2;
  const flat = L.op('Flatten', [c2], { axis: { i: 1 } });
  const weight = w.tensor('fc.weight', features * o.classes, { kind: 'xavier', fanIn: features, fanOut: o.classes });
  const bias = w.tensor('fc.bias', o.classes, { kind: 'normal', std: 0.05 });
  const logits = L.linear('fc', flat, weight, bias, features, o.classes, true);
  L.output(logits, 'logits', ['batch', o.classes]);
  return L.toModel(`gauntlet cnn ${precision} ${JSON.stringify(o)}`);
}

/** CNN is the cnn family (a classifier: its accuracy report has a top-1 agreement). */
export const CNN = {
  name: 'cnn',
  describe: (o) =>
    `CNN ${o.channels}×${o.imageSize}×${o.imageSize} → Conv${o.conv1} → Conv${o.conv2} → ` +
    `${o.classes} logits, synthetic weights (seed ${o.seed})`,
  maxBatchSize: 256,
  quantized: 'the classifier Gemm (convolutions stay FP32)',
  classifier: true,
  defaults: CNN_DEFAULTS,
  resolve: (options) => resolveOptions('cnn', CNN_DEFAULTS, options),
  io: (o) => ({
    input: { name: 'input', dims: [o.channels, o.imageSize, o.imageSize] },
    output: { name: 'logits', dims: [o.classes] },
  }),
  build: buildCnn,
} satisfies ModelFamily<CnnOptions>;
