/**
 * The rollout model of the rollout drills (docs/drills.md#rollout): `mlp_rollout`, the bundled mlp with two
 * versions in Triton's layout — `1/model.onnx` (the repository's weights) and `2/model.onnx` (the same graph and
 * I/O with weights of another seed, as a retrained model would be) — and a config whose version_policy serves
 * version 1 only, so that a drill moves it to version 2 through the repository extension while it serves.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILDER_VERSION, buildFingerprint, DEFAULT_SEED, modelConfig } from './build.js';
import { configYaml, installModel, type BuildStamp } from './repository-files.js';
import { MLP } from './zoo.js';

/** ROLLOUT_MODEL is the name of the two-version model the rollout drills serve. */
export const ROLLOUT_MODEL = 'mlp_rollout';
/** ROLLOUT_VERSION_SEEDS are the weight seeds of its versions 1 and 2. */
export const ROLLOUT_VERSION_SEEDS: Readonly<Record<number, number>> = { 1: DEFAULT_SEED, 2: DEFAULT_SEED + 1 };

/** ensureRolloutModel writes `<dir>/mlp_rollout` unless its version 2 stamp says it is up to date; true when it built. */
export async function ensureRolloutModel(dir: string, log: (line: string) => void = () => {}): Promise<boolean> {
  const folder = join(dir, ROLLOUT_MODEL);
  const stamps = Object.entries(ROLLOUT_VERSION_SEEDS).map(([v, seed]) => [Number(v), stampOf(seed)] as const);
  const last = stamps[stamps.length - 1]!;
  const current = await readFile(join(folder, String(last[0]), '.build.json'), 'utf8').then((t) => (JSON.parse(t) as BuildStamp).fingerprint, () => undefined);
  if (current === last[1].fingerprint) return false;
  const options = MLP.resolve({ seed: ROLLOUT_VERSION_SEEDS[1]! });
  const config = { ...modelConfig(MLP, options, ROLLOUT_MODEL, 'fp32'), version_policy: { specific: { versions: [1] } } };
  config.description = `${config.description}; version 1 seed ${ROLLOUT_VERSION_SEEDS[1]}, version 2 seed ${ROLLOUT_VERSION_SEEDS[2]} (the rollout drills)`;
  const first = stamps[0]!;
  await installModel(dir, ROLLOUT_MODEL, { config: configYaml(config), model: build(first[1]), stamp: first[1].stamp });
  // Later versions go in after the folder is in place; the last one's stamp is written last, so a build cut short is redone.
  for (const [version, s] of stamps.slice(1)) {
    const tmp = join(folder, `.tmp-${version}-${process.pid}`);
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'model.onnx'), build(s));
    await writeFile(join(tmp, '.build.json'), `${JSON.stringify(s.stamp, null, 2)}\n`);
    await rename(tmp, join(folder, String(version)));
  }
  log(`built ${ROLLOUT_MODEL} (versions ${stamps.map(([v]) => v).join(', ')}; serves version 1)`);
  return true;
}

interface VersionStamp {
  fingerprint: string;
  seed: number;
  stamp: BuildStamp;
}

function stampOf(seed: number): VersionStamp {
  const options = MLP.resolve({ seed });
  const fingerprint = buildFingerprint(`${MLP.name}:${ROLLOUT_MODEL}`, 'fp32', options);
  return { fingerprint, seed, stamp: { fingerprint, builder_version: BUILDER_VERSION, family: MLP.name, precision: 'fp32', options, model_bytes: 0, model_sha256: '' } };
}

function build(s: VersionStamp): Uint8Array {
  const model = MLP.build(MLP.resolve({ seed: s.seed }), 'fp32');
  s.stamp.model_bytes = model.length;
  s.stamp.model_sha256 = createHash('sha256').update(model).digest('hex');
  return model;
}
