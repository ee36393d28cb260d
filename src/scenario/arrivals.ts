/**
 * Arrival processes: the intended send times of an open-loop phase, in seconds since the phase started. Every
 * process works in integrated-rate space: it picks the values Λ must reach (Λ(t) = requests due by t, see
 * integral.ts) and maps them back to time with Λ⁻¹, so one process follows any shape, including ramps and bursts.
 * - constant: the k-th request (k = 1, 2, …) is due when Λ = k − ½, i.e. in the middle of its share of the rate.
 *   A phase at r rps for d seconds then sends round(r·d) requests (a half rounds down), evenly spaced, and a
 *   ramp from 0 sends none at 0.
 * - poisson: unit-mean exponential gaps in Λ (a Poisson process with the shape's time-varying rate).
 * - gamma: gamma gaps in Λ with mean 1 and squared coefficient of variation `burstiness` (shape 1/burstiness).
 * Shapes that dictate their own send times (trace replay) are replayed as they are, whatever the arrival spec.
 *
 * Every process can also skip a stretch of arrivals and say how many there were without drawing them one by one
 * (the dispatcher drops a backlog in bulk this way, so its work never grows with the planned rate):
 * - constant: closed form, k advances to the last k with k − ½ below Λ(t);
 * - poisson: the count in (a, b] is Poisson(b − a) and the process is memoryless, so it restarts at b: exact;
 * - gamma: gaps are walked one by one while fewer than GAMMA_WALK_LIMIT are expected; beyond, the count is drawn
 *   from the renewal process's normal approximation N(L, burstiness·L) for an area L, and the process restarts
 *   at the skip's end as if an arrival were there (the residual gap after a long skip is drawn as a fresh gap);
 * - trace replay: binary search.
 *
 * A shard I of N (gauntlet run --shard, docs/sharding.md) runs its share of the same process in the same Λ space:
 * - constant: the global arrivals k ≡ I (mod N) (0-based), at Λ = I + ½ + N·j, so the shards' union is exactly the
 *   unsharded sequence;
 * - poisson: a Poisson process at rate/N (unit-mean gaps scaled by N), from its own random stream;
 * - gamma: a gamma renewal process with mean gap N and the same CV² (the union of the shards is not exactly gamma);
 * - trace replay: the lines i ≡ I (mod N).
 * Each is the unsharded process with its Λ scaled by N (and shifted, for constant), so skipping stays bulk.
 */
import { GauntletError } from '../errors.js';
import { exponential, gamma, normal, poisson } from './distributions.js';
import { integralOf, type ShapeIntegral } from './integral.js';
import type { ArrivalSpec, PhasePlan } from './plan.js';
import { createRandom, type Random } from './random.js';
import { Registry } from './registry.js';
import { createShape, type LoadShape } from './shapes.js';
import type { ReplayTimes } from './trace-replay.js';
import { ONE_SHARD, type ShardSpec } from './shard.js';

/** Arrivals yields the intended send times of one phase in order. */
export interface Arrivals {
  /** next returns the next send time (seconds since the phase started), or undefined once past the phase's end. */
  next(): number | undefined;
  /**
   * skip discards every coming arrival due before untilS (seconds since the phase started) and returns how many
   * it discarded; its work does not grow with that count. The next call to next() returns the first one after.
   */
  skip(untilS: number): number;
}

/** AreaProcess is an arrival process in integrated-rate space: the Λ values of successive arrivals, ascending. */
export interface AreaProcess {
  /** next returns the Λ of the next arrival. */
  next(): number;
  /** skipBelow discards every coming arrival whose Λ is below `limit` and returns how many. */
  skipBelow(limit: number): number;
}

/** ArrivalContext is what an arrival process is built from. */
export interface ArrivalContext {
  spec: ArrivalSpec;
  shape: LoadShape;
  integral: ShapeIntegral;
  durationS: number;
  random: Random;
  /** The shard whose share of the arrivals to yield (ONE_SHARD: all of them). */
  shard: ShardSpec;
}

/** ArrivalFactory builds an arrival process for one phase. */
export type ArrivalFactory = (ctx: ArrivalContext) => Arrivals;

/** ARRIVALS is the registry of arrival processes by ArrivalSpec type. */
export const ARRIVALS = new Registry<ArrivalFactory>('arrival process');

/** registerArrival registers a factory for one ArrivalSpec type, typed by that spec. */
export function registerArrival<K extends ArrivalSpec['type']>(
  type: K,
  make: (ctx: ArrivalContext & { spec: Extract<ArrivalSpec, { type: K }> }) => Arrivals,
): void {
  ARRIVALS.register(type, (ctx) => make(ctx as ArrivalContext & { spec: Extract<ArrivalSpec, { type: K }> }));
}

/** GAMMA_WALK_LIMIT is the expected count up to which a gamma skip draws every gap (exact) instead of approximating. */
export const GAMMA_WALK_LIMIT = 1000;

/**
 * sharded maps a unit-spaced area process onto a shard's share: Λ = N·λ + shiftN (λ the process's own values), so
 * its mean gap is N and a skip to Λ is a skip to (Λ − shiftN)/N.
 */
export function sharded(process: AreaProcess, count: number, shiftN = 0): AreaProcess {
  if (count === 1 && shiftN === 0) return process;
  return { next: () => count * process.next() + shiftN, skipBelow: (limit) => process.skipBelow((limit - shiftN) / count) };
}

/** timeChanged turns an area process into send times, ending at the phase's duration. */
export function timeChanged(ctx: ArrivalContext, unit: AreaProcess, shiftN = 0): Arrivals {
  const process = sharded(unit, ctx.shard.count, shiftN);
  let done = false;
  return {
    next() {
      if (done) return undefined;
      const t = ctx.integral.timeAt(process.next());
      if (t < ctx.durationS) return t;
      done = true;
      return undefined;
    },
    skip(untilS) {
      if (done || !(untilS > 0)) return 0;
      // Arrivals exist only before the phase's end: those are the ones whose Λ is below Λ(end).
      return process.skipBelow(ctx.integral.at(Math.min(untilS, ctx.durationS)));
    },
  } satisfies Arrivals;
}

registerArrival('constant', (ctx) => {
  let k = 0;
  // Shard I of N: N·(k − ½) + shift = I + ½ + N·(k − 1), the global arrival N·(k − 1) + I.
  const shift = ctx.shard.index + 0.5 - ctx.shard.count / 2;
  return timeChanged(
    ctx,
    {
      next: () => ++k - 0.5,
      skipBelow(limit) {
        // The last k' with k' − ½ < limit.
        const last = Math.ceil(limit + 0.5) - 1;
        const n = Math.max(0, last - k);
        k += n;
        return n;
      },
    },
    shift,
  );
});

registerArrival('poisson', (ctx) => {
  let area = 0;
  return timeChanged(ctx, {
    next: () => (area += exponential(ctx.random)),
    skipBelow(limit) {
      if (!(limit > area)) return 0;
      const n = poisson(ctx.random, limit - area);
      area = limit;
      return n;
    },
  });
});

registerArrival('gamma', (ctx) => {
  const { burstiness } = ctx.spec;
  // Gamma(shape 1/b, scale b): mean 1, variance b, so CV² = b.
  const gap = (): number => gamma(ctx.random, 1 / burstiness) * burstiness;
  let area = 0;
  /** The Λ of an arrival drawn while skipping that lies past the skip: next() returns it first. */
  let pending: number | undefined;
  return timeChanged(ctx, {
    next() {
      if (pending !== undefined) {
        const a = pending;
        pending = undefined;
        return a;
      }
      return (area += gap());
    },
    skipBelow(limit) {
      if (pending !== undefined) {
        if (pending >= limit) return 0;
        pending = undefined;
        return 1 + this.skipBelow(limit);
      }
      if (!(limit > area)) return 0;
      if (limit - area <= GAMMA_WALK_LIMIT) {
        let n = 0;
        for (;;) {
          const a = area + gap();
          area = a;
          if (a >= limit) {
            pending = a;
            return n;
          }
          n++;
        }
      }
      const expected = limit - area;
      const n = Math.max(0, Math.round(expected + Math.sqrt(burstiness * expected) * normal(ctx.random)));
      area = limit;
      return n;
    },
  });
});

/**
 * replay yields a trace's send times up to and including the phase's end (a trace's last line is sent); a shard
 * I of N replays the arrivals i ≡ I (mod N).
 */
function replay(times: ReplayTimes, durationS: number, shard: ShardSpec): Arrivals {
  const { index, count } = shard;
  let i = index;
  /** The first index past the phase's end. */
  const end = times.countBefore(durationS, true);
  return {
    next() {
      if (i >= end) return undefined;
      const t = times.timeOf(i);
      i += count;
      return t;
    },
    skip(untilS) {
      const j = Math.min(end, times.countBefore(untilS));
      // This shard's indices in [i, j): i, i + N, … below j.
      const n = j > i ? Math.ceil((j - i) / count) : 0;
      i += n * count;
      return n;
    },
  } satisfies Arrivals;
}

/** arrivalsFor builds the arrival process of a shape over a phase of the given duration (a shard's share of it). */
export function arrivalsFor(shape: LoadShape, spec: ArrivalSpec, durationS: number, random: Random, shard: ShardSpec = ONE_SHARD): Arrivals {
  if (shape.replay) return replay(shape.replay, durationS, shard);
  return ARRIVALS.get(spec.type)({ spec, shape, integral: integralOf(shape, durationS), durationS, random, shard });
}

/**
 * createArrivals builds the send times of an open-loop phase (a shard's share of them); the random stream is keyed
 * by the phase's index, and by the shard's index too when the run is sharded, so every shard draws its own.
 */
export function createArrivals(phase: PhasePlan, seed: number, phaseIndex: number, shard: ShardSpec = ONE_SHARD): Arrivals {
  if (phase.load.kind !== 'open') {
    throw new GauntletError('GAUNTLET_ERR_INTERNAL', `phase ${phase.name} is closed-loop and has no arrival times`);
  }
  const shape = createShape(phase.load.shape, phase.durationS);
  const random = shard.count === 1 ? createRandom(seed, phaseIndex) : createRandom(seed, `phase ${phaseIndex} shard ${shard.index}`);
  return arrivalsFor(shape, phase.load.arrival, phase.durationS, random, shard);
}
