/**
 * Reading the shard files of one sharded run for `gauntlet merge`, and refusing inputs that do not belong
 * together: unreadable or non-results files, files without shard info, different scenarios (name, seed or plan),
 * different runs (runId), a shard count that disagrees, and one index given twice. Every problem is listed with
 * the files it concerns; nothing is merged while any remains.
 */
import path from 'node:path';
import { GauntletError } from '../errors.js';
import { type HlogLine, readHlogLines } from '../results/hlog-read.js';
import { readResults } from '../results/read-results.js';
import type { ResultsFile, ShardInfo } from '../results/results-schema.js';
import { HLOG_FILE } from '../results/results-writer.js';

/** MAX_SHARDS is the largest shard count a shard file may state. */
export const MAX_SHARDS = 1000;

/** ShardInput is one shard's results and its latency log's lines. */
export interface ShardInput {
  file: string;
  results: ResultsFile & { shard: ShardInfo };
  lines: HlogLine[];
}

/** readShards reads and checks the files, or throws a GauntletError (exit 2) listing every problem. */
export function readShards(files: readonly string[]): ShardInput[] {
  const problems: string[] = [];
  const shards: ShardInput[] = [];
  for (const file of files) {
    let results: ResultsFile;
    try {
      results = readResults(file);
    } catch (err) {
      const e = err as GauntletError;
      problems.push([e.message, ...(e.details ?? [])].join('; '));
      continue;
    }
    const shardProblems = shardInfoProblems(results.shard);
    if (shardProblems.length) {
      problems.push(`${file}: ${results.shard === undefined ? 'has no shard info (not written by gauntlet run --shard)' : shardProblems.join('; ')}`);
      continue;
    }
    const hlog = path.join(path.dirname(file), typeof results.files?.hlog === 'string' ? path.basename(results.files.hlog) : HLOG_FILE);
    const read = readHlogLines(hlog);
    if (read.problem?.startsWith('cannot read')) {
      problems.push(`${file}: ${read.problem}`);
      continue;
    }
    shards.push({ file, results: results as ShardInput['results'], lines: read.lines });
  }
  problems.push(...mismatches(shards));
  if (problems.length) throw new GauntletError('GAUNTLET_ERR_INVALID_ARGUMENT', `cannot merge these ${files.length} file(s)`, problems);
  return shards.sort((a, b) => a.results.shard.index - b.results.shard.index);
}

/** shardInfoProblems checks a file's shard block against the contract's ranges. */
function shardInfoProblems(s: ShardInfo | undefined): string[] {
  if (typeof s !== 'object' || s === null) return ['no shard info'];
  const out: string[] = [];
  const int = (v: unknown, lo: number, hi: number): boolean => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  if (!int(s.count, 1, MAX_SHARDS)) out.push(`shard.count: must be an integer from 1 to ${MAX_SHARDS}`);
  if (!int(s.index, 0, MAX_SHARDS - 1) || (int(s.count, 1, MAX_SHARDS) && s.index >= s.count)) out.push('shard.index: must be an integer from 0 to count − 1');
  if (typeof s.runId !== 'string' || s.runId === '') out.push('shard.runId: must be a non-empty string');
  if (typeof s.startAt !== 'string' || Number.isNaN(Date.parse(s.startAt))) out.push('shard.startAt: must be an ISO 8601 time');
  if (typeof s.lateMs !== 'number' || !(s.lateMs >= 0)) out.push('shard.lateMs: must be a number >= 0');
  const c = s.clock as ShardInfo['clock'] | undefined;
  const msOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
  if (typeof c !== 'object' || c === null || !msOrNull(c.offsetMs) || !msOrNull(c.uncertaintyMs) || (typeof c.uncertaintyMs === 'number' && c.uncertaintyMs < 0)) {
    out.push('shard.clock: must have offsetMs and uncertaintyMs (ms >= 0), each a number or null');
  }
  return out;
}

/** mismatches lists what makes the shards not one run: scenario, plan, runId, count, repeated indexes. */
function mismatches(shards: readonly ShardInput[]): string[] {
  const out: string[] = [];
  const differ = (what: string, key: (s: ShardInput) => string): void => {
    const groups = new Map<string, string[]>();
    for (const s of shards) groups.set(key(s), [...(groups.get(key(s)) ?? []), s.file]);
    // Long keys (plans) are numbered rather than printed.
    if (groups.size > 1) out.push(`${what} differ: ${[...groups].map(([k, files], i) => `${k.length > 60 ? `#${i + 1}` : k} in ${files.join(', ')}`).join('; ')}`);
  };
  differ('scenarios (name and seed)', (s) => `'${s.results.scenario.name}' seed ${s.results.scenario.seed}`);
  differ('plans', (s) => planFingerprint(s.results));
  differ('runIds', (s) => s.results.shard.runId);
  differ('shard counts', (s) => `count ${s.results.shard.count}`);
  const byIndex = new Map<number, string[]>();
  for (const s of shards) byIndex.set(s.results.shard.index, [...(byIndex.get(s.results.shard.index) ?? []), s.file]);
  for (const [index, files] of byIndex) if (files.length > 1) out.push(`shard ${index} is given ${files.length} times: ${files.join(', ')}`);
  return out;
}

/**
 * planFingerprint is what every shard of one scenario shares: its length and phases (name, kind, start, length),
 * its SLOs and its faults. Load figures are left out: a shard may record its own share of the load in its plan.
 */
function planFingerprint(r: ResultsFile): string {
  const p = r.plan;
  const phases = (p.phases ?? []).map((x) => [x.name, x.load?.kind, x.startS, x.durationS, x.slo]);
  return JSON.stringify([p.durationS, phases, p.slo, (p.faults ?? []).map((f) => [f.action, f.atS, f.durationS])]);
}
