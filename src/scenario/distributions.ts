/**
 * Samplers for the distributions arrival processes need, drawing only from a seeded Random so every sample is
 * reproducible: exponential (inversion), standard normal (Marsaglia's polar method), gamma (Marsaglia–Tsang) and
 * Poisson (inversion or transformed rejection; arrival processes skip a backlog with it).
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

/**
 * logFactorial is ln(k!) for an integer k ≥ 0: a table below 16, Stirling's series (accurate to about 1e-15
 * relative) above.
 */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIALS.length) return LOG_FACTORIALS[k]!;
  const x = k + 1;
  const x2 = x * x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * x2)) / x2) / x2) / x;
}

const LOG_FACTORIALS: readonly number[] = (() => {
  const t = [0];
  for (let k = 1; k < 16; k++) t.push(t[k - 1]! + Math.log(k));
  return t;
})();

/** POISSON_NORMAL_MEAN is the mean above which poisson() draws from the normal approximation instead. */
export const POISSON_NORMAL_MEAN = 1e7;

/**
 * poisson draws from the Poisson distribution with the given mean: by inversion below a mean of 10, by Hörmann's
 * transformed rejection with squeeze (PTRS, as numpy does) up to POISSON_NORMAL_MEAN, and above it from the
 * normal approximation N(mean, mean) rounded (its skewness, 1/√mean, is then below 0.0004, and the exact
 * method's log-density would lose its precision to cancellation).
 */
export function poisson(random: Random, mean: number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`poisson mean must be a finite number >= 0, got ${mean}`);
  if (mean === 0) return 0;
  if (mean < 10) {
    const u = random.next();
    let p = Math.exp(-mean);
    let cdf = p;
    let k = 0;
    // The cdf reaches u within a few dozen steps; the bound only guards against rounding at the far tail.
    while (u > cdf && k < 1000) {
      k++;
      p *= mean / k;
      cdf += p;
    }
    return k;
  }
  if (mean > POISSON_NORMAL_MEAN) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)));
  const smu = Math.sqrt(mean);
  const b = 0.931 + 2.53 * smu;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  const logMean = Math.log(mean);
  for (;;) {
    const u = random.next() - 0.5;
    const v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logFactorial(k)) return k;
  }
}
