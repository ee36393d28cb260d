/**
 * shardOf reads `gauntlet run`'s sharding options against the scenario (docs/sharding.md) and lists every problem at
 * once, with the option, variable or scenario field it comes from (exit 2): a malformed or out-of-range --shard, a
 * shard count without an index, a sharded run without a common start time, with the embedded target, or repeated,
 * and a start time too far in the past (more than the first phase) or the future (24 h).
 */
import type { Plan } from '../scenario/plan.js';
import { Problems, throwIfProblems } from '../scenario/problems.js';
import { checkStartWindow, parseStartAt, readShard } from '../scenario/shard.js';
import type { ShardRun } from '../run/shard-start.js';

/** ShardArgs are the options shardOf reads. */
export interface ShardArgs {
  shard?: string;
  shards?: number;
  startAt?: string;
  repeat: number;
}

/**
 * shardOf returns the shard this process runs, or undefined for an unsharded run; `dryRun` leaves out the start
 * time's window (a dry run may describe a launch of yesterday).
 */
export function shardOf(args: ShardArgs, plan: Plan, env: Record<string, string | undefined>, dryRun = false, nowMs = Date.now()): ShardRun | undefined {
  const problems = new Problems();
  const spec = readShard({ ...(args.shard !== undefined && { shard: args.shard }), ...(args.shards !== undefined && { shards: args.shards }), env }, problems);
  let startAtMs: number | undefined;
  const startPath = args.startAt !== undefined ? '--start-at' : 'start_at';
  const given = args.startAt ?? plan.startAt;
  if (given !== undefined) {
    const ms = parseStartAt(given);
    if (typeof ms === 'string') problems.add([startPath], ms);
    else startAtMs = ms;
  }
  if (spec) {
    if (startAtMs === undefined && given === undefined && spec.count > 1) problems.add(['--start-at'], `a sharded run (${spec.count} shards) needs a common start time: --start-at or the scenario's start_at (shards must start together)`);
    if ('embedded' in plan.target) problems.add(['target'], 'a sharded run needs an external target that every shard shares; the embedded server would be one per shard');
    if (args.repeat !== 1) problems.add(['--repeat'], 'cannot repeat a sharded run: its shards share one start time');
    if (startAtMs !== undefined && !dryRun) {
      const late = checkStartWindow(startAtMs, nowMs, plan.phases[0]?.durationS ?? plan.durationS);
      if (late) problems.add([startPath], late);
    }
  }
  if (!spec && args.startAt !== undefined && problems.count === 0) problems.add(['--start-at'], 'needs --shard I/N (or --shards N with JOB_COMPLETION_INDEX)');
  throwIfProblems('gauntlet run', [problems]);
  if (!spec) return undefined;
  const faults = spec.index === 0 || plan.faultsOn === 'all';
  return { spec, ...(startAtMs !== undefined && { startAtMs }), faults };
}
