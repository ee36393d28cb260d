/**
 * Load shapes: the offered rate of an open-loop phase as a function of time since the phase started. Each shape
 * is registered by its ShapeSpec `type`. Shapes whose integral has a closed form provide it (and its inverse), so
 * arrival times are exact; others are integrated numerically (see integral.ts).
 */
import type { ShapeSpec } from './plan.js';
import { Registry } from './registry.js';
import { replayTimes, type ReplayTimes } from './trace-replay.js';

/** LoadShape is a phase's offered rate over time; times are seconds since the phase started. */
export interface LoadShape {
  /** rate is the offered rate at time tS, requests/second. */
  rate(tS: number): number;
  /** maxRps is the highest rate the shape reaches within its phase. */
  readonly maxRps: number;
  /** integral is the number of requests due in [0, tS] (closed form, when the shape has one). */
  integral?(tS: number): number;
  /** timeAt is the earliest time the integral reaches `area`; Infinity if it never does. */
  timeAt?(area: number): number;
  /** replay gives the exact send times of shapes that dictate them (trace replay). */
  readonly replay?: ReplayTimes;
}

/** ShapeFactory builds a shape from its spec and the phase's duration. */
export type ShapeFactory = (spec: ShapeSpec, durationS: number) => LoadShape;

/** SHAPES is the registry of load shapes by ShapeSpec type. */
export const SHAPES = new Registry<ShapeFactory>('shape');

/** registerShape registers a factory for one ShapeSpec type, typed by that spec. */
export function registerShape<K extends ShapeSpec['type']>(type: K, make: (spec: Extract<ShapeSpec, { type: K }>, durationS: number) => LoadShape): void {
  SHAPES.register(type, (spec, durationS) => make(spec as Extract<ShapeSpec, { type: K }>, durationS));
}

/** createShape builds the runtime shape for a spec; the phase's duration matters to ramps. */
export function createShape(spec: ShapeSpec, durationS: number): LoadShape {
  return SHAPES.get(spec.type)(spec, durationS);
}

registerShape('constant', ({ rps }) => ({
  rate: () => rps,
  maxRps: rps,
  integral: (t) => rps * Math.max(0, t),
  timeAt: (area) => (area <= 0 ? 0 : rps > 0 ? area / rps : Infinity),
}) satisfies LoadShape);

/** A ramp goes linearly from fromRps at 0 to toRps at the phase's end, and stays at toRps after it. */
registerShape('ramp', ({ fromRps: a, toRps: b }, durationS) => {
  const slope = durationS > 0 ? (b - a) / durationS : 0;
  const integral = (t: number): number => {
    if (t <= 0) return 0;
    if (t <= durationS) return a * t + (slope * t * t) / 2;
    return a * durationS + (slope * durationS * durationS) / 2 + b * (t - durationS);
  };
  const total = integral(durationS);
  return {
    rate: (t) => (t <= 0 ? a : t >= durationS ? b : a + slope * t),
    maxRps: Math.max(a, b),
    integral,
    timeAt(area) {
      if (area <= 0) return 0;
      if (area > total) return b > 0 ? durationS + (area - total) / b : Infinity;
      // Solve a·t + slope·t²/2 = area; written as 2·area / (a + √(a² + 2·slope·area)) it stays accurate when
      // slope is tiny or negative (the root of the quadratic that lies within the phase).
      const disc = a * a + 2 * slope * area;
      return (2 * area) / (a + Math.sqrt(Math.max(0, disc)));
    },
  } satisfies LoadShape;
});

/**
 * A burst shape runs at baseRps, with bursts at burstRps occupying [k·every, k·every + length) for k = 1, 2, …:
 * the first burst begins one `every` into the phase, so a phase starts at its base rate.
 */
registerShape('burst', ({ baseRps: base, burstRps: burst, everyS: every, lengthS: length }) => {
  const inBurst = (t: number): boolean => t >= every && t % every < length;
  // Requests in one full period after the first: a burst then the base rate until the next burst.
  const period = burst * length + base * (every - length);
  return {
    rate: (t) => (inBurst(t) ? burst : base),
    maxRps: Math.max(base, burst),
    integral(t) {
      if (t <= 0) return 0;
      const n = Math.floor(t / every);
      const burstTime = n >= 1 ? (n - 1) * length + Math.min(length, t - n * every) : 0;
      return base * (t - burstTime) + burst * burstTime;
    },
    timeAt(area) {
      if (area <= 0) return 0;
      if (area <= base * every) return base > 0 ? area / base : Infinity;
      const rest = area - base * every;
      const k = Math.floor(rest / period);
      const within = rest - k * period;
      const periodStart = every * (k + 1);
      if (within <= burst * length) return periodStart + within / burst;
      return base > 0 ? periodStart + length + (within - burst * length) / base : Infinity;
    },
  } satisfies LoadShape;
});

/**
 * A trace replays recorded send times divided by speed (looped when asked); its rate is the count of sends in each
 * whole second, and its peak (maxRps) is taken over its first two loops (the seam between loops included).
 */
registerShape('trace', ({ offsetsS, speed, loop }, durationS) => {
  const times = replayTimes(offsetsS, speed, loop, durationS);
  let maxRps = 0;
  const scan = Math.min(times.count, times.lines * 2);
  for (let i = 0, second = -1, inSecond = 0; i < scan; i++) {
    const s = Math.floor(times.timeOf(i));
    inSecond = s === second ? inSecond + 1 : 1;
    second = s;
    if (inSecond > maxRps) maxRps = inSecond;
  }
  return {
    rate: (t) => times.countBefore(Math.floor(t) + 1) - times.countBefore(Math.floor(t)),
    maxRps,
    integral: (t) => times.countBefore(t, true),
    replay: times,
  } satisfies LoadShape;
});
