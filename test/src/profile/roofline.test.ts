import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../reference-server/models/graph-builder.js';
import { buildCnn } from '../../../reference-server/models/cnn.js';
import { buildEncoder } from '../../../reference-server/models/encoder.js';
import { buildMlp } from '../../../reference-server/models/mlp.js';
import { DataType } from '../../../reference-server/models/onnx.js';
import { GauntletError } from '../../../src/errors.js';
import type { Roof } from '../../../src/profile/profile-record.js';
import { profileOps } from '../../../src/profile/ops/profile-ops.js';
import { measureRoof, roofCachePath } from '../../../src/profile/roof.js';

// Real ONNX Runtime on this CPU, one thread. Kernels smaller than the command's (512² MatMul, 4M-element Add)
// keep the file to a few seconds; the classification rests on intensities far from any plausible ridge.
const SIZES = { n: 512, elements: 4 * 1024 * 1024 };
let dir: string;
let roof: Roof;

function model(name: string, build: (g: GraphBuilder) => void): Uint8Array {
  const g = new GraphBuilder(name);
  build(g);
  return g.toModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }] });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gauntlet-roofline-'));
  roof = await measureRoof({ ep: 'cpu', threads: 1, cacheDir: dir, sizes: SIZES });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('measureRoof', () => {
  it('measures a positive peak and bandwidth through ORT and caches them per machine', async () => {
    expect(roof.cached).toBe(false);
    expect(roof.peakFlopsPerS).toBeGreaterThan(1e9);
    expect(roof.bandwidthBytesPerS).toBeGreaterThan(1e8);
    expect(roof.ridgeIntensity).toBeCloseTo(roof.peakFlopsPerS / roof.bandwidthBytesPerS);
    const again = await measureRoof({ ep: 'cpu', threads: 1, cacheDir: dir, sizes: SIZES });
    expect(again).toEqual({ ...roof, cached: true });
  });

  it('remeasures when forced, when the key differs, when the cache is stale and when it is corrupt', async () => {
    const forced = await measureRoof({ ep: 'cpu', threads: 1, cacheDir: dir, sizes: SIZES, force: true });
    expect(forced.cached).toBe(false);
    const path = roofCachePath('cpu', 1, dir);
    const saved = JSON.parse(await readFile(path, 'utf8')) as { key: { cpu: string } };
    await writeFile(path, JSON.stringify({ ...saved, key: { ...saved.key, cpu: 'some other CPU' } }));
    expect((await measureRoof({ ep: 'cpu', threads: 1, cacheDir: dir, sizes: SIZES })).cached).toBe(false);
    const fresh = JSON.parse(await readFile(path, 'utf8')) as { roof: Roof };
    await writeFile(path, JSON.stringify({ ...fresh, roof: { ...fresh.roof, measuredAt: '2020-01-01T00:00:00.000Z' } }));
    expect((await measureRoof({ ep: 'cpu', threads: 1, cacheDir: dir, sizes: SIZES })).cached).toBe(false);
    await writeFile(path, '{ not json');
    expect((await measureRoof({ ep: 'cpu', threads: 1, cacheDir: dir, sizes: SIZES })).cached).toBe(false);
  });
});

describe('profileOps classification, measured through ORT', () => {
  it('a large square MatMul is compute-bound', async () => {
    const file = join(dir, 'matmul.onnx');
    await writeFile(file, model('mm', (g) => {
      const a = g.input('a', DataType.FLOAT, [768, 768]);
      const b = g.input('b', DataType.FLOAT, [768, 768]);
      g.rename(g.op('MatMul', [a, b]), 'y');
      g.output('y', DataType.FLOAT, [768, 768]);
    }));
    const p = await profileOps({ modelFile: file, inputShapes: { a: [768, 768], b: [768, 768] }, ep: 'cpu', threads: 1, iterations: 5, roof });
    expect(p.ops).toHaveLength(1);
    const [op] = p.ops;
    expect(op).toMatchObject({ opType: 'MatMul', bound: 'compute', flops: 2 * 768 ** 3, bytes: 3 * 768 * 768 * 4, timeShare: 1 });
    expect(op?.roofFraction).toBeGreaterThan(0);
  });

  it('a large elementwise Add is memory-bound', async () => {
    const n = 4 * 1024 * 1024;
    const file = join(dir, 'add.onnx');
    await writeFile(file, model('add', (g) => {
      const a = g.input('a', DataType.FLOAT, [n]);
      const b = g.input('b', DataType.FLOAT, [n]);
      g.rename(g.op('Add', [a, b]), 'y');
      g.output('y', DataType.FLOAT, [n]);
    }));
    const p = await profileOps({ modelFile: file, inputShapes: { a: [n], b: [n] }, ep: 'cpu', threads: 1, iterations: 5, roof });
    expect(p.ops[0]).toMatchObject({ opType: 'Add', bound: 'memory', flops: n, bytes: 12 * n });
    expect(p.ops[0]?.roofFraction).toBeGreaterThan(0);
  });

  it('profiles the bundled mlp: every op ORT ran, shares summing to 1, costs from the graph ORT ran', async () => {
    const file = join(dir, 'mlp.onnx');
    await writeFile(file, buildMlp({}, 'fp32'));
    const p = await profileOps({ modelFile: file, inputShapes: { input: [32, 256] }, ep: 'cpu', threads: 1, iterations: 5, roof, precision: 'fp32' });
    expect(p).toMatchObject({ precision: 'fp32', batch: 32 });
    // ORT fuses MatMul + bias (+ Relu) into (Fused)Gemm: four products, in the optimized graph's names.
    expect(p.ops).toHaveLength(4);
    expect(p.ops.reduce((a, o) => a + o.timeShare, 0)).toBeCloseTo(1, 6);
    expect(p.ops.map((o) => o.flops).sort((a, b) => a - b)).toEqual([
      2 * 32 * 1024 * 64 + 32 * 64, 2 * 32 * 256 * 1024 + 32 * 1024, 2 * 32 * 1024 * 1024 + 32 * 1024, 2 * 32 * 1024 * 1024 + 32 * 1024,
    ]);
    for (const o of p.ops) expect(o.timeUs).toBeGreaterThan(0);
  });

  it.each([
    ['encoder', () => buildEncoder({}, 'fp32'), { input: [2, 32, 128] }],
    ['encoder int8', () => buildEncoder({}, 'int8'), { input: [2, 32, 128] }],
    ['cnn', () => buildCnn({}, 'fp32'), { input: [4, 3, 32, 32] }],
  ])('costs every op ORT ran in the %s, fused ones included (only in-place views stay unknown)', async (name, build, inputShapes) => {
    const file = join(dir, `${name.replace(' ', '-')}.onnx`);
    await writeFile(file, build());
    const p = await profileOps({ modelFile: file, inputShapes, ep: 'cpu', threads: 1, iterations: 3, roof });
    const unknown = p.ops.filter((o) => o.bound === 'unknown').map((o) => o.opType);
    expect(unknown.filter((t) => !['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'].includes(t))).toEqual([]);
    expect(p.ops.some((o) => o.bound === 'compute')).toBe(true);
    expect(p.ops.some((o) => o.bound === 'memory')).toBe(true);
  });

  it('refuses a file that is not ONNX and a truncated model before ORT sees them', async () => {
    const text = join(dir, 'notes.onnx');
    await writeFile(text, 'not a model');
    const truncated = join(dir, 'truncated.onnx');
    await writeFile(truncated, buildMlp({}, 'fp32').subarray(0, 5000));
    for (const modelFile of [text, truncated, join(dir, 'missing.onnx')]) {
      const run = profileOps({ modelFile, inputShapes: { input: [1, 256] }, ep: 'cpu', threads: 1, roof });
      await expect(run).rejects.toThrow(GauntletError);
      await expect(run).rejects.toThrow(modelFile);
    }
  });
});
