/**
 * The profile's recommendation: per precision the batch with the best throughput within the p99 bound, and per
 * quantized variant whether its speed-up over fp32 is worth its accuracy loss.
 */
import type { Cell, Recommendation, Variant } from './profile-record.js';

/** BROKEN_COSINE is the cosine against fp32 below which a variant is BROKEN: its accuracy collapsed (full-range int8 weights gave 0.88), not merely lossy (the bundled int4, 0.989, is lossy: --min-cosine keeps it from being recommended). */
export const BROKEN_COSINE = 0.95;
/** MIN_WORTHWHILE_SPEEDUP is the speed-up a quantized variant needs to be worth it (beyond the ±5 % interval). */
export const MIN_WORTHWHILE_SPEEDUP = 1.1;

/** RecommendOptions are the bounds of the rule: --p99-ms (null: none) and --min-cosine. */
export interface RecommendOptions {
  p99Ms: number | null;
  minCosine: number;
  /** --max-accuracy-drop: with labels, the most the task accuracy may drop against fp32 (null: not judged). */
  maxAccuracyDrop?: number | null;
}

/** ruleText states the rule as applied. */
export function ruleText(o: RecommendOptions): string {
  const bound = o.p99Ms === null ? 'any p99 (no --p99-ms)' : `p99 <= ${o.p99Ms} ms`;
  return (
    `per precision: the batch with the highest throughput among those with ${bound}; ` +
    `a quantized variant is worth it when it is not BROKEN (cosine >= ${BROKEN_COSINE}), its cosine vs fp32 is >= ${o.minCosine} (--min-cosine), ` +
    (o.maxAccuracyDrop != null ? `its task accuracy (top-1 against the labels of --eval-data) is at most ${o.maxAccuracyDrop} below fp32's (--max-accuracy-drop), ` : '') +
    `and its best throughput is >= ${MIN_WORTHWHILE_SPEEDUP}x fp32's best (speed-up = variant's best ÷ fp32's best, each at its own best batch; accuracy loss = the task accuracy's drop with labels, else 1 − cosine)`
  );
}

const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));

/** recommend applies the rule to the measured cells. */
export function recommend(variants: readonly Variant[], cells: readonly Cell[], o: RecommendOptions): Recommendation {
  const best = new Map<string, Cell>();
  const perPrecision: Recommendation['perPrecision'] = variants.map((v) => {
    const mine = cells.filter((c) => c.precision === v.precision && c.error === undefined);
    if (v.error !== undefined || mine.length === 0) return { precision: v.precision, bestBatch: null, throughputSamplesPerS: null, p99Ms: null, why: v.error ?? 'no cell measured' };
    if (v.broken) return { precision: v.precision, bestBatch: null, throughputSamplesPerS: null, p99Ms: null, why: `BROKEN (cosine ${v.accuracy?.cosine} < ${BROKEN_COSINE}): never recommended` };
    const within = mine.filter((c) => o.p99Ms === null || c.latencyMs.p99 <= o.p99Ms);
    if (within.length === 0) {
      const lowest = mine.reduce((a, b) => (b.latencyMs.p99 < a.latencyMs.p99 ? b : a));
      return { precision: v.precision, bestBatch: null, throughputSamplesPerS: null, p99Ms: null, why: `no batch has p99 <= ${o.p99Ms} ms (lowest: ${round(lowest.latencyMs.p99)} ms at batch ${lowest.batch})` };
    }
    const top = within.reduce((a, b) => (b.throughputSamplesPerS > a.throughputSamplesPerS ? b : a));
    best.set(v.precision, top);
    const why = `highest throughput of ${within.length} batch(es) ${o.p99Ms === null ? 'measured' : `with p99 <= ${o.p99Ms} ms`}`;
    return { precision: v.precision, bestBatch: top.batch, throughputSamplesPerS: top.throughputSamplesPerS, p99Ms: top.latencyMs.p99, why };
  });
  const fp32 = best.get('fp32');
  const quantized = variants.filter((v) => v.precision !== 'fp32');
  const verdicts: Recommendation['variants'] = quantized.map((v) => {
    const mine = best.get(v.precision);
    const speedup = mine !== undefined && fp32 !== undefined ? round(mine.throughputSamplesPerS / fp32.throughputSamplesPerS) : null;
    const task = v.accuracy?.task;
    const accuracyLoss = v.accuracy === null ? null : task !== undefined ? task.dropVsFp32 : round(1 - v.accuracy.cosine);
    const no = (why: string) => ({ precision: v.precision, speedup, accuracyLoss, worthIt: false, why });
    if (v.broken) return no(`BROKEN: cosine ${v.accuracy?.cosine} < ${BROKEN_COSINE}`);
    if (v.accuracy === null) return no('accuracy not measured');
    if (v.accuracy.cosine < o.minCosine) return no(`cosine ${v.accuracy.cosine} < --min-cosine ${o.minCosine}`);
    if (o.maxAccuracyDrop != null && task !== undefined && task.dropVsFp32 > o.maxAccuracyDrop) return no(`task accuracy drop ${task.dropVsFp32} > --max-accuracy-drop ${o.maxAccuracyDrop}`);
    if (speedup === null) return no(fp32 === undefined ? 'fp32 has no recommended batch to compare with' : 'no batch within the p99 bound');
    if (speedup < MIN_WORTHWHILE_SPEEDUP) return no(`speed-up ${speedup}x < ${MIN_WORTHWHILE_SPEEDUP}x`);
    return { precision: v.precision, speedup, accuracyLoss, worthIt: true, why: `${speedup}x fp32's throughput for ${task !== undefined ? 'a task accuracy drop' : 'a cosine loss'} of ${accuracyLoss}` };
  });
  return { rule: ruleText(o), perPrecision, variants: verdicts };
}
