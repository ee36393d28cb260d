/**
 * `gauntlet profile MODEL`: batch × precision on one execution provider, in-process (no server, no network),
 * with latency, throughput, memory, accuracy against fp32 and a recommendation; writes profile.json.
 * Exit 0 (complete), 2 (bad input: every problem with its option), 3 (interrupted: the record says so).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { GauntletError } from '../errors.js';
import { checkPrecisions, resolveModel } from '../profile/model-source.js';
import type { ProfileEp } from '../profile/profile-record.js';
import { runProfile, TARGET_CI_SHARE, type ProfileOptions } from '../profile/profile-run.js';
import { addOpProfiles } from '../profile/profile-ops.js';
import { profileTable } from '../profile/profile-table.js';
import { writeProfile } from '../profile/profile-writer.js';
import { writeFolderReports } from '../report/write-reports.js';
import { withInterrupt } from './interrupt.js';

/** ProfileArgs are the parsed options of `gauntlet profile`. */
export interface ProfileArgs {
  model: string;
  modelRepository?: string;
  batchSizes: string;
  precisions?: string;
  ep: string;
  threads?: number;
  shape?: string[];
  p99Ms?: number;
  minCosine: number;
  maxSecondsPerCell: number;
  costPerHour?: number;
  evalData?: string;
  evalLabels?: string;
  maxAccuracyDrop?: number;
  out?: string;
  json: boolean;
  ops: boolean;
}

/** PROFILE_LIMITS are the ranges of the numeric options (docs/profile.md). */
export const PROFILE_LIMITS = {
  batch: [1, 65_536],
  batchCount: 16,
  threads: [1, 1024],
  p99Ms: [0.001, 3_600_000],
  minCosine: [0, 1],
  maxAccuracyDrop: [0, 1],
  maxSecondsPerCell: [0.1, 600],
  costPerHour: [0, 1_000_000],
  shapeDim: [1, 1_000_000],
} as const;

const EPS: readonly ProfileEp[] = ['cpu', 'webgpu', 'cuda'];

/** profileOptions declares the options of `gauntlet profile`. */
export function profileOptions(y: Argv): Argv<ProfileArgs> {
  const L = PROFILE_LIMITS;
  return y
    .positional('model', { type: 'string', describe: 'A bundled family (mlp, encoder, cnn), a model name in --model-repository, or an .onnx file' })
    .option('model-repository', { type: 'string', describe: 'Repository holding MODEL as <name>/ (fp32) and <name>_<precision>/ folders' })
    .option('batch-sizes', { type: 'string', default: '1,8,32,128', describe: `Comma-separated batch sizes, each ${L.batch[0]} to ${L.batch[1]}, at most ${L.batchCount}` })
    .option('precisions', { type: 'string', describe: 'Comma-separated: fp32, fp16, int8, int4 (default: all that exist or can be built; an .onnx file: fp32, int8, int4)' })
    .option('ep', { type: 'string', default: 'cpu', describe: 'Execution provider: cpu, webgpu or cuda (one that cannot load is an error; never a silent CPU run)' })
    .option('threads', { type: 'number', describe: `ORT intra-op threads, ${L.threads[0]} to ${L.threads[1]} (default: ORT's choice)` })
    .option('shape', { type: 'string', array: true, describe: `Dynamic dims other than batch: <dim name>=N or <input name>=d1,d2,… (each ${L.shapeDim[0]} to ${L.shapeDim[1]}; repeatable)` })
    .option('p99-ms', { type: 'number', describe: `Latency bound for the recommendation, ms (${L.p99Ms[0]} to ${L.p99Ms[1]}; default none)` })
    .option('min-cosine', { type: 'number', default: 0.999, describe: 'Least cosine vs fp32 for a quantized variant to be worth it, 0 to 1' })
    .option('max-seconds-per-cell', { type: 'number', default: 5, describe: `Time bound of one cell (warm-up included), s, ${L.maxSecondsPerCell[0]} to ${L.maxSecondsPerCell[1]}` })
    .option('cost-per-hour', { type: 'number', describe: `This machine's cost per hour, recorded for comparisons, ${L.costPerHour[0]} to ${L.costPerHour[1]}` })
    .option('eval-data', { type: 'string', describe: 'Evaluation set instead of the seeded one: JSONL ({"inputs": {...}, "label": N} a line) or .npy (the one input, [N, ...dims])' })
    .option('eval-labels', { type: 'string', describe: 'Labels of an .npy --eval-data: an integer .npy of shape [N] (task accuracy = top-1)' })
    .option('max-accuracy-drop', { type: 'number', describe: 'With labels: the most a quantized variant\'s task accuracy may drop against fp32 to be worth it, 0 to 1' })
    .option('out', { type: 'string', describe: 'Folder for profile.json (default reports/profiles/<UTC time>-<model>/)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the record (profile.json) on stdout; the table goes to stderr' })
    .option('ops', { type: 'boolean', default: false, describe: 'Also measure the machine\'s roof (cached per machine) and a per-op profile of each usable variant at the largest batch size: each op\'s time share, FLOPs, bytes and whether it is compute- or memory-bound (docs/roofline.md)' })
    .epilog('Exit codes: 0 complete; 2 bad input (every problem listed); 3 interrupted (profile.json says so). docs/profile.md documents every option and field.') as unknown as Argv<ProfileArgs>;
}

function inRange(problems: string[], name: string, v: number | undefined, [lo, hi]: readonly [number, number], integer = false): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) problems.push(`--${name}: must be ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}, got ${v}`);
}

/** parseProfileArgs validates every option, listing all problems at once (exit 2). */
export function parseProfileArgs(a: ProfileArgs): Omit<ProfileOptions, 'outDir'> & { precisionList: string[] | undefined } {
  const L = PROFILE_LIMITS;
  const problems: string[] = [];
  const batchSizes = a.batchSizes.split(',').map((s) => s.trim());
  const batches: number[] = [];
  for (const b of batchSizes) {
    const n = /^\d+$/.test(b) ? Number(b) : NaN;
    if (!Number.isInteger(n) || n < L.batch[0] || n > L.batch[1]) problems.push(`--batch-sizes: '${b}' is not an integer from ${L.batch[0]} to ${L.batch[1]}`);
    else if (!batches.includes(n)) batches.push(n);
  }
  if (batchSizes.length > L.batchCount) problems.push(`--batch-sizes: at most ${L.batchCount} sizes, got ${batchSizes.length}`);
  if (!EPS.includes(a.ep as ProfileEp)) problems.push(`--ep: unknown execution provider '${a.ep}' (known: ${EPS.join(', ')})`);
  inRange(problems, 'threads', a.threads, L.threads, true);
  inRange(problems, 'p99-ms', a.p99Ms, L.p99Ms);
  inRange(problems, 'min-cosine', a.minCosine, L.minCosine);
  inRange(problems, 'max-seconds-per-cell', a.maxSecondsPerCell, L.maxSecondsPerCell);
  inRange(problems, 'cost-per-hour', a.costPerHour, L.costPerHour);
  inRange(problems, 'max-accuracy-drop', a.maxAccuracyDrop, L.maxAccuracyDrop);
  if (a.evalLabels !== undefined && a.evalData === undefined) problems.push('--eval-labels: needs --eval-data');
  if (a.maxAccuracyDrop !== undefined && a.evalData === undefined) problems.push('--max-accuracy-drop: needs --eval-data with labels');
  const shapes: Record<string, number[]> = {};
  for (const s of a.shape ?? []) {
    const m = /^([^=]+)=(\d+(?:[,x]\d+)*)$/.exec(s.trim());
    const dims = m?.[2]?.split(/[,x]/).map(Number) ?? [];
    if (m === null || dims.some((d) => d < L.shapeDim[0] || d > L.shapeDim[1])) problems.push(`--shape ${s}: expected <name>=N or <name>=d1,d2,… with each dim from ${L.shapeDim[0]} to ${L.shapeDim[1]}`);
    else shapes[m[1]!] = dims;
  }
  let precisionList: string[] | undefined;
  if (a.precisions !== undefined) {
    precisionList = a.precisions.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      checkPrecisions(precisionList);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `invalid profile options (${problems.length} problem(s)):`, problems);
  return {
    batchSizes: batches,
    precisions: precisionList ?? [],
    precisionList,
    ep: a.ep as ProfileEp,
    threads: a.threads ?? null,
    shapes,
    p99Ms: a.p99Ms ?? null,
    minCosine: a.minCosine,
    maxAccuracyDrop: a.maxAccuracyDrop ?? null,
    targetCiShare: TARGET_CI_SHARE,
    maxSecondsPerCell: a.maxSecondsPerCell,
    evalData: a.evalData ?? null,
    ...(a.evalLabels !== undefined ? { evalLabels: a.evalLabels } : {}),
    costPerHour: a.costPerHour ?? null,
  };
}

/** runProfileCommand profiles MODEL and prints the table (or the record with --json); exit 0, or 3 when interrupted. */
export async function runProfileCommand(a: ProfileArgs, print: (line: string) => void): Promise<number> {
  const parsed = parseProfileArgs(a);
  if (a.out !== undefined) {
    try {
      mkdirSync(a.out, { recursive: true });
    } catch (err) {
      throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--out ${a.out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const err = (l: string): void => void process.stderr.write(`${l}\n`);
  const say = a.json ? err : print;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDirOf = (name: string): string => a.out ?? path.join('reports', 'profiles', `${stamp}-${name.replace(/[^\w.-]/g, '_')}`);
  const source = await resolveModel(a.model, parsed.precisionList as Parameters<typeof resolveModel>[1], a.modelRepository, say, outDirOf);
  const outDir = outDirOf(source.name);
  const tty = process.stderr.isTTY === true;
  return withInterrupt(async (signal) => {
    const record = await runProfile(source, { ...parsed, precisions: [...source.files.keys()], outDir }, signal, {
      progress: tty ? (l) => process.stderr.write(`\r\u001b[2K${l}`) : undefined,
    });
    if (tty) process.stderr.write('\r\u001b[2K');
    if (a.ops && record.status === 'complete' && !signal.aborted) {
      await addOpProfiles(record, { outDir, log: say });
      writeProfile(outDir, record);
    }
    const reports = writeFolderReports(outDir);
    const table = profileTable(record, (a.json ? process.stderr.isTTY : process.stdout.isTTY) === true);
    if (a.json) {
      process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      for (const l of table) err(l);
    } else for (const l of table) print(l);
    say(`${record.status === 'interrupted' ? 'interrupted: partial ' : ''}profile: ${path.join(outDir, 'profile.json')}`);
    say(`report: ${reports.html} (open it in a browser; summary for pull requests: ${reports.markdown})`);
    return record.status === 'complete' ? 0 : 3;
  });
}
