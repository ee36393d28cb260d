/**
 * The two kernels the roof is measured with, built as ONNX models: a square MatMul (compute-bound: 2n³ FLOPs
 * over 12n² bytes) and an elementwise Add of two large vectors (memory-bound: 1 FLOP per 12 bytes).
 */
import { GraphBuilder } from '../../../reference-server/models/graph-builder.js';
import { DataType } from '../../../reference-server/models/onnx.js';
import type { ProfileEp } from '../profile-record.js';

/** RoofKernel is one kernel: its model, input shapes and the work and traffic of one run. */
export interface RoofKernel {
  name: 'matmul' | 'add';
  what: string;
  model: Uint8Array;
  inputShapes: Record<string, number[]>;
  flops: number;
  bytes: number;
}

/** roofSizes picks the kernels' sizes for an EP: GPUs need far larger work to fill them. */
export function roofSizes(ep: ProfileEp): { n: number; elements: number } {
  return ep === 'cpu' ? { n: 1024, elements: 16 * 1024 * 1024 } : { n: 4096, elements: 64 * 1024 * 1024 };
}

const OPSETS = [{ domain: '', version: 17 }];

/** matmulKernel is an n×n · n×n float32 MatMul of two graph inputs. */
export function matmulKernel(n: number): RoofKernel {
  const g = new GraphBuilder('roof_matmul');
  const a = g.input('a', DataType.FLOAT, [n, n]);
  const b = g.input('b', DataType.FLOAT, [n, n]);
  g.rename(g.op('MatMul', [a, b]), 'y');
  g.output('y', DataType.FLOAT, [n, n]);
  return {
    name: 'matmul',
    what: `MatMul ${n}×${n} · ${n}×${n} float32`,
    model: g.toModel({ irVersion: 8, opsets: OPSETS }),
    inputShapes: { a: [n, n], b: [n, n] },
    flops: 2 * n ** 3,
    bytes: 3 * n * n * 4,
  };
}

/** addKernel is an elementwise float32 Add of two vectors of `elements` each. */
export function addKernel(elements: number): RoofKernel {
  const g = new GraphBuilder('roof_add');
  const a = g.input('a', DataType.FLOAT, [elements]);
  const b = g.input('b', DataType.FLOAT, [elements]);
  g.rename(g.op('Add', [a, b]), 'y');
  g.output('y', DataType.FLOAT, [elements]);
  return {
    name: 'add',
    what: `Add of two ${elements}-element float32 vectors (${(elements * 4) / 2 ** 20} MiB each)`,
    model: g.toModel({ irVersion: 8, opsets: OPSETS }),
    inputShapes: { a: [elements], b: [elements] },
    flops: elements,
    bytes: 3 * elements * 4,
  };
}
