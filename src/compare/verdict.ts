/**
 * The verdict for one metric: SAME, REGRESSED, IMPROVED or UNKNOWN, from two samples of that metric (one value per
 * repetition, or per second of a run). A change is called only when it is both statistically significant and at
 * least the minimum effect; "no change" is called only when the samples were large enough to have seen the
 * minimum effect; anything else is UNKNOWN, with how many more repetitions would decide it.
 */
import { clusteredVarianceFactor, ksTwoSample, mannWhitney, median, normalQuantile, ranks } from './stats.js';

/** Verdict is the outcome of comparing a candidate with its baseline on one metric. */
export type Verdict = 'SAME' | 'REGRESSED' | 'IMPROVED' | 'UNKNOWN';

/** MetricRule says how to judge one metric. */
export interface MetricRule {
  metric: string;
  /** True for latency and error rate, false for throughput. */
  higherIsWorse: boolean;
  /** Smallest change that counts, relative to the baseline's median (0.05 = 5 %); absolute for ratios when `absolute`. */
  minEffect: number;
  /** Judge the change as a difference (error rates), not relative to the baseline. */
  absolute?: boolean;
}

/** MetricVerdict is the verdict with the numbers behind it. */
export interface MetricVerdict {
  metric: string;
  verdict: Verdict;
  baseline: number;
  candidate: number;
  /** Candidate minus baseline, relative to the baseline (or absolute, for absolute rules). */
  change: number;
  minEffect: number;
  /** Mann-Whitney U and Kolmogorov-Smirnov p-values. */
  pRank: number;
  pKs: number;
  samples: { baseline: number; candidate: number };
  /** Per-second samples only: the design effect the tests were widened by (1: independent values). */
  designEffect?: number;
  /** UNKNOWN only: how many more samples per side would decide (at the observed spread); the gate states it in runs. */
  needed?: number;
  reason: string;
}

/** DEFAULT_ALPHA is the significance level of a verdict (both tests together, Bonferroni-corrected). */
export const DEFAULT_ALPHA = 0.01;
/** POWER is the chance a SAME verdict's sample size gives of seeing a change of the minimum effect. */
export const POWER = 0.9;
const MIN_SAMPLES = 3;
/** Asymptotic relative efficiency of the rank test against the t-test for normal data (3/π). */
const ARE = 3 / Math.PI;

/**
 * Serial describes samples that are time series (one value per second) rather than independent values: how many
 * values each run contributed, in order, per side (absent: one run, or unknown).
 */
export interface Serial {
  baselineRuns?: readonly number[];
  candidateRuns?: readonly number[];
}

/**
 * judge compares candidate with baseline samples of one metric. With `serial` the samples are per-second values
 * whose neighbours and whose runs are correlated: the tests then widen their null distributions by the measured
 * design effect (clusteredVarianceFactor), and the sample size needed for SAME grows likewise. The design effect
 * is measured on each side's ranks, as the tests only see ranks: on raw values one stalled second would swamp the
 * within-run variance and make the runs look independent.
 */
export function judge(baseline: readonly number[], candidate: readonly number[], rule: MetricRule, alpha = DEFAULT_ALPHA, serial?: Serial): MetricVerdict {
  const b = median(baseline);
  const c = median(candidate);
  const change = rule.absolute ? c - b : b === 0 ? (c === 0 ? 0 : Infinity) : (c - b) / Math.abs(b);
  const factor = serial ? Math.max(clusteredVarianceFactor(ranks(baseline), serial.baselineRuns), clusteredVarianceFactor(ranks(candidate), serial.candidateRuns)) : 1;
  const rank = mannWhitney(baseline, candidate, factor);
  const ks = ksTwoSample(baseline, candidate, factor);
  const base = { metric: rule.metric, baseline: b, candidate: c, change, minEffect: rule.minEffect, pRank: rank.p, pKs: ks.p, samples: { baseline: baseline.length, candidate: candidate.length }, ...(serial ? { designEffect: Number(factor.toFixed(2)) } : {}) };
  const needed = Math.ceil(requiredSamples(baseline, candidate, rule, alpha) * factor);
  const n = Math.min(baseline.length, candidate.length);
  if (n < MIN_SAMPLES) {
    return { ...base, verdict: 'UNKNOWN', needed: Math.max(needed, MIN_SAMPLES) - n, reason: `too few samples (${n}); at least ${MIN_SAMPLES} per side are needed` };
  }
  const significant = Math.min(rank.p, ks.p) < alpha / 2;
  const big = Math.abs(change) >= rule.minEffect;
  const worse = rule.higherIsWorse ? change > 0 : change < 0;
  const pct = (x: number): string => (rule.absolute ? x.toPrecision(3) : `${(x * 100).toFixed(1)} %`);
  if (significant && big) {
    return { ...base, verdict: worse ? 'REGRESSED' : 'IMPROVED', reason: `${pct(change)} (minimum effect ${pct(rule.minEffect)}), p = ${Math.min(rank.p, ks.p).toPrecision(2)}` };
  }
  if (significant) return { ...base, verdict: 'SAME', reason: `a significant but small change of ${pct(change)} (below the minimum effect ${pct(rule.minEffect)})` };
  if (!big && n >= needed) return { ...base, verdict: 'SAME', reason: `no significant change (${pct(change)}); ${n} samples were enough to see ${pct(rule.minEffect)}` };
  return {
    ...base,
    verdict: 'UNKNOWN',
    needed: Math.max(1, needed - n),
    reason: `${pct(change)} is not significant with ${n} samples; about ${needed} per side would decide a change of ${pct(rule.minEffect)}`,
  };
}

/**
 * requiredSamples estimates the samples per side for a two-sided rank test at `alpha` to detect the minimum effect
 * with POWER, from the samples' robust spread (1.4826 × the median absolute deviation, pooled).
 */
export function requiredSamples(baseline: readonly number[], candidate: readonly number[], rule: MetricRule, alpha = DEFAULT_ALPHA): number {
  const b = median(baseline);
  const c = median(candidate);
  const deviations = [...baseline.map((v) => Math.abs(v - b)), ...candidate.map((v) => Math.abs(v - c))];
  const sigma = 1.4826 * median(deviations);
  const delta = rule.absolute ? rule.minEffect : rule.minEffect * Math.abs(b);
  if (!(sigma > 0) || !(delta > 0)) return MIN_SAMPLES;
  const z = normalQuantile(1 - alpha / 4) + normalQuantile(POWER);
  return Math.max(MIN_SAMPLES, Math.ceil((2 * z * z * sigma * sigma) / (delta * delta) / ARE));
}
