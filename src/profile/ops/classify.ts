/**
 * classifyOp: place an op under the roofline. Its arithmetic intensity (FLOPs ÷ bytes) above the ridge
 * (peak FLOP/s ÷ bandwidth) makes it compute-bound, at or below memory-bound; the fraction of that roof it
 * reaches is its achieved FLOP/s (compute) or bytes/s (memory) over the roof's peak.
 */
import type { OpRow, Roof } from '../profile-record.js';

/** Placement is an op's intensity, bound and roof fraction. */
export type Placement = Pick<OpRow, 'intensity' | 'bound' | 'roofFraction'>;

/** classifyOp classifies an op of known cost (null cost: bound 'unknown') that took `timeUs` per run. */
export function classifyOp(cost: { flops: number; bytes: number } | null, timeUs: number, roof: Roof): Placement {
  if (cost === null || !(cost.bytes > 0)) return { intensity: 0, bound: 'unknown', roofFraction: null };
  const intensity = cost.flops / cost.bytes;
  const bound = intensity > roof.ridgeIntensity ? 'compute' : 'memory';
  if (!(timeUs > 0)) return { intensity, bound, roofFraction: null };
  const seconds = timeUs / 1e6;
  const roofFraction = bound === 'compute' ? cost.flops / seconds / roof.peakFlopsPerS : cost.bytes / seconds / roof.bandwidthBytesPerS;
  return { intensity, bound, roofFraction };
}
