/**
 * Two-sample statistics for regression verdicts: the Mann-Whitney U rank test (exact distribution for small
 * samples without ties, normal approximation with tie and continuity corrections otherwise) and the two-sample
 * Kolmogorov-Smirnov test (exact for small samples, asymptotic otherwise). Both are two-sided and
 * distribution-free: latency samples are skewed and have outliers, so no normality is assumed.
 */

/** RankTest is the result of a Mann-Whitney U test of x against y. */
export interface RankTest {
  /** U statistic of the first sample (number of pairs where x > y, ties counting one half). */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** How p was computed. */
  method: 'exact' | 'normal';
}

/** KsTest is the result of a two-sample Kolmogorov-Smirnov test. */
export interface KsTest {
  /** The largest distance between the two empirical distribution functions. */
  d: number;
  p: number;
  method: 'exact' | 'asymptotic';
}

/** EXACT_LIMIT: samples this small (each), with no ties, get the exact U distribution. */
export const EXACT_LIMIT = 25;

/**
 * mannWhitney tests whether x and y come from the same distribution (two-sided). `varianceFactor` > 1 widens the
 * null distribution for serially correlated samples (per-second values of one run are not independent): the
 * normal approximation is then used with its variance multiplied by the factor.
 */
export function mannWhitney(x: readonly number[], y: readonly number[], varianceFactor = 1): RankTest {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: 0, p: 1, method: 'exact' };
  const all = [...x.map((v) => ({ v, s: 0 })), ...y.map((v) => ({ v, s: 1 }))].sort((a, b) => a.v - b.v);
  const n = n1 + n2;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.s === 0) rankSumX += rank;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  if (varianceFactor <= 1 && tieTerm === 0 && n1 <= EXACT_LIMIT && n2 <= EXACT_LIMIT) return { u, p: exactP(u, n1, n2), method: 'exact' };
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))) * Math.max(1, varianceFactor);
  if (variance <= 0) return { u, p: 1, method: 'normal' };
  const z = (Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalSf(Math.max(0, z))), method: 'normal' };
}

/** exactP is the two-sided p-value of U from its exact null distribution (no ties). */
function exactP(u: number, n1: number, n2: number): number {
  // counts[k] = number of rank arrangements with U = k, built by the recurrence over sample sizes.
  const max = n1 * n2;
  let table: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const next: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const a = next[j - 1]!; // f(i, j-1, k)
      const b = table[j]!; // f(i-1, j, k-j)
      const len = i * j + 1;
      const row = new Array<number>(len).fill(0);
      for (let k = 0; k < len; k++) row[k] = (a[k] ?? 0) + (k - j >= 0 ? (b[k - j] ?? 0) : 0);
      next.push(row);
    }
    table = next;
  }
  const counts = table[n2]!;
  let total = 0;
  for (const c of counts) total += c;
  const lo = Math.min(u, max - u);
  let tail = 0;
  for (let k = 0; k <= Math.floor(lo + 1e-9); k++) tail += counts[k] ?? 0;
  return Math.min(1, (2 * tail) / total);
}

/**
 * ksTwoSample tests whether x and y come from the same distribution by the largest gap between their CDFs. With
 * `varianceFactor` > 1 (serially correlated samples) the effective sample sizes are divided by it and the
 * asymptotic distribution is used.
 */
export function ksTwoSample(x: readonly number[], y: readonly number[], varianceFactor = 1): KsTest {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { d: 0, p: 1, method: 'exact' };
  const a = [...x].sort((p, q) => p - q);
  const b = [...y].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  if (varianceFactor <= 1 && n1 * n2 <= 10_000) return { d, p: ksExactP(d, n1, n2), method: 'exact' };
  const f = Math.max(1, varianceFactor);
  const en = Math.sqrt((n1 / f) * (n2 / f) / (n1 / f + n2 / f));
  return { d, p: kolmogorovSf((en + 0.12 + 0.11 / en) * d), method: 'asymptotic' };
}

/** ksExactP is P(D >= d) under the null, by counting lattice paths that stay strictly inside the band. */
function ksExactP(d: number, n1: number, n2: number): number {
  // Paths from (0,0) to (n1,n2); a path point (i,j) is outside when |i/n1 - j/n2| >= d (with a little slack for rounding).
  const eps = 1e-9;
  let prev = new Array<number>(n2 + 1).fill(0);
  for (let i = 0; i <= n1; i++) {
    const cur = new Array<number>(n2 + 1).fill(0);
    for (let j = 0; j <= n2; j++) {
      if (Math.abs(i / n1 - j / n2) >= d - eps && !(i === 0 && j === 0)) {
        cur[j] = 0;
        continue;
      }
      if (i === 0 && j === 0) cur[j] = 1;
      else cur[j] = (i > 0 ? prev[j]! : 0) + (j > 0 ? cur[j - 1]! : 0);
    }
    prev = cur;
  }
  // Inside paths are counted with binomial-scaled probabilities to avoid overflow.
  const inside = prev[n2]! / binomial(n1 + n2, n1);
  return Math.min(1, Math.max(0, 1 - inside));
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** kolmogorovSf is the survival function of the Kolmogorov distribution, Q(λ) = 2 Σ (-1)^(k-1) e^(-2 k² λ²). */
export function kolmogorovSf(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-12) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** normalSf is P(Z > z) for a standard normal Z (Abramowitz & Stegun 7.1.26 via erfc, error < 1.5e-7). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const r =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** normalQuantile is the z with P(Z <= z) = p (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** median is the middle value (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * serialCorrelationFactor is (1 + r)/(1 − r) for the lag-1 autocorrelation r of a series (clamped to [0, 0.9]):
 * by how much serial correlation inflates the variance of statistics computed as if the values were independent
 * (the AR(1) approximation). 1 for independent values.
 */
export function serialCorrelationFactor(series: readonly number[]): number {
  const n = series.length;
  if (n < 4) return 1;
  const mean = series.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = series[i]! - mean;
    den += d * d;
    if (i + 1 < n) num += d * (series[i + 1]! - mean);
  }
  if (den === 0) return 1;
  const r = Math.min(0.9, Math.max(0, num / den));
  return (1 + r) / (1 - r);
}

/**
 * clusteredVarianceFactor is the design effect of per-second samples that come from several runs: `sizes[i]`
 * values of the series belong to run i, in order. Seconds of one run share that run's conditions (a run-level
 * shift) and neighbouring seconds are correlated within a run, so the series holds less information than its
 * length says. With ρ the intraclass correlation (one-way ANOVA estimate) and f_w the within-run AR(1) factor
 * (lag-1 autocorrelation of the deviations from each run's mean), the variance of a statistic computed as if the
 * values were independent is inflated by m̄ρ + f_w(1 − ρ) for runs of m̄ values on average; it is never below 1
 * and never above m̄ (every run counting as one value). Without sizes, or with one run, it is the AR(1) factor of
 * the whole series (serialCorrelationFactor) capped at the series length.
 */
export function clusteredVarianceFactor(series: readonly number[], sizes?: readonly number[]): number {
  const n = series.length;
  const runs = (sizes ?? []).filter((m) => m > 0);
  if (runs.length <= 1 || runs.reduce((a, b) => a + b, 0) !== n) return Math.min(Math.max(1, n), serialCorrelationFactor(series));
  const k = runs.length;
  const mbar = n / k;
  if (mbar <= 1) return 1;
  const grand = series.reduce((a, b) => a + b, 0) / n;
  let ssb = 0;
  let ssw = 0;
  let lagNum = 0;
  let at = 0;
  for (const m of runs) {
    const values = series.slice(at, at + m);
    at += m;
    const mean = values.reduce((a, b) => a + b, 0) / m;
    ssb += m * (mean - grand) ** 2;
    for (let i = 0; i < m; i++) {
      const d = values[i]! - mean;
      ssw += d * d;
      if (i + 1 < m) lagNum += d * (values[i + 1]! - mean);
    }
  }
  const msb = ssb / (k - 1);
  const msw = n > k ? ssw / (n - k) : 0;
  const m0 = (n - runs.reduce((a, m) => a + m * m, 0) / n) / (k - 1);
  const denominator = msb + (m0 - 1) * msw;
  const icc = denominator > 0 ? Math.min(1, Math.max(0, (msb - msw) / denominator)) : 0;
  const r = ssw > 0 ? Math.min(0.9, Math.max(0, lagNum / ssw)) : 0;
  const within = Math.min(mbar, (1 + r) / (1 - r));
  return Math.min(mbar, Math.max(1, mbar * icc + within * (1 - icc)));
}

/** ranks replaces each value by its rank among the values (1-based; ties get their average rank). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.v === order[i]!.v) j++;
    for (let k = i; k <= j; k++) out[order[k]!.i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}
