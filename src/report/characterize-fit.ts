/**
 * The gamma distribution's CDF, for drawing the fitted arrival process over the inter-arrival histogram (shape 1 is
 * the exponential gaps of Poisson arrivals). The regularized lower incomplete gamma function P(a, x), by its series
 * below a + 1 and by Lentz's continued fraction above, as in Numerical Recipes §6.2; accurate to ~1e-12.
 */

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** lnGamma is ln Γ(a) for a > 0 (Lanczos, g = 7). */
export function lnGamma(a: number): number {
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - lnGamma(1 - a);
  const z = a - 1;
  let s = 0.99999999999980993;
  LANCZOS.forEach((c, i) => (s += c / (z + i + 1)));
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** gammaCdf is P(shape, x): the probability that a gamma variable of unit scale is at most x (0 for x <= 0). */
export function gammaCdf(shape: number, x: number): number {
  if (!(x > 0)) return 0;
  if (!Number.isFinite(x)) return 1;
  const lead = shape * Math.log(x) - x - lnGamma(shape);
  if (x < shape + 1) {
    let term = 1 / shape;
    let sum = term;
    for (let n = 1; n < 500 && Math.abs(term) > Math.abs(sum) * 1e-14; n++) {
      term *= x / (shape + n);
      sum += term;
    }
    return Math.min(1, sum * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - shape;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - shape);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return Math.max(0, 1 - Math.exp(lead) * h);
}
