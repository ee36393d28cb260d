/**
 * Builds small model repositories for tests: real ONNX models from the model builder, with configs written here
 * so each test can set the batching and queue policy it exercises.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildMlp } from '../../reference-server/models/mlp.js';

/** TINY_MLP are the dims of the test mlp: 16 → 2 × 32 → 4. */
export const TINY_MLP = { inputSize: 16, hiddenSize: 32, hiddenLayers: 2, outputSize: 4, seed: 7 };

/** tinyMlpConfig is a config for the tiny mlp; `extra` overrides or adds fields. */
export function tinyMlpConfig(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    max_batch_size: 64,
    input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [TINY_MLP.inputSize] }],
    output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [TINY_MLP.outputSize] }],
    instance_group: [{ count: 1, kind: 'KIND_CPU' }],
    intra_op_threads: 1,
    ...extra,
  };
}

/** makeRepository writes a repository with one tiny-mlp model per entry of `configs` (name → config) and returns its folder. */
export function makeRepository(configs: Record<string, Record<string, unknown> | string>, versions: number[] = [1]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-repo-'));
  const onnx = buildMlp(TINY_MLP, 'fp32');
  for (const [name, config] of Object.entries(configs)) {
    const folder = path.join(dir, name);
    for (const v of versions) {
      mkdirSync(path.join(folder, String(v)), { recursive: true });
      writeFileSync(path.join(folder, String(v), 'model.onnx'), onnx);
    }
    writeFileSync(path.join(folder, 'config.yaml'), typeof config === 'string' ? config : stringify(config));
  }
  return dir;
}

/**
 * clientTestModels are the models the target-client tests serve: `tiny`, and `full`, whose queue is full at once:
 * one request executes (300 ms), one waits, every other one is rejected.
 */
export function clientTestModels(): Record<string, Record<string, unknown>> {
  return {
    tiny: tinyMlpConfig('tiny'),
    full: tinyMlpConfig('full', { max_batch_size: 1, artificial_delay_us: 300_000, dynamic_batching: { default_queue_policy: { max_queue_size: 1 } } }),
  };
}
