/**
 * The rollout models of the rollout drills (docs/drills.md#rollout), the bundled mlp with two versions in Triton's
 * layout and a config whose version_policy serves version 1 only, so that a drill moves it to version 2 through
 * the repository extension while it serves:
 * - `mlp_rollout`: `2/model.onnx` is the same graph and I/O with weights of another seed, as a retrained model;
 * - `mlp_rollout_shape`: `2/model.onnx` answers 66 numbers a row instead of 64, a broken export (its config
 *   declares the output's dims as [-1], so both versions load, as a config that does not pin them lets them).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILDER_VERSION, buildFingerprint, DEFAULT_SEED, modelConfig } from './build.js';
import type { MlpOptions } from './mlp.js';
import { configYaml, installModel, type BuildStamp } from './repository-files.js';
import { MLP } from './zoo.js';

/** ROLLOUT_MODEL is the name of the two-version model the rollout drills serve. */
export const ROLLOUT_MODEL = 'mlp_rollout';
/** ROLLOUT_SHAPE_MODEL is the two-version model whose version 2 answers with the wrong output shape. */
export const ROLLOUT_SHAPE_MODEL = 'mlp_rollout_shape';
/** ROLLOUT_VERSION_SEEDS are the weight seeds of mlp_rollout's versions 1 and 2. */
export const ROLLOUT_VERSION_SEEDS: Readonly<Record<number, number>> = { 1: DEFAULT_SEED, 2: DEFAULT_SEED + 1 };

/** ROLLOUT_MODELS are the rollout models by name: each version's options (over the bundled mlp's). */
const ROLLOUT_MODELS: Readonly<Record<string, { versions: Readonly<Record<number, Partial<MlpOptions>>>; anyOutputDims: boolean; about: string }>> = {
  [ROLLOUT_MODEL]: {
    versions: { 1: { seed: ROLLOUT_VERSION_SEEDS[1]! }, 2: { seed: ROLLOUT_VERSION_SEEDS[2]! } },
    anyOutputDims: false,
    about: `version 1 seed ${ROLLOUT_VERSION_SEEDS[1]}, version 2 seed ${ROLLOUT_VERSION_SEEDS[2]} (the rollout drills)`,
  },
  [ROLLOUT_SHAPE_MODEL]: {
    versions: { 1: { seed: DEFAULT_SEED }, 2: { seed: DEFAULT_SEED + 1, outputSize: 66 } },
    anyOutputDims: true,
    about: 'version 2 answers 66 numbers a row instead of 64 (the bad-rollout-shape drill)',
  },
};

/** ROLLOUT_MODEL_NAMES are the rollout models `gauntlet serve` builds on demand (when named by --load-model). */
export const ROLLOUT_MODEL_NAMES: readonly string[] = Object.keys(ROLLOUT_MODELS);

/**
 * ensureRolloutModel writes `<dir>/<name>` (a rollout model: mlp_rollout by default) unless its last version's stamp
 * says it is up to date; true when it built.
 */
export async function ensureRolloutModel(dir: string, log: (line: string) => void = () => {}, name: string = ROLLOUT_MODEL): Promise<boolean> {
  const spec = ROLLOUT_MODELS[name];
  if (!spec) throw new Error(`unknown rollout model ${name} (known: ${ROLLOUT_MODEL_NAMES.join(', ')})`);
  const folder = join(dir, name);
  const stamps = Object.entries(spec.versions).map(([v, options]) => [Number(v), stampOf(name, options)] as const);
  const last = stamps[stamps.length - 1]!;
  const current = await readFile(join(folder, String(last[0]), '.build.json'), 'utf8').then((t) => (JSON.parse(t) as BuildStamp).fingerprint, () => undefined);
  if (current === last[1].fingerprint) return false;
  const first = stamps[0]!;
  const config = { ...modelConfig(MLP, MLP.resolve(first[1].options), name, 'fp32'), version_policy: { specific: { versions: [1] } } };
  if (spec.anyOutputDims) config.output = config.output.map((o) => ({ ...o, dims: [-1] }));
  config.description = `${config.description}; ${spec.about}`;
  await installModel(dir, name, { config: configYaml(config), model: build(first[1]), stamp: first[1].stamp });
  // Later versions go in after the folder is in place; the last one's stamp is written last, so a build cut short is redone.
  for (const [version, s] of stamps.slice(1)) {
    const tmp = join(folder, `.tmp-${version}-${process.pid}`);
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'model.onnx'), build(s));
    await writeFile(join(tmp, '.build.json'), `${JSON.stringify(s.stamp, null, 2)}\n`);
    await rename(tmp, join(folder, String(version)));
  }
  log(`built ${name} (versions ${stamps.map(([v]) => v).join(', ')}; serves version 1)`);
  return true;
}

interface VersionStamp {
  fingerprint: string;
  options: Partial<MlpOptions>;
  stamp: BuildStamp;
}

function stampOf(name: string, given: Partial<MlpOptions>): VersionStamp {
  const options = MLP.resolve(given);
  const fingerprint = buildFingerprint(`${MLP.name}:${name}`, 'fp32', options);
  return { fingerprint, options: given, stamp: { fingerprint, builder_version: BUILDER_VERSION, family: MLP.name, precision: 'fp32', options, model_bytes: 0, model_sha256: '' } };
}

function build(s: VersionStamp): Uint8Array {
  const model = MLP.build(MLP.resolve(s.options), 'fp32');
  s.stamp.model_bytes = model.length;
  s.stamp.model_sha256 = createHash('sha256').update(model).digest('hex');
  return model;
}
