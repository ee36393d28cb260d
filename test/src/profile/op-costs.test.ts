import { describe, expect, it } from 'vitest';
import { buildCnn } from '../../../reference-server/models/cnn.js';
import { buildEncoder } from '../../../reference-server/models/encoder.js';
import { buildMlp } from '../../../reference-server/models/mlp.js';
import { GauntletError } from '../../../src/errors.js';
import { opCost } from '../../../src/profile/ops/costs.js';
import { graphOpCosts } from '../../../src/profile/ops/graph-costs.js';
import { readOnnxGraph, type AttrValue } from '../../../src/profile/ops/onnx-read.js';
import { parseOrtTrace } from '../../../src/profile/ops/ort-trace.js';
import { propagateShapes, type KnownTensor } from '../../../src/profile/ops/shapes.js';

const f32 = (...dims: number[]): KnownTensor => ({ elemType: 1, dims });

describe('opCost on hand-computed examples', () => {
  it.each([
    // [M,K]·[K,N]: 2·M·K·N FLOPs; bytes (M·K + K·N + M·N)·4.
    ['MatMul', {}, [f32(8, 256), f32(256, 1024)], [f32(8, 1024)], 2 * 8 * 256 * 1024, (8 * 256 + 256 * 1024 + 8 * 1024) * 4],
    // Batched attention product [2,4,32,32]·[2,4,32,32]: 2·(2·4·32·32)·32.
    ['MatMul', {}, [f32(2, 4, 32, 32), f32(2, 4, 32, 32)], [f32(2, 4, 32, 32)], 2 * 2 * 4 * 32 * 32 * 32, 3 * 2 * 4 * 32 * 32 * 4],
    // Gemm with bias: 2·M·K·N + M·N.
    ['Gemm', {}, [f32(4, 512), f32(512, 10), f32(10)], [f32(4, 10)], 2 * 4 * 512 * 10 + 40, (4 * 512 + 5120 + 10 + 40) * 4],
    ['Gemm', { transA: { i: 1 } }, [f32(512, 4), f32(512, 10)], [f32(4, 10)], 2 * 4 * 512 * 10, (2048 + 5120 + 40) * 4],
    // Conv 3→16, 3×3, 32×32 same padding, bias: 2·(1·16·32·32)·(3·3·3) + 16·32·32.
    ['Conv', {}, [f32(1, 3, 32, 32), f32(16, 3, 3, 3), f32(16)], [f32(1, 16, 32, 32)], 2 * 16 * 1024 * 27 + 16 * 1024, (3072 + 432 + 16 + 16384) * 4],
    ['Add', {}, [f32(1000), f32(1000)], [f32(1000)], 1000, 12000],
    ['Relu', {}, [f32(10, 10)], [f32(10, 10)], 100, 800],
    ['MaxPool', { kernel_shape: { ints: [2, 2] } }, [f32(1, 16, 32, 32)], [f32(1, 16, 16, 16)], 4 * 16 * 256, (16384 + 4096) * 4],
    ['Transpose', {}, [f32(2, 3)], [f32(3, 2)], 0, 48],
    ['Reshape', {}, [f32(2, 3), { elemType: 7, dims: [2] } as KnownTensor], [f32(3, 2)], 0, 0],
  ] as const)('%s %j', (op, attrs, ins, outs, flops, bytes) => {
    const c = opCost(op, attrs as unknown as Record<string, AttrValue>, ins, outs);
    expect(c).not.toBeNull();
    expect(c?.flops).toBe(flops);
    expect(c?.bytes).toBe(bytes);
  });

  it('counts each tensor at its element size (int8 weights, fp16 activations)', () => {
    const c = opCost('DynamicQuantizeMatMul', {}, [f32(8, 256), { elemType: 3, dims: [256, 1024] }, f32(1024)], [f32(8, 1024)]);
    expect(c?.bytes).toBe(8 * 256 * 4 + 256 * 1024 + 1024 * 4 + 8 * 1024 * 4);
    expect(opCost('Add', {}, [{ elemType: 10, dims: [100] }, { elemType: 10, dims: [100] }], [{ elemType: 10, dims: [100] }])?.bytes).toBe(600);
  });

  it('is null when a tensor it needs is unknown, and estimated for unknown ops', () => {
    expect(opCost('MatMul', {}, [{ elemType: 1, dims: null }, f32(2, 2)], [f32(2, 2)])).toBeNull();
    expect(opCost('SomeCustomOp', {}, [f32(10)], [f32(10)])).toEqual({ flops: 10, bytes: 80, estimated: true });
  });
});

describe('shape propagation through the bundled models', () => {
  it('gives the mlp its op list, shapes and costs at batch 32', () => {
    const g = readOnnxGraph(buildMlp({}, 'fp32'));
    const costs = graphOpCosts(g, { input: [32, 256] });
    expect(costs.map((c) => c.opType)).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add']);
    expect(costs.map((c) => c.cost?.flops)).toEqual([
      2 * 32 * 256 * 1024, 32 * 1024, 32 * 1024,
      2 * 32 * 1024 * 1024, 32 * 1024, 32 * 1024,
      2 * 32 * 1024 * 1024, 32 * 1024, 32 * 1024,
      2 * 32 * 1024 * 64, 32 * 64,
    ]);
    const known = propagateShapes(g, { input: [32, 256] });
    expect(known.get('output')?.dims).toEqual([32, 64]);
  });

  it('costs every mlp variant (int8 DynamicQuantizeMatMul, int4 MatMulNBits, fp16 Casts)', () => {
    for (const p of ['fp16', 'int8', 'int4'] as const) {
      const costs = graphOpCosts(readOnnxGraph(buildMlp({}, p)), { input: [4, 256] });
      expect(costs.every((c) => c.cost !== null), p).toBe(true);
    }
    const int4 = graphOpCosts(readOnnxGraph(buildMlp({}, 'int4')), { input: [4, 256] });
    expect(int4[0]).toMatchObject({ opType: 'MatMulNBits', cost: { flops: 2 * 4 * 256 * 1024 } });
  });

  it('follows the encoder through reshapes, transposes and the attention products', () => {
    const g = readOnnxGraph(buildEncoder({}, 'fp32'));
    const known = propagateShapes(g, { input: [2, 32, 128] });
    expect(known.get('output')?.dims).toEqual([2, 32, 128]);
    const costs = graphOpCosts(g, { input: [2, 32, 128] });
    expect(costs.every((c) => c.cost !== null)).toBe(true);
    // Q·Kᵀ per layer: [2,4,32,32]·[2,4,32,32] → 2·(2·4·32·32)·32 FLOPs.
    const qk = costs.filter((c) => c.opType === 'MatMul' && c.cost?.flops === 2 * 2 * 4 * 32 * 32 * 32);
    expect(qk.length).toBe(4); // Q·Kᵀ and probs·V in each of 2 layers
    expect(costs.filter((c) => c.opType === 'LayerNormalization').length).toBe(4);
  });

  it('follows the cnn through Conv, MaxPool, Flatten and Gemm', () => {
    const g = readOnnxGraph(buildCnn({}, 'fp32'));
    const known = propagateShapes(g, { input: [8, 3, 32, 32] });
    expect(known.get('logits')?.dims).toEqual([8, 10]);
    const conv = graphOpCosts(g, { input: [8, 3, 32, 32] }).filter((c) => c.opType === 'Conv');
    expect(conv.map((c) => c.cost?.flops)).toEqual([2 * 8 * 16 * 1024 * 27 + 8 * 16 * 1024, 2 * 8 * 32 * 256 * 144 + 8 * 32 * 256]);
  });

  it('names an unresolved dynamic dim, a wrong rank, a wrong or non-positive dim and an unknown input', () => {
    const g = readOnnxGraph(buildMlp({}, 'fp32'));
    expect(() => propagateShapes(g, {})).toThrow(/input: dims \[batch, 256\] have a dynamic dim/);
    expect(() => propagateShapes(g, { input: [4] })).toThrow(/rank 1, the model's is 2/);
    expect(() => propagateShapes(g, { input: [4, 256], other: [1] })).toThrow(/other: the model has no input/);
    expect(() => propagateShapes(g, { input: [4, 300] })).toThrow(/input: dim 1 is 256 in the model, 300 given/);
    expect(() => propagateShapes(g, { input: [0, 256] })).toThrow(/input: dim 0 is 0, not a positive integer/);
    expect(() => propagateShapes(g, { input: [1.5, 256] })).toThrow(/not a positive integer/);
  });
});

describe('bad model bytes', () => {
  const mlp = buildMlp({}, 'fp32');
  it.each([
    ['text', new TextEncoder().encode('hello, this is not an ONNX model\n')],
    ['empty', new Uint8Array(0)],
    ['truncated', mlp.subarray(0, Math.floor(mlp.length / 2))],
    ['a length past the end', Uint8Array.of(0x3a, 0xff, 0xff, 0xff, 0x7f)],
    ['an endless varint', new Uint8Array(64).fill(0xff)],
    ['random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)],
  ])('%s is a clear GauntletError', (_, bytes) => {
    let err: unknown;
    try {
      readOnnxGraph(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/^not a readable ONNX model: /);
  });
});

describe('parseOrtTrace', () => {
  it('collects kernel times per node and skips other events', () => {
    const ev = (name: string, dur: unknown, op = 'MatMul') => ({ cat: 'Node', name, dur, args: { op_name: op, provider: 'CPUExecutionProvider', output_type_shape: [{ float: [2, 3] }] } });
    const nodes = parseOrtTrace(JSON.stringify([
      { cat: 'Session', name: 'model_run', dur: 100 },
      ev('mm_kernel_time', 10), ev('mm_fence_before', 0), ev('mm_kernel_time', 12), ev('bad_kernel_time', -1), ev('nan_kernel_time', 'x'), null, 7,
    ]));
    expect(nodes).toEqual([{ name: 'mm', opType: 'MatMul', provider: 'CPUExecutionProvider', durUs: [10, 12], outputs: [{ type: 'float', dims: [2, 3] }] }]);
  });

  it.each(['{', '{"a":1}', ''])('rejects %j clearly', (text) => {
    expect(() => parseOrtTrace(text, 'trace.json')).toThrow(GauntletError);
  });
});
