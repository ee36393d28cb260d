/**
 * Token-length distributions (LengthDist) drawn from a seeded Random. Every draw is an integer within the
 * distribution's [min, max]: uniform draws an integer uniformly, normal and lognormal are truncated (a draw
 * outside [min, max], after rounding, is drawn again), and a file's counts are drawn uniformly.
 */
import { normal } from '../scenario/distributions.js';
import type { Random } from '../scenario/random.js';
import type { LengthDist } from '../targets/llm-spec.js';

/** MIN_TRUNCATED_MASS is the least share of a normal or lognormal that [min, max] must hold (checked when a scenario is read). */
export const MIN_TRUNCATED_MASS = 0.01;

/** MAX_REDRAWS bounds the redraws of a truncated draw; with MIN_TRUNCATED_MASS it is never reached (then the draw is clamped). */
const MAX_REDRAWS = 10_000;

/** lengthSampler returns a function that draws token counts from a distribution. */
export function lengthSampler(dist: LengthDist, random: Random): () => number {
  switch (dist.kind) {
    case 'fixed':
      return () => dist.value;
    case 'uniform':
      return () => dist.min + Math.floor(random.next() * (dist.max - dist.min + 1));
    case 'normal':
      return truncated(dist.min, dist.max, () => dist.mean + dist.stddev * normal(random));
    case 'lognormal':
      return truncated(dist.min, dist.max, () => dist.median * Math.exp(dist.sigma * normal(random)));
    case 'file': {
      const values = dist.values;
      return () => values[Math.floor(random.next() * values.length)]!;
    }
  }
}

function truncated(min: number, max: number, draw: () => number): () => number {
  return () => {
    for (let i = 0; i < MAX_REDRAWS; i++) {
      const v = Math.round(draw());
      if (v >= min && v <= max) return v;
    }
    return Math.min(max, Math.max(min, Math.round(draw())));
  };
}

/** truncatedMass is the share of a normal or lognormal distribution that its [min, max] holds after rounding (1 for the others). */
export function truncatedMass(dist: LengthDist): number {
  const lo = dist.kind === 'normal' || dist.kind === 'lognormal' ? dist.min - 0.5 : 0;
  const hi = dist.kind === 'normal' || dist.kind === 'lognormal' ? dist.max + 0.5 : 0;
  if (dist.kind === 'normal') return normalCdf((hi - dist.mean) / dist.stddev) - normalCdf((lo - dist.mean) / dist.stddev);
  if (dist.kind === 'lognormal') return normalCdf(Math.log(hi / dist.median) / dist.sigma) - normalCdf(Math.log(lo / dist.median) / dist.sigma);
  return 1;
}

/** normalCdf is the standard normal distribution function, Φ(z) = erfc(−z/√2)/2 (absolute error below 1.2e-7). */
export function normalCdf(z: number): number {
  return z >= 0 ? 1 - 0.5 * erfc(z / Math.SQRT2) : 0.5 * erfc(-z / Math.SQRT2);
}

/** erfc for x ≥ 0 (Numerical Recipes' erfcc: Chebyshev fit, fractional error below 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly = -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(poly);
}

/** describeLength renders a distribution briefly (`uniform 32–256`, `lognormal median 200 σ 0.6 in 8–2000`). */
export function describeLength(dist: LengthDist): string {
  switch (dist.kind) {
    case 'fixed':
      return String(dist.value);
    case 'uniform':
      return `uniform ${dist.min}–${dist.max}`;
    case 'normal':
      return `normal mean ${dist.mean} sd ${dist.stddev} in ${dist.min}–${dist.max}`;
    case 'lognormal':
      return `lognormal median ${dist.median} σ ${dist.sigma} in ${dist.min}–${dist.max}`;
    case 'file':
      return `${dist.values.length} counts from ${dist.file}`;
  }
}
