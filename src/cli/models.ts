/**
 * `gauntlet models build`: writes the bundled model repository (mlp, encoder, cnn in fp32/fp16/int8/int4) with
 * deterministic weights, measuring each variant's accuracy against fp32. Up-to-date models are skipped.
 */
import type { Argv } from 'yargs';
import { buildModelRepository, defaultModelRepository } from '../../reference-server/models/build.js';
import { GauntletError } from '../errors.js';

/** BuildArgs are the parsed options of `gauntlet models build`. */
export interface BuildArgs {
  out?: string;
  model?: string[];
  precision?: string[];
  seed: number;
  force: boolean;
}

/** buildOptions declares the options of `gauntlet models build`. */
export function buildOptions(y: Argv): Argv<BuildArgs> {
  return y
    .option('out', { type: 'string', describe: 'Repository folder to write (default: models/ in the project)' })
    .option('model', { type: 'string', array: true, describe: 'Model to build: mlp, encoder, cnn, tiny-llm (the reference LLM) (repeatable; default all)' })
    .option('precision', { type: 'string', array: true, describe: 'Variant to build: fp32, fp16, int8, int4 (repeatable; default all)' })
    .option('seed', { type: 'number', default: 0, describe: 'Weight seed, 0 to 4294967295' })
    .option('force', { type: 'boolean', default: false, describe: 'Rebuild models that are up to date' }) as unknown as Argv<BuildArgs>;
}

/** runBuild builds the repository and prints one line per model. */
export async function runBuild(args: BuildArgs, print: (line: string) => void): Promise<number> {
  const out = args.out ?? defaultModelRepository();
  let report;
  try {
    report = await buildModelRepository(out, { models: args.model, precisions: args.precision, seed: args.seed, force: args.force, log: print });
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.startsWith('invalid model build options')) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', msg);
    throw new GauntletError('GAUNTLET_ERR_MODEL_BUILD', msg);
  }
  print(`built ${report.built.length}, up to date ${report.skipped.length}, in ${(report.elapsedMs / 1000).toFixed(1)} s: ${out}`);
  return 0;
}
