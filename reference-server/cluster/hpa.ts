/**
 * The Kubernetes HorizontalPodAutoscaler's decision, as a pure function of the history it keeps: the desired
 * count from the metric (desired = ceil(ready × metric / target), unchanged within the tolerance; toward fewer
 * replicas each one still starting counts at the target, as the HPA counts a pod with no metric), clamped to
 * [min, max], stabilised (scale up to the lowest recommendation of the scale-up window, down to the highest of the
 * scale-down window) and limited by the policies (pods or percent per period, the most permissive one wins, as
 * the HPA's default `selectPolicy: Max`). See docs/cluster.md#autoscaler.
 */

/** ScalePolicy allows a change of `value` pods, or `value` percent of the count at the period's start, per period. */
export interface ScalePolicy {
  kind: 'pods' | 'percent';
  value: number;
  periodS: number;
}

/** HpaSettings are the autoscaler's knobs. */
export interface HpaSettings {
  min: number;
  max: number;
  /** The metric's target per replica. */
  target: number;
  /** Relative distance from the target within which nothing changes (the HPA's 0.1). */
  tolerance: number;
  upStabilizationS: number;
  downStabilizationS: number;
  upPolicies: readonly ScalePolicy[];
  downPolicies: readonly ScalePolicy[];
}

/** HpaHistory is what the decision remembers: recommendations and the changes it made, with their times. */
export interface HpaHistory {
  recommendations: { atS: number; replicas: number }[];
  changes: { atS: number; delta: number }[];
}

/** LimitedBy says what held the desired count away from the metric's recommendation. */
export type LimitedBy = 'none' | 'tolerance' | 'starting-replicas' | 'min' | 'max' | 'up-stabilization' | 'down-stabilization' | 'up-policy' | 'down-policy' | 'no-ready-replica';

/** HpaDecision is one decision: the raw recommendation, the count to scale to, and what limited it. */
export interface HpaDecision {
  /** ceil(ready × metric / target), or the current count within the tolerance. */
  recommended: number;
  desired: number;
  limitedBy: LimitedBy;
}

/** emptyHistory is the history of an autoscaler that has decided nothing yet. */
export function emptyHistory(): HpaHistory {
  return { recommendations: [], changes: [] };
}

/**
 * decide computes the count to scale to at `nowS` from the current count (replicas starting or ready), the ready
 * ones (whose metric is measured) and the metric's average per ready replica, and records it in `history`.
 */
export function decide(s: HpaSettings, history: HpaHistory, nowS: number, current: number, ready: number, metric: number): HpaDecision {
  let recommended = current;
  let limitedBy: LimitedBy = 'none';
  if (ready === 0) limitedBy = 'no-ready-replica';
  else {
    const ratio = s.target > 0 ? metric / s.target : 1;
    if (Math.abs(ratio - 1) <= s.tolerance) limitedBy = 'tolerance';
    else recommended = ceilExact(ready * ratio);
    // Replicas still starting have no metric yet. Toward fewer replicas the HPA counts such a pod as using exactly
    // its target (never less), so that a scale-down cannot take away capacity that is on its way: recomputed with
    // them, a ratio back within the tolerance or above 1 leaves the count as it is (the HPA's replica calculator).
    const starting = current - ready;
    if (recommended < current && starting > 0) {
      const withStarting = (ready * ratio + starting) / current;
      if (withStarting >= 1 || Math.abs(withStarting - 1) <= s.tolerance) [recommended, limitedBy] = [current, 'starting-replicas'];
      else recommended = Math.min(current, ceilExact(ready * ratio + starting));
    }
  }
  const clamped = Math.min(s.max, Math.max(s.min, recommended));
  if (clamped !== recommended) limitedBy = recommended > s.max ? 'max' : 'min';
  const keep = Math.max(s.upStabilizationS, s.downStabilizationS, ...s.upPolicies.map((p) => p.periodS), ...s.downPolicies.map((p) => p.periodS));
  history.recommendations = history.recommendations.filter((r) => r.atS > nowS - keep);
  history.changes = history.changes.filter((c) => c.atS > nowS - keep);
  history.recommendations.push({ atS: nowS, replicas: clamped });
  let desired = clamped;
  if (clamped > current) {
    const lowest = Math.min(...history.recommendations.filter((r) => r.atS > nowS - s.upStabilizationS || r.atS === nowS).map((r) => r.replicas));
    if (lowest < desired) [desired, limitedBy] = [Math.max(current, lowest), 'up-stabilization'];
    const limit = Math.max(...s.upPolicies.map((p) => upLimit(p, history, nowS, current)));
    if (desired > limit) [desired, limitedBy] = [Math.max(current, limit), 'up-policy'];
  } else if (clamped < current) {
    const highest = Math.max(...history.recommendations.filter((r) => r.atS > nowS - s.downStabilizationS || r.atS === nowS).map((r) => r.replicas));
    if (highest > desired) [desired, limitedBy] = [Math.min(current, highest), 'down-stabilization'];
    const limit = Math.min(...s.downPolicies.map((p) => downLimit(p, history, nowS, current)));
    if (desired < limit) [desired, limitedBy] = [Math.min(current, limit), 'down-policy'];
  }
  if (desired !== current) history.changes.push({ atS: nowS, delta: desired - current });
  return { recommended, desired, limitedBy };
}

/** ceilExact rounds up after rounding away float noise: 3 × 0.3 / 0.1 must be 9, not ceil(9.000000000000002). */
function ceilExact(x: number): number {
  return Math.ceil(Math.round(x * 1e9) / 1e9);
}

/** upLimit is the most replicas a scale-up policy allows now: from the count at the start of its period. */
function upLimit(p: ScalePolicy, h: HpaHistory, nowS: number, current: number): number {
  const added = h.changes.filter((c) => c.atS > nowS - p.periodS && c.delta > 0).reduce((n, c) => n + c.delta, 0);
  const start = current - added;
  return p.kind === 'pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
}

/** downLimit is the fewest replicas a scale-down policy allows now. */
function downLimit(p: ScalePolicy, h: HpaHistory, nowS: number, current: number): number {
  const removed = h.changes.filter((c) => c.atS > nowS - p.periodS && c.delta < 0).reduce((n, c) => n - c.delta, 0);
  const start = current + removed;
  return p.kind === 'pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
}

/** POLICY_SYNTAX describes a policy for messages and --help. */
export const POLICY_SYNTAX = "pods or percent per period, e.g. '4pods/15s' or '100%/15s' (several: comma-separated, the most permissive wins)";

/**
 * parsePolicies reads `4pods/15s,100%/15s` (period in s or ms); undefined when malformed or out of range
 * (pods 1..1000, percent 1..1000, period 1 s..1 h).
 */
export function parsePolicies(text: string): ScalePolicy[] | undefined {
  const out: ScalePolicy[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(pods?|%)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/.exec(part);
    if (!m) return undefined;
    const value = Number(m[1]);
    const periodS = m[4] === 'ms' ? Number(m[3]) / 1000 : Number(m[3]);
    const kind = m[2] === '%' ? 'percent' : 'pods';
    if (!(value >= 1 && value <= 1000) || (kind === 'pods' && !Number.isInteger(value)) || !(periodS >= 1 && periodS <= 3600)) return undefined;
    out.push({ kind, value, periodS });
  }
  return out;
}
