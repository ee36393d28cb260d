/**
 * What a million inferences cost: one rule for sweeps, comparisons and profiles.
 */

/** costPerMillion is cost per hour ÷ (throughput × 3600) × 1e6; null without a price or at no throughput. */
export function costPerMillion(costPerHour: number | undefined, throughputPerS: number | null | undefined): number | null {
  if (costPerHour === undefined || throughputPerS == null || !(throughputPerS > 0)) return null;
  return (costPerHour / (throughputPerS * 3600)) * 1e6;
}
