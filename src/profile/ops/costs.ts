/**
 * Per-op cost from tensor shapes: FLOPs (a multiply-add counts 2) and bytes moved (every input read once,
 * weights included, plus every output written once, at each tensor's element size). docs/roofline.md
 * states the rule for each op type.
 */
import type { AttrValue } from './onnx-read.js';
import type { KnownTensor } from './shapes.js';

/** OpCost is an op's work and traffic; `estimated` when its FLOPs come from the default rule for unknown ops. */
export interface OpCost {
  flops: number;
  bytes: number;
  estimated: boolean;
}

/** ELEMENT_BITS maps TensorProto.DataType to bits per element (int4 types 4 bits). */
const ELEMENT_BITS: Record<number, number> = {
  1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4,
};

/** elementBytes is the size in bytes of one element of a TensorProto.DataType (4 when unknown). */
export function elementBytes(elemType: number): number {
  return (ELEMENT_BITS[elemType] ?? 32) / 8;
}

const count = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** tensorBytes is a known tensor's size in bytes, or null when its dims are unknown. */
export function tensorBytes(t: KnownTensor): number | null {
  return t.dims === null ? null : count(t.dims) * elementBytes(t.elemType);
}

/** FLOPS_PER_ELEMENT is the arithmetic per output element of the elementwise and normalisation ops. */
export const FLOPS_PER_ELEMENT: Record<string, number> = {
  Add: 1, Sub: 1, Mul: 1, Div: 1, Relu: 1, Max: 1, Min: 1, Neg: 1, Abs: 1, Clip: 2, LeakyRelu: 2, PRelu: 2, Pow: 1,
  Sqrt: 1, Reciprocal: 1, Where: 1, Equal: 1, Less: 1, Greater: 1,
  Erf: 8, Exp: 8, Log: 8, Tanh: 8, Sigmoid: 8, Gelu: 10, FastGelu: 10, BiasGelu: 11, QuickGelu: 10, Softplus: 8, Elu: 8,
  Softmax: 5, LogSoftmax: 5, LayerNormalization: 8, SimplifiedLayerNormalization: 5, SkipLayerNormalization: 9,
  BatchNormalization: 2, InstanceNormalization: 8, DynamicQuantizeLinear: 4, QuantizeLinear: 2, DequantizeLinear: 2,
};
/** VIEW_OPS only relabel a tensor's shape: ORT runs them in place, so they move no bytes and compute nothing. */
const VIEW_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);
/** MOVE_OPS move or convert data and compute nothing. */
const MOVE_OPS = new Set(['ReorderInput', 'ReorderOutput', 'MemcpyToHost', 'MemcpyFromHost', 'Transpose', 'Concat', 'Cast', 'Dropout', 'Split', 'Slice', 'Gather', 'Expand']);

function matmulFlops(a: number[], out: number[]): number {
  const k = a[a.length - 1] ?? 0;
  return 2 * count(out) * k;
}

/**
 * opCost returns an op's FLOPs and bytes from its input and output tensors (and attributes, for pools and Gemm),
 * or null when a tensor it needs has unknown dims.
 */
export function opCost(
  opType: string,
  attrs: Readonly<Record<string, AttrValue>>,
  ins: readonly (KnownTensor | undefined)[],
  outs: readonly (KnownTensor | undefined)[],
): OpCost | null {
  if (VIEW_OPS.has(opType)) return { flops: 0, bytes: 0, estimated: false };
  let bytes = 0;
  for (const t of [...ins, ...outs]) {
    if (t === undefined) continue;
    const b = tensorBytes(t);
    if (b === null) return null;
    bytes += b;
  }
  const a = ins[0]?.dims;
  const out = outs[0]?.dims;
  if (a === null || a === undefined || out === null || out === undefined) return null;
  const n = count(out);
  let flops: number;
  switch (opType) {
    case 'MatMul':
    case 'MatMulInteger':
    case 'MatMulIntegerToFloat':
    case 'MatMulNBits':
      flops = matmulFlops(a, out);
      break;
    case 'DynamicQuantizeMatMul':
      // The product, plus quantizing A on the fly (min/max, scale, round: ~4 per element of A).
      flops = matmulFlops(a, out) + 4 * count(a);
      break;
    case 'Gemm':
    case 'FusedGemm': {
      const k = attrs.transA?.i ? a[0] : a[1];
      flops = 2 * n * (k ?? 0) + (ins[2] !== undefined ? n : 0);
      break;
    }
    case 'FusedMatMul': {
      // com.microsoft FusedMatMul may transpose A: K is then its second-last dim.
      const k = attrs.transA?.i ? a[a.length - 2] : a[a.length - 1];
      flops = 2 * count(out) * (k ?? 0);
      break;
    }
    case 'Conv':
    case 'FusedConv': {
      // Each output element is a dot product over (C_in / group) × kernel taps: 2 FLOPs a tap, plus the bias.
      const w = ins[1]?.dims;
      if (!w) return null;
      flops = 2 * n * count(w.slice(1)) + (ins[2] !== undefined ? n : 0);
      break;
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const kernel = attrs.kernel_shape?.ints;
      flops = n * (kernel ? count(kernel) : 1);
      break;
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
      flops = count(a);
      break;
    default: {
      if (MOVE_OPS.has(opType)) flops = 0;
      else if (FLOPS_PER_ELEMENT[opType] !== undefined) flops = (FLOPS_PER_ELEMENT[opType] ?? 1) * n;
      else return { flops: n, bytes, estimated: true };
    }
  }
  return { flops, bytes, estimated: false };
}
