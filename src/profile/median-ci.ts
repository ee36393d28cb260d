/**
 * The distribution-free 95 % confidence interval of a median from order statistics: with n samples sorted,
 * the interval is [x(l), x(u)] where the ranks come from the Binomial(n, ½) distribution of the number of samples
 * below the true median (exact up to MEDIAN_CI_EXACT_N samples, its normal approximation above).
 */

/** MEDIAN_CI_MIN_N is the fewest samples with a 95 % interval of the median (P(all on one side) = 2⁻⁵ < 5 %… n = 6). */
export const MEDIAN_CI_MIN_N = 6;
/** MEDIAN_CI_EXACT_N is the largest n whose ranks come from the exact binomial distribution. */
export const MEDIAN_CI_EXACT_N = 1000;

/** MedianCi is a median and its 95 % interval, in the samples' unit, with the half-width as a share of the median. */
export interface MedianCi {
  median: number;
  lo: number;
  hi: number;
  /** max(median − lo, hi − median) ÷ median. */
  share: number;
}

/**
 * medianRanks returns the 1-based ranks (l, u) of the 95 % interval for n samples: the largest l with
 * P(B ≤ l − 1) ≤ 2.5 % for B ~ Binomial(n, ½), and u = n + 1 − l (the interval is symmetric in rank).
 */
export function medianRanks(n: number): [number, number] | null {
  if (!Number.isInteger(n) || n < MEDIAN_CI_MIN_N) return null;
  let l: number;
  if (n <= MEDIAN_CI_EXACT_N) {
    // Cumulative binomial in log space: pmf(k) = C(n, k) / 2^n.
    let logPmf = -n * Math.LN2;
    let cdf = Math.exp(logPmf);
    let k = 0;
    while (cdf <= 0.025) {
      logPmf += Math.log((n - k) / (k + 1));
      k++;
      cdf += Math.exp(logPmf);
    }
    // P(B ≤ k − 1) ≤ 2.5 % < P(B ≤ k): the lower rank is k.
    l = Math.max(1, k);
  } else {
    l = Math.max(1, Math.floor((n - 1.959964 * Math.sqrt(n)) / 2));
  }
  return [l, n + 1 - l];
}

/** medianCi returns the median of `samples` and its 95 % interval, or null with fewer than MEDIAN_CI_MIN_N samples. */
export function medianCi(samples: readonly number[]): MedianCi | null {
  const ranks = medianRanks(samples.length);
  if (ranks === null) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const lo = sorted[ranks[0] - 1]!;
  const hi = sorted[ranks[1] - 1]!;
  const share = median > 0 ? Math.max(median - lo, hi - median) / median : Infinity;
  return { median, lo, hi, share };
}

/** quantileSorted returns the q-quantile (0..1) of sorted samples, nearest rank. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}
