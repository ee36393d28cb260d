/**
 * The common start of a sharded run (docs/sharding.md): every shard's run clock t = 0 is the same wall-clock
 * instant. A shard that is ready early waits for it; one that is ready late starts its clock there anyway (the
 * schedule is never shifted) and records how late it was, so that its sends due before then count as late.
 */
import { SPIN_MS } from '../load/dispatcher.js';
import type { ClockOffset } from './clock-offset.js';
import type { ShardInfo } from '../results/results-schema.js';
import { shardRunId, type ShardSpec } from '../scenario/shard.js';

/**
 * START_LEAD_MS is how long before the common start the run hands it to its load workers: they wait out the rest
 * themselves, to the microsecond, as they wait for every send.
 */
export const START_LEAD_MS = 200;

/** ShardRun is what runPlan needs to run one shard. */
export interface ShardRun {
  spec: ShardSpec;
  /** The common start (epoch ms); absent only for a single shard (1/1), which starts when it is ready. */
  startAtMs?: number;
  /** Whether this shard fires the scenario's faults. */
  faults: boolean;
}

/** nowMs is the wall clock with sub-millisecond resolution (the clock the load workers' schedule is set on). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * waitUntil resolves at epoch ms `atMs` (at once if past): it sleeps until SPIN_MS before, then polls the clock
 * between turns of the event loop; an abort ends the wait early (it resolves false).
 */
export function waitUntil(atMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
    const onAbort = (): void => {
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
      resolve(false);
    };
    if (signal?.aborted) return resolve(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    const tick = (): void => {
      const left = atMs - nowMs();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        return resolve(true);
      }
      timer = left > SPIN_MS + 0.5 ? setTimeout(tick, left - SPIN_MS) : setImmediate(tick);
    };
    tick();
  });
}

/** shardInfo is the `shard` field of a shard's results.json. */
export function shardInfo(run: ShardRun, startEpochMs: number, name: string, seed: number, lateMs: number, clock: ClockOffset): ShardInfo {
  const startAt = new Date(Math.round(startEpochMs)).toISOString();
  return { index: run.spec.index, count: run.spec.count, runId: shardRunId(startAt, name, seed), startAt, lateMs: Math.round(lateMs * 1000) / 1000, clock, faults: run.faults };
}
