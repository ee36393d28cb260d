import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ModelConfig } from '../../reference-server/config/model-config.js';
import { compareOutputs, measureAccuracy, runModel } from '../../reference-server/models/accuracy.js';
import {
  buildModelRepository,
  defaultModelRepository,
  ensureModelRepository,
} from '../../reference-server/models/build.js';
import { fromFloat16Bits, toFloat16Bits } from '../../reference-server/models/float16.js';
import { GraphBuilder } from '../../reference-server/models/graph-builder.js';
import { DataType, encodeAttribute, encodeTensor, encodeValueInfo } from '../../reference-server/models/onnx.js';
import { ProtoWriter } from '../../reference-server/models/protobuf.js';
import {
  dequantizeInt4,
  INT8_WEIGHT_LEVEL,
  quantizeInt4Blockwise,
  quantizeInt8PerColumn,
} from '../../reference-server/models/quantize.js';
import { normalArray, Rng } from '../../reference-server/models/random.js';
import { FAMILIES, PRECISIONS, type FamilyOptions, type Precision } from '../../reference-server/models/zoo.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');

describe('ProtoWriter', () => {
  it.each([
    ['varint 150 (the protobuf docs example)', new ProtoWriter().varint(1, 150), '089601'],
    ['string', new ProtoWriter().string(2, 'testing'), `1207${ascii('testing')}`],
    ['negative int64 takes 10 bytes', new ProtoWriter().varint(3, -1), '18ffffffffffffffffff01'],
    ['bigint above 2^53', new ProtoWriter().varint(1, 2n ** 63n), '0880808080808080808001'],
    ['bool', new ProtoWriter().bool(5, true), '2801'],
    ['float 1.0 is fixed32 little-endian', new ProtoWriter().float(2, 1), '150000803f'],
    ['packed varints', new ProtoWriter().packedVarints(4, [3, 270, 86942]), '2206038e029ea705'],
    ['packed floats', new ProtoWriter().packedFloats(7, [1, -2]), '3a080000803f000000c0'],
    ['empty packed field is omitted', new ProtoWriter().packedVarints(4, []), ''],
    ['nested message', new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)), '1a03089601'],
  ])('%s', (_label, writer, expected) => {
    expect(hex(writer.finish())).toBe(expected);
  });

  it('links large sub-messages and byte fields with the right length prefixes', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const inner = new ProtoWriter().bytes(9, payload);
    const outer = new ProtoWriter().varint(1, 7).message(5, inner).string(2, 'x').finish();
    // inner = 4a ac02 <300 bytes> (303 bytes); outer = 0807 2a af02 <inner> 1201 78
    expect(outer.length).toBe(2 + 3 + 303 + 3);
    expect(hex(outer.subarray(0, 8))).toBe('08072aaf024aac02');
    expect(Buffer.from(outer.subarray(8, 308)).equals(Buffer.from(payload))).toBe(true);
    expect(hex(outer.subarray(308))).toBe('120178');
  });

  it('rejects bad field numbers and non-integer varints', () => {
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow(RangeError);
  });
});

describe('ONNX encoding', () => {
  it('encodes a TensorProto: dims=1 (packed), data_type=2, name=8, raw_data=9', () => {
    const raw = new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    const bytes = encodeTensor({ name: 'w', dataType: DataType.FLOAT, dims: [2], raw }).finish();
    expect(hex(bytes)).toBe(`0a0102 1001 420177 4a08${hex(raw)}`.replace(/ /g, ''));
  });

  it('encodes AttributeProto values with their type discriminator (field 20)', () => {
    expect(hex(encodeAttribute('axis', { i: -1 }).finish())).toBe(`0a04${ascii('axis')}18ffffffffffffffffff01a00102`);
    expect(hex(encodeAttribute('epsilon', { f: 1 }).finish())).toBe(`0a07${ascii('epsilon')}150000803fa00101`);
    expect(hex(encodeAttribute('perm', { ints: [0, 2] }).finish())).toBe(`0a04${ascii('perm')}42020002a00107`);
    expect(hex(encodeAttribute('mode', { s: 'ab' }).finish())).toBe(`0a04${ascii('mode')}22026162a00103`);
  });

  it('encodes a ValueInfoProto with a symbolic and a fixed dim', () => {
    const bytes = encodeValueInfo({ name: 'x', elemType: DataType.FLOAT, dims: ['b', 4] }).finish();
    // ValueInfo{name=1 'x', type=2 TypeProto{tensor_type=1 {elem_type=1 FLOAT,
    //   shape=2 {dim=1 {dim_param=2 'b'}, dim=1 {dim_value=1 4}}}}}
    expect(hex(bytes)).toBe('0a0178 120f 0a0d 0801 1209 0a03120162 0a020804'.replace(/ /g, ''));
  });

  it('builds a graph ONNX Runtime loads and runs (Add with an initializer, symbolic batch)', async () => {
    const g = new GraphBuilder('add');
    const x = g.input('x', DataType.FLOAT, ['batch', 3]);
    const b = g.initializer('b', DataType.FLOAT, [3], Float32Array.of(1, 2, 3));
    g.rename(g.op('Add', [x, b]), 'y');
    g.output('y', DataType.FLOAT, ['batch', 3]);
    const model = g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] });
    const session = await ort.InferenceSession.create(model);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1, 1, 2, 2, 2), [2, 3]) });
    expect(Array.from(out['y']?.data as Float32Array)).toEqual([2, 3, 4, 3, 4, 5]);
    await session.release();
  });
});

describe('float16 conversion', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [65504, 0x7bff],
    [65520, 0x7c00], // halfway to the next power: ties to even overflow to Inf
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: even is 0
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 subnormal ulps: even is 2
    [1 + 2 ** -11, 0x3c00], // tie: even mantissa stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie: odd mantissa rounds up
    [1e-9, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [NaN, 0x7e00],
  ])('%d → 0x%s', (value, bits) => {
    expect(toFloat16Bits(value)).toBe(bits);
  });

  it('round-trips every finite half exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
    }
  });
});

describe('weight quantization', () => {
  it('int8: 7-bit per-column symmetric, error within half a step', () => {
    const w = normalArray(new Rng(1), 64 * 8, 1);
    const q = quantizeInt8PerColumn(w, 64, 8);
    expect(INT8_WEIGHT_LEVEL).toBe(63);
    expect(Math.max(...Array.from(q.q, Math.abs))).toBe(63);
    w.forEach((v, i) => {
      const scale = q.scales[i % 8] ?? 0;
      expect(Math.abs(v - (q.q[i] ?? 0) * scale)).toBeLessThanOrEqual(scale / 2 + 1e-6);
    });
  });

  it.each([
    [96, 10], // 3 blocks: odd count, so the last zero-point byte has an empty high nibble
    [80, 7], // K not a multiple of the block size: the last block is zero-padded
    [64, 16],
  ])('int4: MatMulNBits with our packing equals MatMul with the dequantized weights (K=%i, N=%i)', async (k, n) => {
    const rng = new Rng(k * n);
    const w = normalArray(rng, k * n, 1);
    const q = quantizeInt4Blockwise(w, k, n, 32);
    const deq = dequantizeInt4(q, k, n);
    w.forEach((v, i) => {
      const scale = q.scales[(i % n) * q.kBlocks + Math.floor(i / n / 32)] ?? 0;
      expect(Math.abs(v - (deq[i] ?? 0))).toBeLessThanOrEqual(scale / 2 + 1e-6);
    });
    const m = 5;
    const a = normalArray(rng, m * k, 1);
    const g = new GraphBuilder('nbits');
    const x = g.input('a', DataType.FLOAT, [m, k]);
    const inputs = [
      x,
      g.initializer('b', DataType.UINT8, [n, q.kBlocks, 16], q.packed),
      g.initializer('s', DataType.FLOAT, [n, q.kBlocks], q.scales),
      g.initializer('z', DataType.UINT8, [n, Math.ceil(q.kBlocks / 2)], q.zeroPoints),
    ];
    const attrs = { K: { i: k }, N: { i: n }, bits: { i: 4 }, block_size: { i: 32 } };
    g.rename(g.op('MatMulNBits', inputs, attrs, 'com.microsoft'), 'y');
    g.output('y', DataType.FLOAT, [m, n]);
    const opsets = [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }];
    const session = await ort.InferenceSession.create(g.toModel({ irVersion: 8, opsets }), { logSeverityLevel: 3 });
    const y = (await session.run({ a: new ort.Tensor('float32', a, [m, k]) }))['y']?.data as Float32Array;
    await session.release();
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let expected = 0;
        for (let t = 0; t < k; t++) expected += (a[i * k + t] ?? 0) * (deq[t * n + j] ?? 0);
        expect(y[i * n + j]).toBeCloseTo(expected, 3);
      }
    }
  });
});

const SMALL: Record<string, Partial<FamilyOptions>> = {
  mlp: { inputSize: 64, hiddenSize: 128, hiddenLayers: 2, outputSize: 16 },
  encoder: { seqLen: 8, hidden: 64, heads: 4, layers: 1, ffn: 128 },
  cnn: { imageSize: 16, conv1: 8, conv2: 16, classes: 10 },
};
const MIN_COSINE: Record<Precision, number> = { fp32: 1, fp16: 0.999, int8: 0.99, int4: 0.98 };

describe.each(Object.keys(SMALL))('model family %s', (name) => {
  const family = FAMILIES[name];
  if (family === undefined) throw new Error(name);
  const options = family.resolve(SMALL[name]);
  const io = family.io(options);
  const reference = family.build(options, 'fp32');

  it.each(PRECISIONS)('%s builds, runs in onnxruntime-node with the right shape and agrees with fp32', async (p) => {
    const model = family.build(options, p);
    const batch = 3;
    const inputs = normalArray(new Rng(9), batch * io.input.dims.reduce((a, b) => a * b, 1), 1);
    const out = await runModel(model, io, inputs, batch);
    expect(out.length).toBe(batch * io.output.dims.reduce((a, b) => a * b, 1));
    expect(out.every(Number.isFinite)).toBe(true);
    const stats = await measureAccuracy(reference, model, io, { classifier: family.classifier });
    expect(stats.cosine_similarity).toBeGreaterThanOrEqual(MIN_COSINE[p] - 1e-9);
    if (family.classifier) expect(stats.top1_agreement).toBeGreaterThan(0.8);
    else expect(stats.top1_agreement).toBeUndefined();
  });

  it('is deterministic: same seed, same bytes; another seed, other weights', () => {
    for (const p of PRECISIONS) {
      expect(Buffer.from(family.build(options, p)).equals(Buffer.from(family.build(options, p)))).toBe(true);
    }
    expect(Buffer.from(family.build({ ...options, seed: 1 }, 'fp32')).equals(Buffer.from(reference))).toBe(false);
  });
});

describe('compareOutputs', () => {
  it('computes errors, cosine and top-1 agreement per sample', () => {
    const ref = Float32Array.of(1, 0, 0, 1);
    const got = Float32Array.of(1, 0, 1, 0);
    expect(compareOutputs(ref, got, 2, true)).toEqual({
      samples: 2,
      max_abs_error: 1,
      mean_abs_error: 0.5,
      cosine_similarity: 0.5,
      top1_agreement: 0.5,
    });
  });
});

describe('model repository', () => {
  it('defaults to <project root>/models', () => {
    const dir = defaultModelRepository();
    expect(dir.endsWith('models')).toBe(true);
    expect(existsSync(join(dirname(dir), 'package.json'))).toBe(true);
  });

  it('builds every bundled model, then skips them, rebuilds a deleted one and honours force', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gauntlet-models-'));
    try {
      const first = await buildModelRepository(out);
      const names = ['mlp', 'encoder', 'cnn'].flatMap((f) => [f, `${f}_fp16`, `${f}_int8`, `${f}_int4`]);
      // The reference LLM is built with them (its own checks are in test/reference-server/llm/llm-build.test.ts).
      const llm = ['tiny-llm', 'tiny-llm-fp16', 'tiny-llm-int8', 'tiny-llm-int4'];
      expect(first.built.map((m) => m.name)).toEqual([...names, ...llm]);
      expect((await readdir(out)).sort()).toEqual([...names, ...llm].sort());
      for (const m of first.built.filter((b) => b.family !== 'tiny-llm')) {
        const config = parse(await readFile(join(out, m.name, 'config.yaml'), 'utf8')) as ModelConfig;
        expect(config.name).toBe(m.name);
        expect(config.precision).toBe(m.precision);
        expect(config.input[0]?.data_type).toBe('TYPE_FP32');
        expect((await stat(join(out, m.name, '1', 'model.onnx'))).size).toBe(m.modelBytes);
        if (m.precision === 'fp32') continue;
        expect(config.accuracy?.reference).toBe(m.family);
        expect(config.accuracy?.cosine_similarity).toBeGreaterThanOrEqual(MIN_COSINE[m.precision]);
        expect(config.accuracy?.top1_agreement !== undefined).toBe(m.family === 'cnn');
      }
      const cnn = parse(await readFile(join(out, 'cnn', 'config.yaml'), 'utf8')) as ModelConfig;
      expect(cnn.input[0]?.dims).toEqual([3, 32, 32]);
      expect(cnn.output[0]).toEqual({ name: 'logits', data_type: 'TYPE_FP32', dims: [10] });
      expect(cnn.max_batch_size).toBe(256);

      const second = await ensureModelRepository(out);
      expect(second.built).toEqual([]);
      expect(second.skipped).toEqual([...names, ...llm]);

      await rm(join(out, 'encoder_int8'), { recursive: true });
      await rm(join(out, 'cnn', '1', 'model.onnx'));
      await mkdir(join(out, '.tmp-mlp-999999999-abcdef'), { recursive: true }); // left by a dead builder
      const third = await ensureModelRepository(out);
      expect(third.built.map((m) => m.name)).toEqual(['encoder_int8', 'cnn']);
      expect(existsSync(join(out, '.tmp-mlp-999999999-abcdef'))).toBe(false);

      const forced = await buildModelRepository(out, { models: ['cnn'], precisions: ['int4'], force: true });
      expect(forced.built.map((m) => m.name)).toEqual(['cnn_int4']);
      const reseeded = await buildModelRepository(out, { models: ['cnn'], precisions: ['fp32'], seed: 5 });
      expect(reseeded.built.map((m) => m.name)).toEqual(['cnn']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('survives two builders installing the same models at once', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gauntlet-models-'));
    try {
      const opts = { models: ['cnn'], force: true };
      await Promise.all([buildModelRepository(out, opts), buildModelRepository(out, opts)]);
      expect((await readdir(out)).sort()).toEqual(['cnn', 'cnn_fp16', 'cnn_int4', 'cnn_int8']);
      expect((await ensureModelRepository(out, { models: ['cnn'] })).built).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('lists every invalid option at once', async () => {
    await expect(buildModelRepository(tmpdir(), { models: ['mlp', 'rnn'], precisions: ['int2'], seed: 1e300 })).rejects.toThrow(
      /unknown family rnn[\s\S]*unknown precision int2[\s\S]*seed: must be an integer from 0 to 4294967295, got 1e\+300/,
    );
  });
});
