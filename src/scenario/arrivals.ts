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
 */
import { GauntletError } from '../errors.js';
import { exponential, gamma } from './distributions.js';
import { integralOf, type ShapeIntegral } from './integral.js';
import type { ArrivalSpec, PhasePlan } from './plan.js';
import { createRandom, type Random } from './random.js';
import { Registry } from './registry.js';
import { createShape, type LoadShape } from './shapes.js';

/** Arrivals yields the intended send times of one phase in order. */
export interface Arrivals {
  /** next returns the next send time (seconds since the phase started), or undefined once past the phase's end. */
  next(): number | undefined;
}

/** ArrivalContext is what an arrival process is built from. */
export interface ArrivalContext {
  spec: ArrivalSpec;
  shape: LoadShape;
  integral: ShapeIntegral;
  durationS: number;
  random: Random;
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

/** timeChanged turns a sequence of Λ values (ascending) into send times, ending at the phase's duration. */
function timeChanged(ctx: ArrivalContext, nextArea: () => number): Arrivals {
  let done = false;
  return {
    next() {
      if (done) return undefined;
      const t = ctx.integral.timeAt(nextArea());
      if (t < ctx.durationS) return t;
      done = true;
      return undefined;
    },
  } satisfies Arrivals;
}

registerArrival('constant', (ctx) => {
  let k = 0;
  return timeChanged(ctx, () => ++k - 0.5);
});

registerArrival('poisson', (ctx) => {
  let area = 0;
  return timeChanged(ctx, () => (area += exponential(ctx.random)));
});

registerArrival('gamma', (ctx) => {
  const { burstiness } = ctx.spec;
  let area = 0;
  // Gamma(shape 1/b, scale b): mean 1, variance b, so CV² = b.
  return timeChanged(ctx, () => (area += gamma(ctx.random, 1 / burstiness) * burstiness));
});

/** replay yields given send times up to and including the phase's end (a trace's last line is sent). */
function replay(times: readonly number[], durationS: number): Arrivals {
  let i = 0;
  return {
    next() {
      const t = times[i];
      if (t === undefined || t > durationS) return undefined;
      i++;
      return t;
    },
  } satisfies Arrivals;
}

/** arrivalsFor builds the arrival process of a shape over a phase of the given duration. */
export function arrivalsFor(shape: LoadShape, spec: ArrivalSpec, durationS: number, random: Random): Arrivals {
  if (shape.sendTimesS) return replay(shape.sendTimesS, durationS);
  return ARRIVALS.get(spec.type)({ spec, shape, integral: integralOf(shape, durationS), durationS, random });
}

/** createArrivals builds the send times of an open-loop phase; the random stream is keyed by the phase's index. */
export function createArrivals(phase: PhasePlan, seed: number, phaseIndex: number): Arrivals {
  if (phase.load.kind !== 'open') {
    throw new GauntletError('GAUNTLET_ERR_INTERNAL', `phase ${phase.name} is closed-loop and has no arrival times`);
  }
  const shape = createShape(phase.load.shape, phase.durationS);
  return arrivalsFor(shape, phase.load.arrival, phase.durationS, createRandom(seed, phaseIndex));
}
