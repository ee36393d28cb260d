/**
 * `gauntlet profile` end to end through the built CLI on tiny real ONNX models (real ONNX Runtime in worker
 * threads): the record and table of a short profile, an interrupted profile, and bad input (exit 2).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../reference-server/models/graph-builder.js';
import { IR_VERSION, OPSET } from '../../../reference-server/models/layers.js';
import { buildMlp } from '../../../reference-server/models/mlp.js';
import { DataType } from '../../../reference-server/models/onnx.js';
import { normalArray, Rng } from '../../../reference-server/models/random.js';
import type { ProfileRecord } from '../../../src/profile/profile-record.js';
import { gauntlet } from '../../helpers/cli.js';
import { TINY_MLP } from '../../helpers/test-repo.js';

let dir: string;
let repo: string;
let tiny: string;
let dynamic: string;
let matmuls: string;
let evalJsonl: string;

/** npy encodes a float32 array of `shape` as an .npy file. */
function npy(shape: number[], values: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(Float32Array.from(values).buffer)]);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-profile-'));
  tiny = path.join(dir, 'tiny.onnx');
  writeFileSync(tiny, buildMlp(TINY_MLP, 'fp32'));
  repo = path.join(dir, 'repo');
  for (const [name, precision] of [['tiny', 'fp32'], ['tiny_int8', 'int8']] as const) {
    mkdirSync(path.join(repo, name, '1'), { recursive: true });
    writeFileSync(path.join(repo, name, '1', 'model.onnx'), buildMlp(TINY_MLP, precision));
  }
  // [batch, seq, 8] → Relu: 'seq' is a dynamic dim other than batch.
  const g = new GraphBuilder('dynamic');
  const x = g.input('x', DataType.FLOAT, ['batch', 'seq', 8]);
  g.rename(g.op('Relu', [x]), 'y');
  g.output('y', DataType.FLOAT, ['batch', 'seq', 8]);
  evalJsonl = path.join(dir, 'eval.jsonl');
  const rows = Array.from({ length: 24 }, (_, i) => JSON.stringify({ input: Array.from({ length: TINY_MLP.inputSize }, (_, j) => Math.sin(i * 7 + j)), label: i % TINY_MLP.outputSize }));
  writeFileSync(evalJsonl, `${rows.join('\n')}\n`);
  writeFileSync(path.join(dir, 'short.jsonl'), `${JSON.stringify({ input: [1, 2, 3], label: 0 })}\n`);
  writeFileSync(path.join(dir, 'wrong.npy'), npy([2, 5], Array.from({ length: 10 }, () => 0.5)));
  // x → MatMul(W [64, 32]) → y: an ONNX file not made by the zoo, with weights our quantizer can take.
  const m = new GraphBuilder('matmul');
  const w = m.initializer('w', DataType.FLOAT, [64, 32], normalArray(new Rng(5), 64 * 32, 0.1));
  m.rename(m.op('MatMul', [m.input('x', DataType.FLOAT, ['batch', 64]), w]), 'y');
  m.output('y', DataType.FLOAT, ['batch', 32]);
  matmuls = path.join(dir, 'matmul.onnx');
  writeFileSync(matmuls, m.toModel({ irVersion: IR_VERSION, opsets: [{ domain: '', version: OPSET }] }));
  dynamic = path.join(dir, 'dynamic.onnx');
  writeFileSync(dynamic, g.toModel({ irVersion: IR_VERSION, opsets: [{ domain: '', version: OPSET }] }));
});

describe('gauntlet profile', () => {
  it('profiles a repository model and its int8 variant at two batch sizes: record, table, recommendation', async () => {
    const out = path.join(dir, 'p-repo');
    const ran = await gauntlet(['profile', 'tiny', '--model-repository', repo, '--batch-sizes', '1,4', '--max-seconds-per-cell', '0.3', '--threads', '1', '--out', out, '--json', '--eval-data', evalJsonl, '--max-accuracy-drop', '0.5']);
    expect(ran.code, ran.stderr).toBe(0);
    const record = JSON.parse(ran.stdout) as ProfileRecord;
    expect(JSON.parse(readFileSync(path.join(out, 'profile.json'), 'utf8'))).toEqual(record);
    expect(record.status).toBe('complete');
    expect(record.model).toMatchObject({ source: 'repository', name: 'tiny', classifier: true });
    expect(record.model.inputs[0]).toMatchObject({ name: 'input', datatype: 'float32', dims: ['batch', TINY_MLP.inputSize] });
    expect(record.options).toMatchObject({ batchSizes: [1, 4], precisions: ['fp32', 'int8'], ep: 'cpu', threads: 1, minCosine: 0.999, targetCiShare: 0.05 });
    expect(record.variants.map((v) => v.precision)).toEqual(['fp32', 'int8']);
    expect(record.options).toMatchObject({ evalData: evalJsonl, maxAccuracyDrop: 0.5 });
    expect(record.variants[0]!.accuracy).toMatchObject({ cosine: 1, maxAbsError: 0, top1: 1, task: { metric: 'top1', dropVsFp32: 0 } });
    const fp32Task = record.variants[0]!.accuracy!.task!.value;
    expect(fp32Task * 24).toBeCloseTo(Math.round(fp32Task * 24), 9); // a share of the 24 labelled samples
    expect(record.variants[1]!.accuracy!.task!.dropVsFp32).toBeCloseTo(fp32Task - record.variants[1]!.accuracy!.task!.value, 5);
    const int8 = record.variants[1]!;
    expect(int8.bytes).toBeGreaterThan(0);
    expect(int8.accuracy!.cosine).toBeGreaterThan(0.99);
    expect(int8.accuracy!.cosine).toBeLessThan(1);
    expect(record.cells.map((c) => `${c.precision}@${c.batch}`)).toEqual(['fp32@1', 'fp32@4', 'int8@1', 'int8@4']);
    for (const c of record.cells) {
      expect(c.iterations).toBeGreaterThanOrEqual(20);
      expect(c.latencyMs.min).toBeLessThanOrEqual(c.latencyMs.p50);
      expect(c.latencyMs.p50).toBeLessThanOrEqual(c.latencyMs.p99);
      expect(c.p50Ci95Ms[0]).toBeLessThanOrEqual(c.latencyMs.p50);
      expect(c.p50Ci95Ms[1]).toBeGreaterThanOrEqual(c.latencyMs.p50);
      expect(c.converged).toBe(c.ciShare <= 0.05);
      expect(c.throughputSamplesPerS / ((c.batch * 1000) / c.latencyMs.mean)).toBeCloseTo(1, 3);
      expect(c.rssGrowthBytes).not.toBeNull();
    }
    expect(record.recommendation!.perPrecision.map((p) => p.precision)).toEqual(['fp32', 'int8']);
    expect(record.recommendation!.variants[0]!.precision).toBe('int8');
    expect(record.recommendation!.rule).toContain('--min-cosine');
    expect(record).not.toHaveProperty('ops');
    expect(record).not.toHaveProperty('roof');
    // The table (on stderr with --json): a header, one row per cell, and the rule.
    expect(ran.stderr).toMatch(/precision\s+batch\s+p50 ms\s+p50 95% CI/);
    expect(ran.stderr).toMatch(/^int8\s+4\s/m);
    expect(ran.stderr).toContain('rule: per precision');
  });

  it('leaves a readable record that says interrupted on SIGINT, and exits 3', async () => {
    const out = path.join(dir, 'p-int');
    const file = path.join(out, 'profile.json');
    // 16 large batches: seconds of work even when every cell converges at once, so the signal finds it running.
    const batches = Array.from({ length: 16 }, (_, i) => 8192 + i).join(',');
    const ran = await gauntlet(['profile', tiny, '--batch-sizes', batches, '--max-seconds-per-cell', '60', '--threads', '1', '--out', out], (child) => {
      const poll = setInterval(() => {
        if (existsSync(file)) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
    });
    expect(ran.code, ran.stderr).toBe(3);
    const record = JSON.parse(readFileSync(file, 'utf8')) as ProfileRecord;
    expect(record.status).toBe('interrupted');
    expect(record.endedAt).toBeDefined();
    expect(record.cells.length).toBeLessThan(16);
    expect(ran.stdout).toContain('interrupted');
  });

  it.each([
    ['a file that is not ONNX', () => [path.join(dir, 'not.onnx')], /not\.onnx: not a loadable ONNX model/],
    ['an unknown model', () => ['nosuch-model'], /nosuch-model: unknown model/],
    ['an unknown EP', () => [tiny, '--ep', 'tpu'], /--ep: unknown execution provider 'tpu'/],
    ['an EP that cannot load', () => [tiny, '--ep', 'cuda'], /execution provider 'cuda' cannot load here: missing .*CUDA/],
    ['a file that is not ONNX, on a GPU EP', () => [path.join(dir, 'not.onnx'), '--ep', 'webgpu'], /not\.onnx: not a loadable ONNX model \(ONNX Runtime: .*Protobuf parsing failed/],
    ['an unresolvable dynamic dim', () => [dynamic], /dynamic dim 'seq'.*--shape seq=N/],
    ['a --shape that contradicts a fixed dim', () => [tiny, '--shape', 'input=4096'], /--shape input: the model fixes dim 1 is 16, not 4096/],
    ['a --shape naming nothing in the model', () => [dynamic, '--shape', 'seq=2', '--shape', 'sequence=4'], /--shape sequence: the model has no input or dynamic dim of that name/],
    ['bad batch sizes', () => [tiny, '--batch-sizes', '0,8,x'], /--batch-sizes: '0' is not an integer from 1 to 65536[\s\S]*'x'/],
    ['numbers out of range', () => [tiny, '--min-cosine', '2', '--max-seconds-per-cell', '0'], /--min-cosine: must be[\s\S]*--max-seconds-per-cell: must be/],
    ['JSONL eval data of the wrong shape', () => [tiny, '--eval-data', path.join(dir, 'short.jsonl')], /short\.jsonl:1\.inputs\.input: 3 values, but the model takes \[16\]/],
    ['.npy eval data of the wrong shape', () => [tiny, '--eval-data', path.join(dir, 'wrong.npy')], /wrong\.npy: shape \(2, 5\) does not match the model's input 'input': expected \(N, 16\)/],
    ['fp16 of an .onnx file', () => [tiny, '--precisions', 'fp16'], /--precisions fp16: an \.onnx file is profiled as given \(fp32\) and quantized to int8 and int4/],
    ['int8 of an .onnx file with nothing to quantize', () => [dynamic, '--shape', 'seq=2', '--precisions', 'fp32,int8'], /dynamic\.onnx: --precisions int8: the graph has no MatMul/],
    ['an --out that cannot be a folder', () => [tiny, '--out', path.join(dir, 'not.onnx')], /--out .*not\.onnx: cannot create the folder \(EEXIST\)/],
  ])('%s is exit 2 with a clear message', async (_what, args, message) => {
    writeFileSync(path.join(dir, 'not.onnx'), 'not a model');
    const ran = await gauntlet(['profile', ...args(), ...(args().includes('--out') ? [] : ['--out', path.join(dir, 'bad')])]);
    expect(ran.code, ran.stderr).toBe(2);
    expect(ran.stderr).toMatch(message);
    // One error line and its details: what native code printed while a provider failed is in the message, not raw.
    expect(ran.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('  ')).length, ran.stderr).toBe(1);
  });

  it('quantizes an arbitrary .onnx file to int8 and int4 into the profile folder and profiles them', async () => {
    const out = path.join(dir, 'p-onnx');
    // With --ops: the machine's roof (measured into a fresh cache folder) and a per-op profile of each variant.
    const ran = await gauntlet(['profile', matmuls, '--batch-sizes', '2', '--max-seconds-per-cell', '0.2', '--threads', '1', '--out', out, '--json', '--ops'], undefined, { XDG_CACHE_HOME: path.join(dir, 'cache') });
    expect(ran.code, ran.stderr).toBe(0);
    const record = JSON.parse(ran.stdout) as ProfileRecord;
    expect(record.model.source).toBe('onnx');
    expect(record.roof).toMatchObject({ ep: 'cpu', cached: false });
    expect(existsSync(path.join(dir, 'cache', 'gauntlet'))).toBe(true);
    expect(record.ops!.map((o) => [o.precision, o.batch])).toEqual(record.variants.filter((v) => !v.broken).map((v) => [v.precision, 2]));
    for (const o of record.ops!) {
      expect(o.ops.length).toBeGreaterThan(0);
      expect(o.ops.reduce((a, x) => a + x.timeShare, 0)).toBeCloseTo(1, 5);
      expect(o.ops.some((x) => x.flops > 0 && x.bound !== 'unknown')).toBe(true);
    }
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    expect(record.variants.map((v) => [v.precision, v.file])).toEqual([['fp32', matmuls], ['int8', 'variants/matmul_int8.onnx'], ['int4', 'variants/matmul_int4.onnx']]);
    expect(existsSync(path.join(out, 'variants/matmul_int8.onnx'))).toBe(true);
    expect(record.variants[1]!.accuracy!.cosine).toBeGreaterThan(0.999);
    expect(record.variants[2]!.accuracy!.cosine).toBeGreaterThan(0.99);
    expect(record.variants[1]!.bytes).toBeLessThan(record.variants[0]!.bytes * 2);
    expect(record.cells).toHaveLength(3);
  });

  it('resolves a dynamic dim from --shape', async () => {
    const ran = await gauntlet(['profile', dynamic, '--shape', 'seq=3', '--batch-sizes', '2', '--max-seconds-per-cell', '0.2', '--out', path.join(dir, 'p-dyn'), '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const record = JSON.parse(ran.stdout) as ProfileRecord;
    expect(record.options.shapes).toEqual({ seq: [3] });
    expect(record.cells[0]!.iterations).toBeGreaterThan(0);
  });
});
