/**
 * A combination's model repository: the config rewritten to the combination's settings (batching off/on, queue
 * delay, max batch size, instances, threads, execution provider), the model file linked, the accuracy delta read
 * from the config, a config the server would refuse reported, and missing precision variants listed.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GauntletError } from '../../../src/errors.js';
import { accuracyOf, prepareSource, rewriteConfig, writeVariantRepository } from '../../../src/sweep/repository-variant.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

const BASE = {
  name: 'm',
  max_batch_size: 64,
  dynamic_batching: { preferred_batch_size: [16, 32], max_queue_delay_microseconds: 100 },
  instance_group: [{ count: 2, kind: 'KIND_CPU' }],
  intra_op_threads: 0,
};

describe('rewriteConfig', () => {
  it.each([
    ['batching off', { dynamicBatching: false }, { dynamic_batching: undefined }],
    ['batching on keeps the base block', { dynamicBatching: true }, { dynamic_batching: BASE.dynamic_batching }],
    ['a delay', { maxQueueDelayUs: 500 }, { dynamic_batching: { preferred_batch_size: [16, 32], max_queue_delay_microseconds: 500 } }],
    ['a smaller max batch drops larger preferred sizes', { maxBatchSize: 16 }, { max_batch_size: 16, dynamic_batching: { preferred_batch_size: [16], max_queue_delay_microseconds: 100 } }],
    ['instances and threads', { instanceCount: 4, intraOpThreads: 1 }, { instance_group: [{ count: 4, kind: 'KIND_CPU' }], intra_op_threads: 1 }],
    ['a GPU provider', { executionProvider: 'webgpu' }, { execution_provider: 'webgpu', instance_group: [{ count: 2, kind: 'KIND_GPU' }] }],
  ] as const)('%s', (_name, combo, changed) => {
    const out = rewriteConfig(BASE, combo);
    const expected: Record<string, unknown> = { ...structuredClone(BASE), ...changed };
    for (const k of Object.keys(expected)) if (expected[k] === undefined) delete expected[k];
    expect(out).toEqual(expected);
  });

  it('adds batching and an instance group to a config that has neither', () => {
    expect(rewriteConfig({ name: 'm', max_batch_size: 8 }, { dynamicBatching: true, instanceCount: 2 })).toEqual({
      name: 'm',
      max_batch_size: 8,
      dynamic_batching: {},
      instance_group: [{ count: 2, kind: 'KIND_CPU' }],
    });
  });

  it('leaves the base config untouched', () => {
    const before = structuredClone(BASE);
    rewriteConfig(BASE, { dynamicBatching: false, instanceCount: 1 });
    expect(BASE).toEqual(before);
  });
});

describe('accuracyOf', () => {
  it('reads a variant\'s accuracy block, and takes an fp32 model as its own reference', () => {
    const config = { name: 'cnn_int8', accuracy: { reference: 'cnn', samples: 64, max_abs_error: 0.2, mean_abs_error: 0.03, cosine_similarity: 0.9995, top1_agreement: 0.97 } };
    expect(accuracyOf(config, 'int8')).toEqual({ reference: 'cnn', cosine: 0.9995, maxAbsError: 0.2, meanAbsError: 0.03, top1: 0.97 });
    expect(accuracyOf({ name: 'cnn' }, undefined)).toEqual({ reference: 'cnn', cosine: 1, maxAbsError: 0, meanAbsError: 0 });
    expect(accuracyOf({ name: 'x_int4' }, 'int4')).toBeNull();
  });
});

describe('writeVariantRepository', () => {
  const repo = makeRepository({ tiny: tinyMlpConfig('tiny', { dynamic_batching: { max_queue_delay_microseconds: 200 } }) });
  const out = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-variant-'));
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('writes the rewritten config and links the model', async () => {
    const source = await prepareSource('tiny', [], repo, () => {});
    const v = writeVariantRepository(source, 'tiny', { dynamicBatching: false, instanceCount: 2 }, path.join(out, 'a'));
    expect(v.model).toBe('tiny');
    expect(v.dir).toBe(path.join(out, 'a', 'repository'));
    const written = parse(readFileSync(path.join(v.dir, 'tiny', 'config.yaml'), 'utf8'));
    expect(written.dynamic_batching).toBeUndefined();
    expect(written.instance_group).toEqual([{ count: 2, kind: 'KIND_CPU' }]);
    const onnx = path.join(v.dir, 'tiny', '1', 'model.onnx');
    expect(existsSync(onnx)).toBe(true);
    expect(lstatSync(onnx).isSymbolicLink()).toBe(true);
    expect(v.accuracy).toEqual({ reference: 'tiny', cosine: 1, maxAbsError: 0, meanAbsError: 0 });
  });

  it('refuses a combination whose config the server would not load', async () => {
    const source = await prepareSource('tiny', [], repo, () => {});
    expect(() => writeVariantRepository(source, 'tiny', { executionProvider: 'cpu', maxBatchSize: 1, dynamicBatching: true, instanceCount: 65 }, path.join(out, 'b'))).toThrow(
      expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: ['instance_group[0].count: must be <= 64, got 65'] }),
    );
  });

  it('reads a repository\'s config.yaml within the limits of scenario files: an alias bomb is a problem, not a crash', async () => {
    const bomb = `name: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${`*${'abcdefgh'[i]}, `.repeat(9)}*${'abcdefgh'[i]}]\n`).join('')}`;
    const bad = makeRepository({ bomb, broken: 'name: broken\nmax_batch_size: [\n' });
    try {
      const bombed = await prepareSource('bomb', [], bad, () => {});
      expect(() => writeVariantRepository(bombed, 'bomb', {}, path.join(out, 'c'))).toThrow(
        expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: [expect.stringMatching(/bomb\/config\.yaml:6: e\[3\]: has more than 50000 YAML values once aliases are expanded/)] }),
      );
      const broken = await prepareSource('broken', [], bad, () => {});
      expect(() => writeVariantRepository(broken, 'broken', {}, path.join(out, 'd'))).toThrow(expect.objectContaining({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: [expect.stringMatching(/config\.yaml:\d: YAML syntax: /)] }));
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('lists the precision variants a repository lacks', async () => {
    const err = await prepareSource('tiny', ['fp32', 'int8', 'int4'], repo, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).details).toEqual([`${path.join(repo, 'tiny_int8')}: no config.yaml (the precision variant tiny_int8)`, `${path.join(repo, 'tiny_int4')}: no config.yaml (the precision variant tiny_int4)`]);
  });

  it('accepts only bundled families without a repository', async () => {
    await expect(prepareSource('tiny', [], undefined, () => {})).rejects.toMatchObject({ code: 'GAUNTLET_ERR_INVALID_CONFIG', details: ['model: must be one of mlp, encoder, cnn, tiny-llm (the bundled models), or name a model of --model-repository'] });
  });
});
