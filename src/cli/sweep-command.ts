/**
 * `gauntlet sweep SWEEP.yaml`: validate the sweep and its base scenario (exit 2 listing every problem), list the
 * combinations (--dry-run), or run them all, print the table, the Pareto frontier and the recommendation, and
 * exit 0 (a recommendation), 1 (none: nothing meets the constraints, a tie, or a ceiling too low) or 3 (no valid
 * measurement, or interrupted).
 */
import type { Argv } from 'yargs';
import { GauntletError } from '../errors.js';
import { writeSweepReports } from '../report/write-reports.js';
import { combinationsOf } from '../sweep/combinations.js';
import { DURATION_SCALE, MAX_WORKERS } from '../scenario/limits.js';
import { RATE_PER_WORKER } from '../load/load-pool.js';
import { checkDurationScale } from '../scenario/parse-scenario.js';
import { loadSweep } from '../sweep/parse-sweep.js';
import { checkSource } from '../sweep/repository-variant.js';
import { runSweep, type SweepOptions } from '../sweep/run-sweep.js';
import { describeSweep, formatSweep } from '../sweep/sweep-table.js';
import { withInterrupt } from './interrupt.js';
import { checkWorkers } from './run-command.js';

/** SweepArgs are the parsed options of `gauntlet sweep`. */
export interface SweepArgs {
  file: string;
  out?: string;
  durationScale: number;
  modelRepository?: string;
  workers?: number;
  dryRun: boolean;
  exitZero: boolean;
  allowInvalid: boolean;
}

/** SWEEP_EPILOG documents the exit codes of `gauntlet sweep`. */
export const SWEEP_EPILOG = `Exit codes:
  0  a configuration is recommended
  1  no recommendation: no combination meets the constraints, the best ones tie
     within what the measurements resolve, or a search ceiling was too low
  2  invalid sweep or scenario file, or argument (every problem is listed)
  3  no combination has a valid measurement, or the sweep was interrupted
  4  internal error`;

/** sweepOptions declares the arguments of `gauntlet sweep`. */
export function sweepOptions(y: Argv): Argv<SweepArgs> {
  return y
    .positional('file', { type: 'string', describe: 'Sweep file (YAML, docs/sweeps.md)', demandOption: true })
    .option('out', { type: 'string', describe: 'Folder for sweep.json and every combination\'s results (default reports/sweeps/<UTC time>-<name>/)' })
    .option('duration-scale', { type: 'number', default: 1, describe: `Multiply every duration (scenario phases, search steps, warm-up and capacity probe) by this factor (${DURATION_SCALE.min} to ${DURATION_SCALE.max})` })
    .option('model-repository', { type: 'string', describe: 'Take the model and its precision variants (<model>_<precision>) from this repository instead of the bundled models' })
    .option('workers', { type: 'number', describe: `Load-generator worker threads per run, 1 to ${MAX_WORKERS} (default: one per ${RATE_PER_WORKER} rps of the peak rate, at most the cores, one core left to the embedded server)` })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Validate and list the combinations, run nothing' })
    .option('exit-zero', { type: 'boolean', default: false, describe: 'Exit 0 once the sweep has finished and written its results, whatever the outcome' })
    .option('allow-invalid', { type: 'boolean', default: false, describe: 'Recommend from combinations whose measurement is invalid too, and let the search judge invalid steps on their numbers (exploring on a busy machine)' })
    .epilog(SWEEP_EPILOG) as unknown as Argv<SweepArgs>;
}

/** runSweepCommand executes `gauntlet sweep` and returns the exit code. */
export async function runSweepCommand(args: SweepArgs, print: (line: string) => void): Promise<number> {
  checkDurationScale(args.durationScale);
  checkWorkers(args.workers);
  const { spec, plan } = await loadSweep(args.file, { durationScale: args.durationScale });
  if (args.modelRepository !== undefined && (spec.targets || spec.external)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--model-repository is for matrix sweeps of the reference server; this sweep ${spec.external ? 'configures your own server' : 'compares targets'}`);
  if (spec.model !== undefined) checkSource(spec.model, spec.matrix?.precision ?? [], args.modelRepository);
  if (args.dryRun) {
    for (const line of describeSweep(spec, plan, combinationsOf(spec))) print(line);
    return 0;
  }
  return withInterrupt(async (signal) => {
    const opts: SweepOptions = { signal, onLine: print, allowInvalid: args.allowInvalid };
    if (args.out !== undefined) opts.outDir = args.out;
    if (args.modelRepository !== undefined) opts.modelRepository = args.modelRepository;
    if (args.workers !== undefined) opts.workers = args.workers;
    const outcome = await runSweep(spec, plan, opts);
    for (const line of formatSweep(outcome.record, outcome.dir)) print(line);
    // report.html and report.md next to sweep.json, from the files the sweep wrote; a failure is only a warning.
    try {
      const report = writeSweepReports(outcome.dir);
      print(`Report: ${report.html} (open it in a browser; summary for pull requests: ${report.markdown})`);
    } catch (err) {
      print(`warning: could not write the report in ${outcome.dir}: ${(err as Error).message}`);
    }
    return args.exitZero ? 0 : outcome.exitCode;
  });
}
