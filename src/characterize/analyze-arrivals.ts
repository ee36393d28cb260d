/**
 * GapStats: inter-arrival gaps between consecutive requests in arrival order, kept as running sums (count, sum,
 * sum of squares, sum of logs) and 1-2-5 bins, so the exponential (Poisson arrivals) and gamma fits need no list.
 *
 * Gaps are measured on logged timestamps of some resolution (1 ms for $msec), so many are 0 at high rates. Two
 * regimes, chosen by the mean gap against the coarsest resolution r:
 * - mean ≥ 10 r and at most 2 % of the gaps below r: maximum likelihood. A gap below r is taken as r / 2 (its
 *   logarithm must be finite); the gamma shape comes from s = ln(mean) − mean(ln x) (Minka's approximation), and gamma is the better fit when its AIC
 *   beats the exponential's by more than 10 and its shape is outside [0.8, 1.25] (a smaller difference does not
 *   change what a replay sends in any way that matters).
 * - otherwise rounding dominates the logarithms (bursty gaps pile up below r: a gamma of shape 0.25 at 50/s has
 *   a third of its gaps under 1 ms, and the likelihood's shape comes out near 0.4), so the shape comes from the moments, 1 / CV², with the
 *   variance the rounding of both stamps adds (r² / 6) taken off; gamma when that shape is outside [0.8, 1.25].
 */
import type { Characterization } from './characterization.js';
import { round3 } from './analyze-rates.js';
import { LOG_BINS, logBin, trimmedHistogram } from './stats-dist.js';

/** SHAPE_BAND is the band of gamma shapes reported as Poisson. */
const SHAPE_BAND = [0.8, 1.25] as const;
/** AIC_MARGIN is how much lower gamma's AIC must be. */
const AIC_MARGIN = 10;
/** MAX_UNRESOLVED is the largest share of gaps below the resolution for which maximum likelihood is used. */
const MAX_UNRESOLVED = 0.02;

/** GapStats accumulates inter-arrival gaps. */
export class GapStats {
  n = 0;
  private sum = 0;
  private sumSq = 0;
  private sumAdj = 0;
  private sumLn = 0;
  private resolutionUs = 1;
  private unresolved = 0;
  readonly bins = new Float64Array(LOG_BINS);

  /** add records one gap of `gapUs` between stamps of resolution `resolutionUs`. */
  add(gapUs: number, resolutionUs: number): void {
    this.n++;
    this.sum += gapUs;
    this.sumSq += gapUs * gapUs;
    const r = resolutionUs > 1 ? resolutionUs : 1;
    if (r > this.resolutionUs) this.resolutionUs = r;
    let adj = gapUs;
    if (gapUs < r) {
      adj = r / 2;
      this.unresolved++;
    }
    this.sumAdj += adj;
    this.sumLn += Math.log(adj);
    this.bins[logBin(gapUs)]!++;
  }

  /** result fills the arrivals section; `measured` is false when 1 s stamps were spread. */
  result(measured: boolean): Characterization['arrivals'] {
    const n = this.n;
    const histogram = trimmedHistogram(this.bins, 1000);
    if (n < 2) {
      return { measured, meanGapMs: n ? round3(this.sum / n / 1000) : 0, interArrivalCv: 0, fit: { best: 'poisson', gammaShape: 1, burstiness: 1, logLikelihood: { poisson: 0, gamma: 0 }, rule: 'too few gaps to fit (fewer than 2); Poisson assumed' }, histogram };
    }
    const mean = this.sum / n;
    const variance = Math.max(0, this.sumSq / n - mean * mean);
    const cv = mean > 0 ? Math.sqrt(variance) / mean : 0;
    const r = this.resolutionUs;
    const fine = mean >= 10 * r && this.unresolved <= MAX_UNRESOLVED * n;
    let shape: number;
    let rule: string;
    const meanAdj = this.sumAdj / n;
    const meanLn = this.sumLn / n;
    if (fine) {
      const s = Math.log(meanAdj) - meanLn;
      shape = s > 0 ? (3 - s + Math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s) : 100;
      rule = `maximum likelihood on ${n} gaps (the ${this.unresolved} below the ${r / 1000} ms resolution taken as half of it); gamma when its AIC is more than ${AIC_MARGIN} below the exponential's and its shape is outside [${SHAPE_BAND[0]}, ${SHAPE_BAND[1]}], else Poisson`;
    } else {
      const corrected = variance - (r * r) / 6;
      shape = corrected > 0 ? (mean * mean) / corrected : 100;
      rule = `the ${r / 1000} ms timestamp resolution is too coarse for maximum likelihood (mean gap ${round3(mean / 1000)} ms, under 10× it, or ${round3((100 * this.unresolved) / n)} % of the gaps below it, over ${MAX_UNRESOLVED * 100} %), so the shape is 1/CV² with the rounding's variance (r²/6) removed, not maximum likelihood; gamma when the shape is outside [${SHAPE_BAND[0]}, ${SHAPE_BAND[1]}], else Poisson`;
    }
    shape = Math.min(100, Math.max(0.01, shape));
    // Log-likelihoods in µs units on the adjusted gaps: exponential with rate 1/mean, gamma with scale mean/shape.
    const llPoisson = -n * Math.log(meanAdj) - n;
    const theta = meanAdj / shape;
    const llGamma = (shape - 1) * this.sumLn - n * shape - n * shape * Math.log(theta) - n * logGamma(shape);
    const outside = shape < SHAPE_BAND[0] || shape > SHAPE_BAND[1];
    const aicBetter = 4 - 2 * llGamma < 2 - 2 * llPoisson - AIC_MARGIN;
    const best = outside && (!fine || aicBetter) ? 'gamma' : 'poisson';
    return {
      measured,
      meanGapMs: round3(mean / 1000),
      interArrivalCv: round3(cv),
      fit: { best, gammaShape: round3(shape), burstiness: round3(1 / shape), logLikelihood: { poisson: round3(llPoisson), gamma: round3(llGamma) }, rule },
      histogram,
    };
  }
}

/** logGamma is ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
