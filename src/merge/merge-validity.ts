/**
 * What the shards say about the merged run's validity and completeness (docs/merge.md): the merged run is invalid
 * if any shard is (its reasons are carried, prefixed `shard I:`), if a shard is missing or did not finish (the
 * merge is then incomplete), if a shard's clock may be off by more than the bound (|offset| + uncertainty), or if
 * it reached the common start later than the same bound.
 */
import type { MergedInfo } from '../results/results-schema.js';
import type { ShardInput } from './read-shards.js';

/** DEFAULT_MAX_CLOCK_SKEW_MS is the default bound on a shard's clock error and lateness (--max-clock-skew-ms). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 50;

/** ShardVerdict is the shards' part of the merged validity, and the merged block of the results. */
export interface ShardVerdict {
  merged: MergedInfo;
  /** Reasons that make the merged run invalid, each naming its shard. */
  reasons: string[];
}

/** shardVerdict judges the shards (sorted by index) against the bound, in ms. */
export function shardVerdict(shards: readonly ShardInput[], maxSkewMs: number): ShardVerdict {
  const first = shards[0]!.results.shard;
  const count = first.count;
  const present = new Set(shards.map((s) => s.results.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  const reasons: string[] = [];
  const notes: string[] = [];
  if (missing.length) reasons.push(`the merge is incomplete: shard(s) ${missing.join(', ')} of ${count} are missing`);
  for (const { file, results: r } of shards) {
    const s = r.shard;
    const name = `shard ${s.index}`;
    if (r.status !== 'complete') reasons.push(`the merge is incomplete: ${name} did not finish (status ${r.status}${r.incomplete ? `: ${r.incomplete.note}` : ''}; ${file})`);
    for (const why of r.invalidReasons) reasons.push(`${name}: ${why}`);
    const { offsetMs, uncertaintyMs, method, reference } = s.clock;
    if (offsetMs === null) notes.push(`${name}: its clock was not measured (${method}: ${reference}); its seconds are assumed to line up`);
    else {
      const bound = Math.abs(offsetMs) + (uncertaintyMs ?? 0);
      if (bound > maxSkewMs) reasons.push(`${name}: its clock may be off by up to ${round(bound)} ms (offset ${round(offsetMs)} ± ${round(uncertaintyMs ?? 0)} ms against ${reference}), over the ${maxSkewMs} ms bound`);
    }
    if (s.lateMs > maxSkewMs) reasons.push(`${name}: it reached the common start ${round(s.lateMs)} ms late, over the ${maxSkewMs} ms bound`);
  }
  const complete = missing.length === 0 && shards.every((s) => s.results.status === 'complete');
  if (!complete) notes.unshift(`incomplete merge: ${shards.length - shards.filter((s) => s.results.status !== 'complete').length} of ${count} shard(s) finished; the figures cover only what the others sent`);
  const merged: MergedInfo = {
    runId: first.runId,
    count,
    complete,
    shards: shards.map(({ file, results: r }) => ({
      index: r.shard.index,
      file,
      status: r.status,
      valid: r.valid,
      invalidReasons: r.invalidReasons,
      lateMs: r.shard.lateMs,
      clockOffsetMs: r.shard.clock.offsetMs,
      clockUncertaintyMs: r.shard.clock.uncertaintyMs,
    })),
    missing,
    notes,
  };
  return { merged, reasons };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
