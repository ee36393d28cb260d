/**
 * Precision-aware layer emitters shared by the model families: the same fp32 weights become fp32, fp16, int8
 * (`DynamicQuantizeMatMul`) or int4 (`MatMulNBits`) nodes, and graph I/O stays FP32 in every variant.
 */
import { toFloat16Array } from './float16.js';
import { GraphBuilder } from './graph-builder.js';
import { DataType, type Attribute } from './onnx.js';
import { quantizeInt4Blockwise, quantizeInt8PerColumn } from './quantize.js';

/** Precision is a model variant's weight precision. */
export type Precision = 'fp32' | 'fp16' | 'int8' | 'int4';

/** PRECISIONS lists every precision, the fp32 reference first. */
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8', 'int4'];

/** isPrecision tells whether `s` names a precision. */
export function isPrecision(s: string): s is Precision {
  return (PRECISIONS as readonly string[]).includes(s);
}

/** OPSET is the ONNX opset the zoo targets (LayerNormalization needs 17); IR_VERSION is the matching IR. */
export const OPSET = 17;
/** IR_VERSION is the ONNX IR version written into every model (8 goes with opset 17). */
export const IR_VERSION = 8;
const MS_DOMAIN = 'com.microsoft';

/** INT4_BLOCK_SIZE is MatMulNBits' block length along K. */
export const INT4_BLOCK_SIZE = 32;

/**
 * Layers emits nodes for one model variant into a GraphBuilder.
 *
 * fp16: every float initializer is FP16 and the graph computes in FP16 between an input Cast and an output
 * Cast. ORT's CPU EP has FP16 kernels for few ops on x86 (LayerNormalization, Transpose, Reshape, Flatten);
 * for the rest (MatMul, Add, Softmax, Erf, Conv, Gemm, ...) it inserts Cast nodes around them itself when the
 * session is created, so the model runs everywhere and keeps real FP16 compute for EPs that have the kernels.
 * int8/int4: only the weight matrices are quantized; everything else runs in FP32.
 */
export class Layers {
  readonly g: GraphBuilder;

  constructor(
    name: string,
    readonly precision: Precision,
  ) {
    this.g = new GraphBuilder(name);
  }

  /** input declares the FP32 graph input and returns the value the rest of the graph reads. */
  input(name: string, dims: readonly (number | string)[]): string {
    const x = this.g.input(name, DataType.FLOAT, dims);
    return this.precision === 'fp16' ? this.g.op('Cast', [x], { to: { i: DataType.FLOAT16 } }) : x;
  }

  /** output makes `x` the FP32 graph output `name`. */
  output(x: string, name: string, dims: readonly (number | string)[]): void {
    const y = this.precision === 'fp16' ? this.g.op('Cast', [x], { to: { i: DataType.FLOAT } }) : x;
    this.g.rename(y, name);
    this.g.output(name, DataType.FLOAT, dims);
  }

  /** constant adds a float initializer in the graph's float type. */
  constant(hint: string, dims: readonly number[], data: Float32Array): string {
    if (this.precision === 'fp16') return this.g.initializer(hint, DataType.FLOAT16, dims, toFloat16Array(data));
    return this.g.initializer(hint, DataType.FLOAT, dims, data);
  }

  /** op adds a single-output node (a shorthand for `g.op`). */
  op(opType: string, inputs: readonly string[], attrs?: Record<string, Attribute>): string {
    return this.g.op(opType, inputs, attrs);
  }

  /**
   * linear computes x·W + b for x of shape [..., K] and row-major W [K, N]: MatMul + Add (or one Gemm for 2-D x
   * when `gemm`) in fp32/fp16, DynamicQuantizeMatMul with bias in int8, MatMulNBits with bias in int4.
   */
  linear(hint: string, x: string, w: Float32Array, b: Float32Array, k: number, n: number, gemm = false): string {
    switch (this.precision) {
      case 'fp32':
      case 'fp16': {
        const wName = this.constant(`${hint}.weight`, [k, n], w);
        const bName = this.constant(`${hint}.bias`, [n], b);
        if (gemm) return this.g.op('Gemm', [x, wName, bName]);
        return this.g.op('Add', [this.g.op('MatMul', [x, wName]), bName]);
      }
      case 'int8': {
        const q = quantizeInt8PerColumn(w, k, n);
        const wName = this.g.initializer(`${hint}.weight_q`, DataType.INT8, [k, n], q.q);
        const sName = this.g.initializer(`${hint}.weight_scale`, DataType.FLOAT, [n], q.scales);
        const bName = this.g.initializer(`${hint}.bias`, DataType.FLOAT, [n], b);
        // Inputs: A, B, b_scale, b_zero_point (omitted: symmetric), bias.
        return this.g.op('DynamicQuantizeMatMul', [x, wName, sName, '', bName], {}, MS_DOMAIN);
      }
      case 'int4': {
        const q = quantizeInt4Blockwise(w, k, n, INT4_BLOCK_SIZE);
        const blob = INT4_BLOCK_SIZE / 2;
        const wName = this.g.initializer(`${hint}.weight_q4`, DataType.UINT8, [n, q.kBlocks, blob], q.packed);
        const sName = this.g.initializer(`${hint}.weight_scales`, DataType.FLOAT, [n, q.kBlocks], q.scales);
        const zpDims = [n, Math.ceil(q.kBlocks / 2)];
        const zName = this.g.initializer(`${hint}.weight_zero_points`, DataType.UINT8, zpDims, q.zeroPoints);
        const bName = this.g.initializer(`${hint}.bias`, DataType.FLOAT, [n], b);
        // Inputs: A, B, scales, zero_points, g_idx (omitted), bias.
        return this.g.op('MatMulNBits', [x, wName, sName, zName, '', bName], {
          K: { i: k },
          N: { i: n },
          bits: { i: 4 },
          block_size: { i: INT4_BLOCK_SIZE },
          accuracy_level: { i: 4 },
        }, MS_DOMAIN);
      }
    }
  }

  /** toModel encodes the graph with the zoo's opsets (plus `com.microsoft` when a contrib op is used). */
  toModel(docString: string): Uint8Array {
    const opsets = [{ domain: '', version: OPSET }];
    if (this.precision === 'int8' || this.precision === 'int4') opsets.push({ domain: MS_DOMAIN, version: 1 });
    return this.g.toModel({ irVersion: IR_VERSION, opsets, docString });
  }
}
