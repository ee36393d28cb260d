/**
 * The rollout models `gauntlet serve` builds on demand (reference-server/models/rollout-model.ts): mlp_rollout's
 * two versions share their I/O and differ in weights; mlp_rollout_shape's version 2 answers 66 numbers a row where
 * version 1 answers 64, and its config leaves the output's dims open so that both load. Each is built once (a
 * second call finds its stamps up to date), and an unknown name is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureRolloutModel, ROLLOUT_MODEL, ROLLOUT_SHAPE_MODEL } from '../../reference-server/models/rollout-model.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-rollout-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** outputOf runs a version on one row of ones and returns the output's dims and first value. */
async function outputOf(model: string, version: number): Promise<{ dims: readonly number[]; first: number }> {
  const session = await ort.InferenceSession.create(path.join(dir, model, String(version), 'model.onnx'), { logSeverityLevel: 3 });
  const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(256).fill(1), [1, 256]) });
  await session.release();
  const t = out['output']!;
  return { dims: t.dims, first: (t.data as Float32Array)[0]! };
}

describe('rollout models', () => {
  it('mlp_rollout: two versions of the same shape with different weights, serving version 1', async () => {
    expect(await ensureRolloutModel(dir, () => {}, ROLLOUT_MODEL)).toBe(true);
    const config = parse(readFileSync(path.join(dir, ROLLOUT_MODEL, 'config.yaml'), 'utf8'));
    expect(config.version_policy).toEqual({ specific: { versions: [1] } });
    expect(config.output[0].dims).toEqual([64]);
    const [v1, v2] = [await outputOf(ROLLOUT_MODEL, 1), await outputOf(ROLLOUT_MODEL, 2)];
    expect([v1.dims, v2.dims]).toEqual([[1, 64], [1, 64]]);
    expect(v1.first).not.toBe(v2.first);
    expect(await ensureRolloutModel(dir, () => {}, ROLLOUT_MODEL)).toBe(false);
  }, 60_000);

  it('mlp_rollout_shape: version 2 answers 66 numbers a row, and the config admits both', async () => {
    const lines: string[] = [];
    expect(await ensureRolloutModel(dir, (l) => lines.push(l), ROLLOUT_SHAPE_MODEL)).toBe(true);
    expect(lines).toEqual(['built mlp_rollout_shape (versions 1, 2; serves version 1)']);
    const config = parse(readFileSync(path.join(dir, ROLLOUT_SHAPE_MODEL, 'config.yaml'), 'utf8'));
    expect(config.output[0].dims).toEqual([-1]);
    expect(config.version_policy).toEqual({ specific: { versions: [1] } });
    expect((await outputOf(ROLLOUT_SHAPE_MODEL, 1)).dims).toEqual([1, 64]);
    expect((await outputOf(ROLLOUT_SHAPE_MODEL, 2)).dims).toEqual([1, 66]);
    expect(await ensureRolloutModel(dir, () => {}, ROLLOUT_SHAPE_MODEL)).toBe(false);
  }, 60_000);

  it('refuses a name it does not know', async () => {
    await expect(ensureRolloutModel(dir, () => {}, 'mlp_nope')).rejects.toThrow(/unknown rollout model mlp_nope \(known: mlp_rollout, mlp_rollout_shape\)/);
  });
});
