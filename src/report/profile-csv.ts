/**
 * The CSV of profiles (`gauntlet report --format csv` of profile folders): one row per cell of each profile, with
 * the variant's size and accuracy and, where the machine states its $/hour, the cost of a million inferences at
 * that cell's throughput. Numbers are plain (milliseconds, samples per second, bytes, ratios 0..1).
 */
import type { ProfileInput } from './load-profile.js';
import { costPerMillion } from '../util/cost.js';

/** PROFILE_COLUMNS are the columns of the profile CSV. */
export const PROFILE_COLUMNS = [
  'profile', 'host', 'model', 'ep', 'precision', 'batch', 'p50_ms', 'p99_ms', 'mean_ms', 'p50_ci95_low_ms', 'p50_ci95_high_ms', 'ci_share', 'converged',
  'iterations', 'throughput_samples_per_s', 'rss_growth_bytes', 'device_memory_bytes', 'model_bytes', 'cosine_vs_fp32', 'max_abs_error', 'top1_agreement',
  'broken', 'cost_per_hour', 'cost_per_1m', 'error',
];

type Field = string | number | boolean | null | undefined;

/** profileCsvRows are the rows (without the header) of the profile CSV. */
export function profileCsvRows(inputs: ProfileInput[]): Field[][] {
  return inputs.flatMap((i) => {
    const r = i.record;
    return r.cells.map((c) => {
      const v = r.variants.find((x) => x.precision === c.precision);
      const ok = c.error === undefined;
      const hour = r.machine.costPerHour;
      return [
        i.label, r.machine.host, r.model.name, c.ep, c.precision, c.batch,
        ok ? c.latencyMs.p50 : null, ok ? c.latencyMs.p99 : null, ok ? c.latencyMs.mean : null, ok ? c.p50Ci95Ms[0] : null, ok ? c.p50Ci95Ms[1] : null, ok ? c.ciShare : null, ok ? c.converged : null,
        c.iterations, ok ? c.throughputSamplesPerS : null, c.rssGrowthBytes, c.deviceMemoryBytes ?? null, v?.bytes, v?.accuracy?.cosine, v?.accuracy?.maxAbsError, v?.accuracy?.top1,
        v?.broken ?? false, hour, ok ? sig6(costPerMillion(hour, c.throughputSamplesPerS)) : null, c.error ?? '',
      ];
    });
  });
}

function sig6(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(6));
}
