/**
 * The open-loop rate one load-generator core sends punctually, which sizes each shard's CPU request in
 * `gauntlet k8s render`.
 */

/**
 * VALID_RPS_PER_CORE is the valid open-loop rate (requests a second sent on time, run valid) one core of a shard
 * sustains. PLACEHOLDER: 2000 rps until the scale benchmark (docs/scale.md) measures it on this machine; replace the
 * figure and name the bench, its command and date here when it does.
 */
export const VALID_RPS_PER_CORE = 2000;

/** coresForRate is the whole cores a shard sending `rps` at its peak asks for: ceil(rps / VALID_RPS_PER_CORE), at least 1. */
export function coresForRate(rps: number, perCore = VALID_RPS_PER_CORE): number {
  return Math.max(1, Math.ceil(rps / perCore - 1e-9));
}
