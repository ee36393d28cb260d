/**
 * The open-loop rate one load-generator core sends punctually, which sizes each shard's CPU request in
 * `gauntlet k8s render`.
 */

/**
 * VALID_RPS_PER_CORE is the valid open-loop rate (requests a second sent on time, run valid) one core of a shard
 * sustains: 70 % of what `node dist/bench/shard-rate.js` measured on a quiet 2-vCPU VM on 2026-12-06 against a
 * target answering in 10 ms (10,000 and 11,000 rps valid in two runs; the lower taken), for the noise of shared
 * nodes (docs/scale.md).
 */
export const VALID_RPS_PER_CORE = 7000;

/** coresForRate is the whole cores a shard sending `rps` at its peak asks for: ceil(rps / VALID_RPS_PER_CORE), at least 1. */
export function coresForRate(rps: number, perCore = VALID_RPS_PER_CORE): number {
  return Math.max(1, Math.ceil(rps / perCore - 1e-9));
}
