/**
 * Samplers for the distributions arrival processes need, drawing only from a seeded Random so every sample is
 * reproducible: exponential (inversion), standard normal (Marsaglia's polar method) and gamma (Marsaglia–Tsang).
 */
import type { Random } from './random.js';

/** exponential draws from the exponential distribution with mean 1. */
export function exponential(random: Random): number {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  return -Math.log(1 - random.next());
}

/** normal draws from the standard normal distribution (mean 0, variance 1). */
export function normal(random: Random): number {
  for (;;) {
    const u = 2 * random.next() - 1;
    const v = 2 * random.next() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * gamma draws from the gamma distribution with the given shape and scale 1 (mean = shape, variance = shape).
 * Marsaglia and Tsang's squeeze method for shape ≥ 1; for shape < 1 a draw for shape + 1 is multiplied by
 * u^(1/shape), which has the right distribution and keeps the fast method.
 */
export function gamma(random: Random, shape: number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`gamma shape must be a positive number, got ${shape}`);
  if (shape < 1) {
    const u = 1 - random.next(); // (0, 1]
    return gamma(random, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(random);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - random.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}
