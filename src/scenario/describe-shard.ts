/**
 * describeShard renders one shard's share of a plan for people (`gauntlet run --shard I/N --dry-run`): per phase,
 * the rate it sends and how (constant: its offset within the interval; poisson and gamma: its own process at
 * rate/N; a trace: every N-th line), or its part of a closed loop's concurrency, and how many requests it sends.
 */
import { createArrivals } from './arrivals.js';
import type { PhasePlan, Plan } from './plan.js';
import { concurrencyShare, type ShardSpec } from './shard.js';
import { formatDuration, round } from './units.js';

/** ShardFacts are what the dry run states about a shard besides its phases. */
export interface ShardFacts {
  startAtIso: string;
  faults: boolean;
}

/** describeShard renders the shard's share as lines of text. */
export function describeShard(plan: Plan, shard: ShardSpec, facts: ShardFacts): string[] {
  const { index, count } = shard;
  const lines = [`Shard ${index} of ${count} (0-based): common start ${facts.startAtIso}; ${facts.faults ? 'fires the faults' : 'does not fire the faults'}`];
  plan.phases.forEach((p, i) => lines.push(`  ${p.name}: ${phaseShare(p, i, plan.seed, shard)}`));
  return lines;
}

function phaseShare(p: PhasePlan, i: number, seed: number, shard: ShardSpec): string {
  const { index, count } = shard;
  if (p.load.kind === 'closed') {
    const c = concurrencyShare(p.load.concurrency, shard);
    return `${c} of ${p.load.concurrency} concurrent (closed loop)${c === 0 ? ': idles through the phase' : ''}`;
  }
  // Counting by a bulk skip: no arrival is drawn one by one, whatever the rate.
  const sends = createArrivals(p, seed, i, shard).skip(p.durationS + 1e-9);
  const perS = (n: number): string => `${round(n / Math.max(p.durationS, 1e-9), 2)} rps`;
  if (p.load.shape.type === 'trace') return `trace lines i ≡ ${index} (mod ${count}): ${sends} requests (${perS(sends)})`;
  const a = p.load.arrival;
  if (a.type === 'constant') {
    return `the shape's rate / ${count}, arrivals k ≡ ${index} (mod ${count}) of the evenly spaced sequence (offset ${index}/${count} of the interval): ${sends} requests over ${formatDuration(p.durationS)} (${perS(sends)})`;
  }
  const what = a.type === 'poisson' ? 'a Poisson process' : `a gamma renewal process (CV² ${a.burstiness})`;
  return `${what} at the shape's rate / ${count}, its own random stream: about ${sends} requests (${perS(sends)})`;
}
