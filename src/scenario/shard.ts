/**
 * Shards of one run (gauntlet run --shard I/N, docs/sharding.md): which shard this process is, read from the
 * command line or from Kubernetes' Indexed Job variable, the common start time, and each shard's share of a
 * closed-loop phase's concurrency. Every problem is listed with the option or variable it came from.
 */
import { createHash } from 'node:crypto';
import type { Problems } from './problems.js';

/** ShardSpec names one shard of a sharded run: `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** ONE_SHARD is an unsharded run: the only shard of one. */
export const ONE_SHARD: ShardSpec = Object.freeze({ index: 0, count: 1 });

/** MAX_SHARDS bounds N (the contract's 1..1000). */
export const MAX_SHARDS = 1000;

/** MAX_START_AHEAD_MS is how far in the future a start time may be (24 h): further is surely a mistake. */
export const MAX_START_AHEAD_MS = 24 * 3600 * 1000;

/** FaultsOn says which shards run the scenario's faults. */
export type FaultsOn = 'shard-0' | 'all';

/** FAULTS_ON lists the values of the scenario field `faults_on`. */
export const FAULTS_ON: readonly FaultsOn[] = ['shard-0', 'all'];

const INTEGER = /^(0|[1-9][0-9]*)$/;

/** readCount reads a shard count N (1..MAX_SHARDS) from text, recording a problem at `path` when it is not one. */
function readCount(text: string, path: string, problems: Problems): number | undefined {
  const n = INTEGER.test(text.trim()) ? Number(text.trim()) : NaN;
  if (Number.isSafeInteger(n) && n >= 1 && n <= MAX_SHARDS) return n;
  problems.add([path], `the shard count must be an integer from 1 to ${MAX_SHARDS}, got ${JSON.stringify(text)}`);
  return undefined;
}

/** readIndex reads a 0-based shard index below `count`, recording a problem at `path` when it is not one. */
function readIndex(text: string, count: number | undefined, path: string, problems: Problems): number | undefined {
  const i = INTEGER.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(i)) return void problems.add([path], `the shard index must be an integer from 0 (0-based), got ${JSON.stringify(text)}`);
  if (count !== undefined && i >= count) return void problems.add([path], `the shard index ${i} must be below the shard count ${count} (indexes are 0-based: 0 to ${count - 1})`);
  return i;
}

/** ShardSources are where a shard can be named: --shard I/N, --shards N, and the environment. */
export interface ShardSources {
  shard?: string;
  shards?: number;
  env?: Record<string, string | undefined>;
}

/**
 * readShard finds this process's shard: --shard I/N; else JOB_COMPLETION_INDEX with --shards N or GAUNTLET_SHARDS;
 * undefined when the run is not sharded. Problems are recorded at the option or variable's name.
 */
export function readShard(src: ShardSources, problems: Problems): ShardSpec | undefined {
  const env = src.env ?? {};
  if (src.shard !== undefined) {
    const m = /^([^/]*)\/([^/]*)$/.exec(src.shard.trim());
    if (!m) return void problems.add(['--shard'], `must be I/N (shard I of N, I 0-based, e.g. 0/3), got ${JSON.stringify(src.shard)}`);
    const count = readCount(m[2]!, '--shard', problems);
    const index = readIndex(m[1]!, count, '--shard', problems);
    if (src.shards !== undefined && count !== undefined && src.shards !== count) problems.add(['--shards'], `${src.shards} disagrees with --shard ${src.shard}`);
    return count !== undefined && index !== undefined ? { index, count } : undefined;
  }
  const countText = src.shards !== undefined ? String(src.shards) : env['GAUNTLET_SHARDS'];
  const countPath = src.shards !== undefined ? '--shards' : 'GAUNTLET_SHARDS';
  const indexText = env['JOB_COMPLETION_INDEX'];
  if (countText === undefined || countText === '') {
    // JOB_COMPLETION_INDEX alone is any Indexed Job's: it shards a run only together with a count.
    return undefined;
  }
  const count = readCount(countText, countPath, problems);
  if (indexText === undefined || indexText === '') {
    problems.add([countPath], 'needs --shard I/N, or JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job) for the index');
    return undefined;
  }
  const index = readIndex(indexText, count, 'JOB_COMPLETION_INDEX', problems);
  return count !== undefined && index !== undefined ? { index, count } : undefined;
}

/**
 * parseStartAt reads a start time: ISO 8601 with a zone (Z or ±hh:mm) or epoch milliseconds; it returns the epoch
 * ms, or a message saying what is wrong.
 */
export function parseStartAt(v: unknown): number | string {
  if (typeof v === 'number' || (typeof v === 'string' && INTEGER.test(v.trim()))) {
    const ms = Number(v);
    return Number.isSafeInteger(ms) && ms > 0 ? ms : `must be epoch milliseconds (a positive integer) or ISO 8601 with a zone, got ${JSON.stringify(v)}`;
  }
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : 'is not a valid date';
  if (typeof v !== 'string') return `must be ISO 8601 with a zone (e.g. 2026-12-05T10:00:00Z) or epoch milliseconds, got ${JSON.stringify(v)}`;
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
  const ms = Date.parse(v.trim());
  if (!iso.test(v.trim()) || !Number.isFinite(ms)) return `must be ISO 8601 with a zone (e.g. 2026-12-05T10:00:00Z) or epoch milliseconds, got ${JSON.stringify(v)}`;
  return ms;
}

/**
 * checkStartWindow says what is wrong with a start time seen at `nowMs`, or undefined: more than `lateLimitS` in
 * the past (the shard would miss the load it exists to send), or more than MAX_START_AHEAD_MS ahead.
 */
export function checkStartWindow(startAtMs: number, nowMs: number, lateLimitS: number): string | undefined {
  if (nowMs - startAtMs > lateLimitS * 1000) {
    return `${new Date(startAtMs).toISOString()} is ${((nowMs - startAtMs) / 1000).toFixed(1)} s in the past, more than the first phase's ${lateLimitS} s: this shard would miss its load (give a fresh start time)`;
  }
  if (startAtMs - nowMs > MAX_START_AHEAD_MS) return `${new Date(startAtMs).toISOString()} is more than 24 h ahead`;
  return undefined;
}

/** concurrencyShare is shard I's part of a closed-loop concurrency C: ⌊C/N⌋, plus one for the C mod N lowest indexes. */
export function concurrencyShare(concurrency: number, shard: ShardSpec): number {
  return Math.floor(concurrency / shard.count) + (shard.index < concurrency % shard.count ? 1 : 0);
}

/** shardRunId is the id all shards of one launch share: the start time, scenario name and seed, hashed (16 hex). */
export function shardRunId(startAtIso: string, name: string, seed: number): string {
  return createHash('sha256').update(JSON.stringify([startAtIso, name, seed])).digest('hex').slice(0, 16);
}
