/**
 * `gauntlet merge SHARD_RESULTS...`: one results.json and latency.hlog from the shard files of a sharded run
 * (docs/merge.md). Exit 2 on inputs that do not make one run, or on an incomplete merge without
 * --allow-incomplete; otherwise the run's own table: 0 valid and SLOs met, 1 SLO violated, 3 invalid (an
 * incomplete merge always is).
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { GauntletError } from '../errors.js';
import { mergeShards, writeMerged } from '../merge/merge-results.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../merge/merge-validity.js';
import { readShards, type ShardInput } from '../merge/read-shards.js';
import { expandShardArgs } from '../merge/shard-paths.js';
import { RESULTS_FILE } from '../results/results-writer.js';

/** MergeArgs are the options of `gauntlet merge`. */
export interface MergeArgs {
  shards: string[];
  out?: string;
  maxClockSkewMs: number;
  allowIncomplete: boolean;
}

/** mergeOptions declares the command's options. */
export function mergeOptions(y: Argv): Argv {
  return y
    .positional('shards', { type: 'string', array: true, describe: 'shard results: results.json files, run folders, or a quoted glob (e.g. "results/shard-*")' })
    .option('out', { type: 'string', describe: 'folder for the merged results.json and latency.hlog (default reports/merged/<scenario>-<runId>)' })
    .option('max-clock-skew-ms', { type: 'number', default: DEFAULT_MAX_CLOCK_SKEW_MS, describe: "a shard whose clock may be off (|offset| + uncertainty), or that started late, by more than this makes the merged run invalid" })
    .option('allow-incomplete', { type: 'boolean', default: false, describe: 'write the merge even when a shard is missing or did not finish (marked incomplete and invalid; exit 3)' })
    .epilog('Exit codes: 0 merged run valid and SLOs met, 1 SLO violated, 2 the files do not make one sharded run (every problem listed) or the merge is incomplete without --allow-incomplete, 3 merged run invalid or incomplete');
}

/** runMerge merges the shard files, writes the merged folder and returns the exit code. */
export function runMerge(args: MergeArgs, print: (line: string) => void): number {
  const skew = args.maxClockSkewMs;
  if (!(Number.isFinite(skew) && skew >= 0 && skew <= 3_600_000)) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `--max-clock-skew-ms must be a number from 0 to 3600000, not ${String(skew)}`);
  const { files, problems } = expandShardArgs(args.shards);
  let shards: ShardInput[] = [];
  try {
    shards = readShards(files);
  } catch (err) {
    if (!(err instanceof GauntletError)) throw err;
    problems.push(...err.details);
  }
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot merge these ${files.length} file(s)`, problems);
  if (shards.length === 0) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', 'name at least one shard results file');
  const merged = mergeShards(shards, skew);
  const r = merged.results;
  if (!r.merged!.complete && !args.allowIncomplete) {
    throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `the merge of run ${r.merged!.runId} is incomplete (use --allow-incomplete to write it anyway, marked invalid)`, r.invalidReasons.filter((x) => x.startsWith('the merge is incomplete')));
  }
  const dir = args.out ?? path.join('reports', 'merged', `${r.scenario.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${r.merged!.runId.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  writeMerged(dir, merged);
  const shardsText = `${shards.length} of ${r.merged!.count} shard(s)`;
  print(`merged ${shardsText} of '${r.scenario.name}' (run ${r.merged!.runId}) into ${path.join(dir, RESULTS_FILE)}: ${r.totals.sent} sent, ${r.totals.ok} ok, ${r.totals.failed} failed`);
  for (const n of r.merged!.notes) print(`note: ${n}`);
  if (!r.valid) for (const why of r.invalidReasons) print(`invalid: ${why}`);
  print(`SLOs: ${r.slo.pass ? 'met' : 'violated'}${r.valid ? '' : ' (measurement invalid)'}`);
  return !r.valid ? 3 : r.slo.pass ? 0 : 1;
}
