/**
 * The integral of a shape's rate, Λ(t) = ∫₀ᵗ rate, and its inverse. Arrival processes work in "integrated-rate
 * space": the k-th request is due when Λ reaches some value, so a time-varying rate needs Λ⁻¹. Shapes with a
 * closed form supply both; for any other shape a table of Λ on a fine grid (trapezoid rule) is built once.
 */
import type { LoadShape } from './shapes.js';

/** ShapeIntegral gives Λ(t) and its inverse for one phase. */
export interface ShapeIntegral {
  /** at is Λ(tS): requests due in [0, tS]. */
  at(tS: number): number;
  /** timeAt is the earliest t with Λ(t) = area; Infinity when the phase ends before Λ reaches it. */
  timeAt(area: number): number;
}

/** Grid points of the numeric table at most (bounds its memory to under 1 MB). */
const MAX_STEPS = 100_000;
/** Finest grid step, seconds. */
const MIN_STEP_S = 0.001;

/** integralOf returns the shape's own closed forms when it has them, else a numeric table over [0, horizonS]. */
export function integralOf(shape: LoadShape, horizonS: number): ShapeIntegral {
  const { integral, timeAt } = shape;
  if (integral && timeAt) return { at: (t) => integral.call(shape, t), timeAt: (a) => timeAt.call(shape, a) };
  return numericIntegral(shape, horizonS);
}

/** numericIntegral tabulates Λ on a grid over [0, horizonS] and interpolates linearly between grid points. */
export function numericIntegral(shape: LoadShape, horizonS: number): ShapeIntegral {
  const step = Math.max(MIN_STEP_S, horizonS / MAX_STEPS);
  const n = Math.max(1, Math.ceil(horizonS / step));
  const h = horizonS / n;
  const cum = new Float64Array(n + 1);
  let prev = Math.max(0, shape.rate(0));
  for (let i = 1; i <= n; i++) {
    const r = Math.max(0, shape.rate(i * h));
    cum[i] = cum[i - 1]! + ((prev + r) / 2) * h;
    prev = r;
  }
  const total = cum[n]!;
  return {
    at(t) {
      if (t <= 0) return 0;
      if (t >= horizonS) return total + Math.max(0, shape.rate(horizonS)) * (t - horizonS);
      const i = Math.min(n - 1, Math.floor(t / h));
      const frac = (t - i * h) / h;
      return cum[i]! + (cum[i + 1]! - cum[i]!) * frac;
    },
    timeAt(area) {
      if (area <= 0) return 0;
      if (area > total) return Infinity;
      // First grid point whose Λ reaches area, then interpolate within the step before it.
      let lo = 1;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! >= area) hi = mid;
        else lo = mid + 1;
      }
      const below = cum[lo - 1]!;
      const width = cum[lo]! - below;
      return (lo - 1) * h + (width > 0 ? ((area - below) / width) * h : 0);
    },
  };
}
