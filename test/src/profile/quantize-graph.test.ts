import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compareOutputs } from '../../../reference-server/models/accuracy.js';
import { GraphBuilder } from '../../../reference-server/models/graph-builder.js';
import { DataType } from '../../../reference-server/models/onnx.js';
import { normalArray, Rng } from '../../../reference-server/models/random.js';
import { quantizeGraph } from '../../../src/profile/quantize-graph.js';

/** mlpGraph is an ONNX file not made by the zoo: x → MatMul(W1) → Relu → MatMul(W2) → y, weights as raw_data. */
function mlpGraph(): Uint8Array {
  const g = new GraphBuilder('two-matmuls');
  const rng = new Rng(3);
  const x = g.input('x', DataType.FLOAT, ['batch', 64]);
  const w1 = g.initializer('w1', DataType.FLOAT, [64, 128], normalArray(rng, 64 * 128, 0.1));
  const h = g.op('Relu', [g.op('MatMul', [x, w1])]);
  const w2 = g.initializer('w2', DataType.FLOAT, [128, 10], normalArray(rng, 128 * 10, 0.1));
  g.rename(g.op('MatMul', [h, w2]), 'y');
  g.output('y', DataType.FLOAT, ['batch', 10]);
  return g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] });
}

async function run(model: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  try {
    const out = await session.run({ x: new ort.Tensor('float32', input, [input.length / 64, 64]) });
    return out.y!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('quantizeGraph', () => {
  it.each([
    ['int8', 0.999],
    ['int4', 0.99],
  ] as const)('rewrites every MatMul on a float initializer of an arbitrary graph to %s, which ORT runs close to fp32', async (precision, cosine) => {
    const fp32 = mlpGraph();
    const q = quantizeGraph(fp32, precision);
    expect(q.quantized).toBe(2);
    const input = normalArray(new Rng(9), 32 * 64, 1);
    const stats = compareOutputs(await run(fp32, input), await run(q.model, input), 32, true);
    expect(stats.cosine_similarity).toBeGreaterThan(cosine);
    expect(stats.cosine_similarity).toBeLessThan(1);
  });

  it('rewrites a Gemm with transposed weights and a bias, as PyTorch exports a Linear layer', async () => {
    const g = new GraphBuilder('gemm');
    const rng = new Rng(6);
    const x = g.input('x', DataType.FLOAT, ['batch', 64]);
    const w = g.initializer('w', DataType.FLOAT, [32, 64], normalArray(rng, 32 * 64, 0.1)); // [N, K]
    const b = g.initializer('b', DataType.FLOAT, [32], normalArray(rng, 32, 1));
    g.rename(g.op('Gemm', [x, w, b], { transB: { i: 1 } }), 'y');
    g.output('y', DataType.FLOAT, ['batch', 32]);
    const fp32 = g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] });
    const input = normalArray(new Rng(9), 8 * 64, 1);
    for (const [precision, cosine] of [['int8', 0.999], ['int4', 0.99]] as const) {
      const q = quantizeGraph(fp32, precision);
      expect(q.quantized).toBe(1);
      expect(compareOutputs(await run(fp32, input), await run(q.model, input), 8).cosine_similarity).toBeGreaterThan(cosine);
    }
    // alpha != 1 is not a plain Gemm: left alone.
    const g2 = new GraphBuilder('gemm-alpha');
    const w2 = g2.initializer('w', DataType.FLOAT, [64, 32], normalArray(rng, 64 * 32, 0.1));
    g2.rename(g2.op('Gemm', [g2.input('x', DataType.FLOAT, ['batch', 64]), w2], { alpha: { f: 2 } }), 'y');
    g2.output('y', DataType.FLOAT, ['batch', 32]);
    expect(quantizeGraph(g2.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] }), 'int8').quantized).toBe(0);
  });

  it('takes a graph of 200k nodes without spreading them into a call', () => {
    const g = new GraphBuilder('long');
    let x = g.input('x', DataType.FLOAT, ['batch', 64]);
    const w = g.initializer('w', DataType.FLOAT, [64, 64], normalArray(new Rng(1), 64 * 64, 0.1));
    x = g.op('MatMul', [x, w]);
    for (let i = 0; i < 200_000; i++) x = g.op('Identity', [x]);
    g.rename(x, 'y');
    g.output('y', DataType.FLOAT, ['batch', 64]);
    const q = quantizeGraph(g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] }), 'int8');
    expect(q.quantized).toBe(1);
  });

  it('quantizes weights shared by two MatMuls once', async () => {
    const g = new GraphBuilder('shared');
    const w = g.initializer('w', DataType.FLOAT, [64, 64], normalArray(new Rng(4), 64 * 64, 0.1));
    const x = g.input('x', DataType.FLOAT, ['batch', 64]);
    g.rename(g.op('MatMul', [g.op('MatMul', [x, w]), w]), 'y');
    g.output('y', DataType.FLOAT, ['batch', 64]);
    const fp32 = g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] });
    const q = quantizeGraph(fp32, 'int8');
    expect(q.quantized).toBe(2);
    // One int8 copy (4096 bytes of weights, 256 of scales) and two nodes, not two copies.
    expect(q.model.length - fp32.length).toBeLessThan(64 * 64 + 64 * 4 + 400);
    const input = normalArray(new Rng(9), 4 * 64, 1);
    const session = await ort.InferenceSession.create(q.model, { logSeverityLevel: 3 });
    const out = await session.run({ x: new ort.Tensor('float32', input, [4, 64]) });
    await session.release();
    expect(compareOutputs(await run(fp32, input), out.y!.data as Float32Array, 4).cosine_similarity).toBeGreaterThan(0.999);
  });

  it('leaves a graph without such MatMuls as it was, and refuses bytes that are not protobuf', () => {
    const g = new GraphBuilder('relu');
    g.rename(g.op('Relu', [g.input('x', DataType.FLOAT, ['batch', 4])]), 'y');
    g.output('y', DataType.FLOAT, ['batch', 4]);
    const model = g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] });
    const q = quantizeGraph(model, 'int8');
    expect(q.quantized).toBe(0);
    expect(Buffer.from(q.model).equals(Buffer.from(model))).toBe(true);
    expect(() => quantizeGraph(new TextEncoder().encode('not a model at all'), 'int8')).toThrow();
  });
});
