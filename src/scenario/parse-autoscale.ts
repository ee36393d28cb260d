/**
 * The embedded stack's autoscaler in a scenario: `target: {embedded: true, autoscale: {...}, cold_start_extra: 5s}`,
 * the same settings as `gauntlet serve --replicas MIN..MAX --autoscale ...` (docs/cluster.md#autoscaler), each
 * validated with its path and range.
 */
import type { EmbeddedAutoscale } from './plan.js';
import type { Fields } from './fields.js';
import { RANGES } from './limits.js';
import { num, type JsonSchema } from './schema-parts.js';
import type { Bounds } from './fields.js';

/** AUTOSCALE_KEYS are the fields of `target.autoscale`. */
export const AUTOSCALE_KEYS = ['metric', 'min', 'max', 'target', 'tolerance', 'interval', 'scale_up_stabilization', 'scale_down_stabilization', 'scale_up_policy', 'scale_down_policy'] as const;
/** AUTOSCALE_SIGNALS are the autoscaler's metrics (reference-server/cluster/autoscaler.ts). */
export const AUTOSCALE_SIGNALS = ['queue-depth', 'concurrency', 'utilization'] as const;
/** POLICY_PATTERN is the shape of a scale policy list, e.g. `4pods/15s,100%/15s` (its numbers are checked by the stack). */
export const POLICY_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(pods?|%)\\s*/\\s*\\d+(\\.\\d+)?\\s*(ms|s)\\s*(,\\s*\\d+(\\.\\d+)?\\s*(pods?|%)\\s*/\\s*\\d+(\\.\\d+)?\\s*(ms|s)\\s*)*$';

/** readAutoscale validates `target.autoscale`; undefined when absent. */
export function readAutoscale(f: Fields): EmbeddedAutoscale | undefined {
  const a = f.mapping('autoscale');
  if (!a) return undefined;
  a.allowOnly(AUTOSCALE_KEYS);
  const metric = a.oneOf('metric', AUTOSCALE_SIGNALS, true);
  const min = a.integer('min', RANGES['target.replicas'], true);
  const max = a.integer('max', RANGES['target.replicas'], true);
  if (min !== undefined && max !== undefined && min >= max) a.problem('max', `must be above min (${min}), got ${max}`);
  const policy = (key: 'scale_up_policy' | 'scale_down_policy'): string | undefined => {
    const v = a.string(key, false, 200);
    if (v !== undefined && !new RegExp(POLICY_PATTERN).test(v)) a.problem(key, `must be pods or percent per period, e.g. 4pods/15s or 100%/15s (comma-separated for several), got ${JSON.stringify(v)}`);
    return v;
  };
  const out: EmbeddedAutoscale = {
    metric: metric ?? 'concurrency',
    min: min ?? 1,
    max: max ?? 2,
    target: a.number('target', RANGES['target.autoscale.target']),
    tolerance: a.number('tolerance', RANGES['target.autoscale.tolerance']),
    intervalS: a.duration('interval', RANGES['target.autoscale.interval']),
    upStabilizationS: a.duration('scale_up_stabilization', RANGES['target.autoscale.stabilization']),
    downStabilizationS: a.duration('scale_down_stabilization', RANGES['target.autoscale.stabilization']),
    upPolicy: policy('scale_up_policy'),
    downPolicy: policy('scale_down_policy'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as EmbeddedAutoscale;
}

/** autoscaleArgs are the `gauntlet serve` options of an embedded autoscaler and extra cold start. */
export function autoscaleArgs(a: EmbeddedAutoscale | undefined, coldStartExtraS: number | undefined): string[] {
  const args: string[] = [];
  if (a) {
    args.push('--replicas', `${a.min}..${a.max}`, '--autoscale', a.metric);
    const opt = (flag: string, v: number | string | undefined): void => void (v !== undefined && args.push(flag, String(v)));
    opt('--autoscale-target', a.target);
    opt('--autoscale-tolerance', a.tolerance);
    opt('--autoscale-interval', a.intervalS);
    opt('--scale-up-stabilization', a.upStabilizationS);
    opt('--scale-down-stabilization', a.downStabilizationS);
    opt('--scale-up-policy', a.upPolicy);
    opt('--scale-down-policy', a.downPolicy);
  }
  if (coldStartExtraS !== undefined) args.push('--cold-start-extra-ms', String(Math.round(coldStartExtraS * 1000)));
  return args;
}

/** autoscaleSchema is the JSON Schema of `target.autoscale`. */
export function autoscaleSchema(duration: (b: Bounds) => JsonSchema): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['metric', 'min', 'max'],
    description: 'Scale the embedded stack between min and max replicas on a metric, as the Kubernetes HPA (docs/cluster.md#autoscaler).',
    properties: {
      metric: { enum: [...AUTOSCALE_SIGNALS], description: 'queue-depth, concurrency (in flight per replica) or utilization (compute share of its cores).' },
      min: num(RANGES['target.replicas'], 'Replicas at start and at least.', 'integer'),
      max: num(RANGES['target.replicas'], 'Replicas at most (above min).', 'integer'),
      target: num(RANGES['target.autoscale.target'], "The metric's target per replica (default: queue-depth 4, concurrency 8, utilization 0.7)."),
      tolerance: num(RANGES['target.autoscale.tolerance'], 'No change within 1 ± this of the target (default 0.1).'),
      interval: duration(RANGES['target.autoscale.interval']),
      scale_up_stabilization: duration(RANGES['target.autoscale.stabilization']),
      scale_down_stabilization: duration(RANGES['target.autoscale.stabilization']),
      scale_up_policy: { type: 'string', maxLength: 200, pattern: POLICY_PATTERN },
      scale_down_policy: { type: 'string', maxLength: 200, pattern: POLICY_PATTERN },
    } satisfies Record<(typeof AUTOSCALE_KEYS)[number], JsonSchema>,
  };
}
