/**
 * Shape propagation through an ONNX graph from concrete input shapes (batch included), for the ops the
 * bundled models and common exported models use. An op whose output shape cannot be derived leaves its
 * outputs unknown; the ops after it are then costed from whatever is known (see costs.ts).
 */
import { GauntletError } from '../../errors.js';
import type { OnnxGraph, OnnxNode } from './onnx-read.js';

/** KnownTensor is a value's element type (TensorProto.DataType) and concrete dims, null when unknown. */
export interface KnownTensor {
  elemType: number;
  dims: number[] | null;
  /** Small constant integer values (shape and axes tensors), when known. */
  ints?: number[];
}

/** ShapeMap maps value names to what is known of them. */
export type ShapeMap = Map<string, KnownTensor>;

const UNARY = new Set([
  'Relu', 'Gelu', 'FastGelu', 'Erf', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Identity',
  'Softmax', 'LogSoftmax', 'Dropout', 'Clip', 'LeakyRelu', 'HardSigmoid', 'Elu', 'Selu', 'Softplus', 'Floor', 'Ceil',
  'Round', 'Sin', 'Cos', 'Not', 'LayerNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization',
  'BatchNormalization', 'InstanceNormalization', 'QuickGelu', 'BiasGelu', 'Cast', 'DynamicQuantizeLinear',
  'QuantizeLinear', 'DequantizeLinear', 'Erf',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Equal', 'Less', 'Greater', 'And', 'Or', 'Where', 'Mod', 'PRelu', 'Sum', 'Mean']);

/** isElementwise tells whether an op maps each output element from the matching input elements. */
export function isElementwise(opType: string): boolean {
  return UNARY.has(opType) || BROADCAST.has(opType);
}

/** broadcast returns numpy's broadcast of two shapes, or null when they do not broadcast. */
export function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function matmulShape(a: number[], b: number[]): number[] | null {
  const a2 = a.length === 1 ? [1, ...a] : a;
  const b2 = b.length === 1 ? [...b, 1] : b;
  if (a2.length < 2 || b2.length < 2 || a2[a2.length - 1] !== b2[b2.length - 2]) return null;
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  if (batch === null) return null;
  const out = [...batch, a2[a2.length - 2] ?? 0, b2[b2.length - 1] ?? 0];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.pop();
  return out;
}

const axisOf = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** windowOut is the output length of a conv or pool window along one axis (explicit pads or SAME/VALID). */
function windowOut(inLen: number, k: number, stride: number, padSum: number, dilation: number, autoPad: string): number {
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(inLen / stride);
  if (autoPad === 'VALID') return Math.floor((inLen - dilation * (k - 1) - 1) / stride) + 1;
  return Math.floor((inLen + padSum - dilation * (k - 1) - 1) / stride) + 1;
}

function convLike(node: OnnxNode, x: number[], kernel: number[], outChannels: number): number[] {
  const spatial = x.length - 2;
  const strides = node.attrs.strides?.ints ?? Array(spatial).fill(1);
  const pads = node.attrs.pads?.ints ?? Array(spatial * 2).fill(0);
  const dil = node.attrs.dilations?.ints ?? Array(spatial).fill(1);
  const autoPad = node.attrs.auto_pad?.s ?? 'NOTSET';
  const out = [x[0] ?? 1, outChannels];
  for (let i = 0; i < spatial; i++) {
    out.push(windowOut(x[i + 2] ?? 1, kernel[i] ?? 1, strides[i] ?? 1, (pads[i] ?? 0) + (pads[i + spatial] ?? 0), dil[i] ?? 1, autoPad));
  }
  return out;
}

function reshape(x: number[], target: number[]): number[] | null {
  const out = target.map((d, i) => (d === 0 ? (x[i] ?? 0) : d));
  const total = x.reduce((a, b) => a * b, 1);
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const inferred = out.indexOf(-1);
  if (inferred >= 0) out[inferred] = known === 0 ? 0 : total / known;
  return out.every((d) => Number.isInteger(d) && d >= 0) && out.reduce((a, b) => a * b, 1) === total ? out : null;
}

/** outputDims derives a node's first output dims from its input tensors, or null when it cannot. */
export function outputDims(node: OnnxNode, ins: (KnownTensor | undefined)[]): number[] | null {
  const d = ins.map((t) => t?.dims ?? null);
  const x = d[0];
  const op = node.opType;
  if (x === null || x === undefined) return null;
  if (UNARY.has(op)) return [...x];
  if (BROADCAST.has(op)) {
    let out: number[] | null = x;
    for (const o of d.slice(1)) out = o === null || o === undefined || out === null ? null : broadcast(out, o);
    return out;
  }
  const w = d[1] ?? null;
  switch (op) {
    case 'MatMul':
    case 'MatMulInteger':
    case 'DynamicQuantizeMatMul':
    case 'MatMulIntegerToFloat':
      return w === null ? null : matmulShape(x, w);
    case 'MatMulNBits': {
      const n = node.attrs.N?.i;
      return n === undefined ? null : [...x.slice(0, -1), n];
    }
    case 'Gemm':
    case 'FusedGemm': {
      if (w === null) return null;
      const m = node.attrs.transA?.i ? x[1] : x[0];
      const n = node.attrs.transB?.i ? w[0] : w[1];
      return m === undefined || n === undefined ? null : [m, n];
    }
    case 'Conv':
    case 'FusedConv':
      return w === null ? null : convLike(node, x, w.slice(2), w[0] ?? 0);
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool':
      return convLike(node, x, node.attrs.kernel_shape?.ints ?? [], x[1] ?? 0);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return [x[0] ?? 1, x[1] ?? 1, ...x.slice(2).map(() => 1)];
    case 'Flatten': {
      const axis = axisOf(node.attrs.axis?.i ?? 1, x.length);
      const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);
      return [prod(x.slice(0, axis)), prod(x.slice(axis))];
    }
    case 'Transpose': {
      const perm = node.attrs.perm?.ints ?? x.map((_, i) => x.length - 1 - i);
      return perm.map((p) => x[p] ?? 0);
    }
    case 'Reshape': {
      const shape = ins[1]?.ints;
      return shape === undefined ? null : reshape(x, shape);
    }
    case 'Concat': {
      const axis = axisOf(node.attrs.axis?.i ?? 0, x.length);
      if (d.some((s) => s === null || s === undefined)) return null;
      const out = [...x];
      out[axis] = d.reduce((a, s) => a + (s?.[axis] ?? 0), 0);
      return out;
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      const axes = node.attrs.axes?.ints ?? ins[1]?.ints;
      if (axes === undefined) return op === 'Squeeze' ? x.filter((v) => v !== 1) : null;
      if (op === 'Squeeze') {
        const drop = new Set(axes.map((a) => axisOf(a, x.length)));
        return x.filter((_, i) => !drop.has(i));
      }
      const out = [...x];
      const rank = x.length + axes.length;
      for (const a of axes.map((v) => axisOf(v, rank)).sort((p, q) => p - q)) out.splice(a, 0, 1);
      return out;
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin': {
      const axes = (node.attrs.axes?.ints ?? ins[1]?.ints ?? x.map((_, i) => i)).map((a) => axisOf(a, x.length));
      const keep = (node.attrs.keepdims?.i ?? 1) !== 0;
      return keep ? x.map((v, i) => (axes.includes(i) ? 1 : v)) : x.filter((_, i) => !axes.includes(i));
    }
    default:
      return null;
  }
}

/** outputElemType is a node's first output element type: Cast's `to`, 2 (uint8) for quantizers, else its input's. */
function outputElemType(node: OnnxNode, ins: (KnownTensor | undefined)[]): number {
  if (node.opType === 'Cast') return node.attrs.to?.i ?? 1;
  if (node.opType === 'DynamicQuantizeLinear' || node.opType === 'QuantizeLinear') return 2;
  if (node.opType === 'MatMulInteger') return 6;
  if (['DynamicQuantizeMatMul', 'MatMulNBits', 'DequantizeLinear', 'MatMulIntegerToFloat'].includes(node.opType)) return 1;
  return ins[0]?.elemType ?? 1;
}

/**
 * propagateShapes returns every value's known tensor: initializers, the graph inputs at `inputShapes` (which must
 * give each input with a symbolic dim), and each node's outputs in graph order.
 */
export function propagateShapes(
  graph: OnnxGraph,
  inputShapes: Record<string, readonly number[]>,
  /** Output tensors as measured (ORT's trace), per node name: they override what the rules derive. */
  seeds?: ReadonlyMap<string, readonly KnownTensor[]>,
): ShapeMap {
  const known: ShapeMap = new Map();
  for (const t of graph.initializers.values()) {
    known.set(t.name, { elemType: t.elemType, dims: t.dims.map(Number), ...(t.ints ? { ints: t.ints } : {}) });
  }
  const problems: string[] = [];
  for (const input of graph.inputs) {
    const given = inputShapes[input.name];
    const fixed = input.dims.every((v) => typeof v === 'number' && v >= 0) ? (input.dims as number[]) : undefined;
    const dims = given ? [...given] : fixed;
    if (dims === undefined) problems.push(`${input.name}: dims [${input.dims.join(', ')}] have a dynamic dim; give its shape`);
    else if (dims.length !== input.dims.length) problems.push(`${input.name}: shape [${dims.join(', ')}] has rank ${dims.length}, the model's is ${input.dims.length}`);
    else {
      const wrong = dims.flatMap((d, i) => {
        const declared = input.dims[i];
        if (!Number.isSafeInteger(d) || d < 1) return [`dim ${i} is ${d}, not a positive integer`];
        return typeof declared === 'number' && declared >= 0 && declared !== d ? [`dim ${i} is ${declared} in the model, ${d} given`] : [];
      });
      if (wrong.length > 0) problems.push(`${input.name}: ${wrong.join(', ')}`);
      else known.set(input.name, { elemType: input.elemType, dims });
    }
  }
  for (const name of Object.keys(inputShapes)) {
    if (!graph.inputs.some((i) => i.name === name)) problems.push(`${name}: the model has no input of that name`);
  }
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `input shapes: ${problems.join('; ')}`, problems);
  for (const node of graph.nodes) {
    const ins = node.inputs.map((n) => (n === '' ? undefined : known.get(n)));
    const first = node.outputs[0];
    if (first !== undefined && first !== '') known.set(first, { elemType: outputElemType(node, ins), dims: outputDims(node, ins) });
    const seeded = seeds?.get(node.name);
    if (seeded !== undefined && seeded.length > 0) {
      node.outputs.forEach((o, i) => {
        const t = seeded[i];
        if (o !== '' && t !== undefined) known.set(o, t);
      });
      continue;
    }
    if (node.opType === 'DynamicQuantizeLinear') {
      if (node.outputs[1]) known.set(node.outputs[1], { elemType: 1, dims: [] });
      if (node.outputs[2]) known.set(node.outputs[2], { elemType: 2, dims: [] });
    }
  }
  return known;
}
