/**
 * The `search:` section of a sweep file: its fields with their ranges and defaults, the reader, and the bounds a
 * step is judged on. A search against a KServe target bounds the request p99; one against an LLM target (protocol
 * openai) bounds the token figures, under the scenario SLO's names (ttft_p99_ms, itl_p99_ms, tpot_p99_ms,
 * min_goodput), and its request p99 only where `search.p99_ms` asks for it: an LLM's request latency is the whole
 * generation, which the output length sets, not the server's capacity.
 */
import type { Fields, Bounds } from '../scenario/fields.js';
import { MAX_DURATION_S, MAX_LATENCY_MS, MAX_RATE_RPS } from '../scenario/limits.js';
import { SLO_KEYS } from '../scenario/parse-slo.js';
import type { Plan, SloSpec } from '../scenario/plan.js';
import type { Problems } from '../scenario/problems.js';
import type { SearchSpec, StepBounds, SweepSpec, TokenBounds } from './sweep-spec.js';

/** TOKEN_SEARCH_KEYS map the search's token bounds to SearchSpec (and the scenario's SloSpec: the same names). */
export const TOKEN_SEARCH_KEYS = {
  ttft_p99_ms: 'ttftP99Ms',
  itl_p99_ms: 'itlP99Ms',
  tpot_p99_ms: 'tpotP99Ms',
  min_goodput: 'minGoodput',
} as const satisfies Record<string, keyof TokenBounds>;
/** TokenSearchKey is the name of one token bound in files. */
export type TokenSearchKey = keyof typeof TOKEN_SEARCH_KEYS;
/** SEARCH_KEYS are the fields of `search:`. */
export const SEARCH_KEYS = ['p99_ms', 'error_rate', ...(Object.keys(TOKEN_SEARCH_KEYS) as TokenSearchKey[]), 'from_rps', 'to_rps', 'steps', 'step_duration', 'warmup', 'probe_duration'] as const;
/** SEARCH_BOUNDS are the ranges of the search's numeric fields (durations in seconds; token bounds as in the scenario's slo). */
export const SEARCH_BOUNDS = {
  p99_ms: { gt: 0, max: MAX_LATENCY_MS },
  error_rate: { min: 0, max: 1 },
  ttft_p99_ms: SLO_KEYS.ttft_p99_ms.bounds,
  itl_p99_ms: SLO_KEYS.itl_p99_ms.bounds,
  tpot_p99_ms: SLO_KEYS.tpot_p99_ms.bounds,
  min_goodput: SLO_KEYS.min_goodput.bounds,
  from_rps: { gt: 0, max: MAX_RATE_RPS },
  to_rps: { gt: 0, max: MAX_RATE_RPS },
  steps: { min: 0, max: 30 },
  step_duration: { gt: 0, max: MAX_DURATION_S },
  warmup: { min: 0, max: MAX_DURATION_S },
  probe_duration: { gt: 0, max: 3600 },
} as const satisfies Record<(typeof SEARCH_KEYS)[number], Bounds>;
/** SEARCH_DEFAULTS are the values of search fields a file leaves out (the bounds: see searchBounds). */
export const SEARCH_DEFAULTS = { steps: 5, stepDurationS: 5, warmupS: 2, probeS: 2 } as const;
/** PER_REQUEST_KEYS are the scenario's per-request thresholds that decide goodput. */
const PER_REQUEST_KEYS = ['ttftMs', 'itlMs', 'tpotMs', 'e2eMs'] as const;

/** readSearch reads `search:` (durations multiplied by the duration scale); problems go to the fields' collector. */
export function readSearch(f: Fields, scale: number): SearchSpec | undefined {
  const s = f.mapping('search');
  if (!s) return undefined;
  s.allowOnly(SEARCH_KEYS);
  const fromRps = s.number('from_rps', SEARCH_BOUNDS.from_rps, true);
  const toRps = s.obj.to_rps === 'auto' ? undefined : s.number('to_rps', SEARCH_BOUNDS.to_rps);
  if (fromRps !== undefined && toRps !== undefined && !(toRps > fromRps)) s.problem('to_rps', `must be > from_rps (${fromRps}), got ${toRps}`);
  const search: SearchSpec = {
    fromRps: fromRps ?? 1,
    ...(toRps !== undefined && { toRps }),
    probeS: (s.duration('probe_duration', SEARCH_BOUNDS.probe_duration) ?? SEARCH_DEFAULTS.probeS) * scale,
    steps: s.integer('steps', SEARCH_BOUNDS.steps) ?? SEARCH_DEFAULTS.steps,
    stepDurationS: (s.duration('step_duration', SEARCH_BOUNDS.step_duration) ?? SEARCH_DEFAULTS.stepDurationS) * scale,
    warmupS: (s.duration('warmup', SEARCH_BOUNDS.warmup) ?? SEARCH_DEFAULTS.warmupS) * scale,
  };
  const p99Ms = s.number('p99_ms', SEARCH_BOUNDS.p99_ms);
  const errorRate = s.number('error_rate', SEARCH_BOUNDS.error_rate);
  if (p99Ms !== undefined) search.p99Ms = p99Ms;
  if (errorRate !== undefined) search.errorRate = errorRate;
  for (const [name, key] of Object.entries(TOKEN_SEARCH_KEYS) as [TokenSearchKey, keyof TokenBounds][]) {
    const v = s.number(name, SEARCH_BOUNDS[name]);
    if (v !== undefined) search[key] = v;
  }
  return search;
}

/** isLlmTarget tells whether a sweep measures LLMs: its base scenario's target (or every listed target) speaks openai. */
export function isLlmTarget(spec: Pick<SweepSpec, 'targets'>, plan: Plan): boolean {
  return spec.targets ? spec.targets.length > 0 && spec.targets.every((t) => t.spec.protocol === 'openai') : plan.target.protocol === 'openai';
}

/**
 * searchBounds resolves the bounds a search step must meet. KServe targets: the p99 is the search's own, else the
 * constraints', else the scenario's SLO. LLM targets: each token bound is the search's own, else the scenario
 * SLO's; the request p99 only the search's own. The error rate is the search's, else the constraints', else the
 * scenario's, else 0.001.
 */
export function searchBounds(spec: SweepSpec, plan: Plan): StepBounds {
  const errorRate = spec.search?.errorRate ?? spec.constraints.maxErrorRate ?? plan.slo.errorRate ?? 0.001;
  if (!isLlmTarget(spec, plan)) {
    const p99Ms = spec.search?.p99Ms ?? spec.constraints.maxP99Ms ?? plan.slo.p99Ms;
    return { ...(p99Ms !== undefined && { p99Ms }), errorRate };
  }
  const out: StepBounds = { ...(spec.search?.p99Ms !== undefined && { p99Ms: spec.search.p99Ms }), errorRate };
  for (const key of Object.values(TOKEN_SEARCH_KEYS)) {
    const v = spec.search?.[key] ?? plan.slo[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** hasStepBound tells whether resolved bounds bound anything besides errors (a search needs one to stop). */
export function hasStepBound(b: StepBounds): boolean {
  return b.p99Ms !== undefined || Object.values(TOKEN_SEARCH_KEYS).some((k) => b[k] !== undefined);
}

/** searchPlanProblems adds what a search asks of the base scenario: a bound, token bounds only for LLMs, goodput criteria. */
export function searchPlanProblems(spec: SweepSpec, plan: Plan, problems: Problems): void {
  if (!spec.search) return;
  const llm = isLlmTarget(spec, plan);
  if (!llm) {
    const protocol = spec.targets ? spec.targets.find((t) => t.spec.protocol !== 'openai')?.spec.protocol : plan.target.protocol;
    for (const [name, key] of Object.entries(TOKEN_SEARCH_KEYS)) {
      if (spec.search[key] !== undefined) problems.add(['search', name], `is a token bound, for LLM targets (protocol openai); the ${spec.targets ? 'targets include one that speaks' : 'base scenario\'s target speaks'} ${protocol}: bound its requests with p99_ms`);
    }
  }
  const b = searchBounds(spec, plan);
  if (!hasStepBound(b)) {
    if (llm) problems.add(['search'], 'needs a bound for an LLM target: ttft_p99_ms, itl_p99_ms, tpot_p99_ms or min_goodput (here or in the scenario\'s slo), or p99_ms for the whole request');
    else problems.add(['search', 'p99_ms'], 'is required: neither constraints.max_p99_ms nor the scenario\'s slo.p99_ms gives the bound');
  }
  if (llm && b.minGoodput !== undefined && !PER_REQUEST_KEYS.some((k) => plan.slo[k] !== undefined)) {
    problems.add(spec.search.minGoodput !== undefined ? ['search', 'min_goodput'] : ['scenario'], 'needs the scenario\'s per-request thresholds (slo: ttft_ms, itl_ms, tpot_ms or e2e_ms) to judge which requests were good; without them goodput is the success rate');
  }
}

/** stepSlo is the SLO a search step's run checks: the bounds, and the scenario's per-request thresholds (for goodput). */
export function stepSlo(b: StepBounds, plan: Plan): SloSpec {
  const slo: SloSpec = { errorRate: b.errorRate };
  if (b.p99Ms !== undefined) slo.p99Ms = b.p99Ms;
  for (const key of Object.values(TOKEN_SEARCH_KEYS)) if (b[key] !== undefined) slo[key] = b[key];
  for (const key of PER_REQUEST_KEYS) if (plan.slo[key] !== undefined) slo[key] = plan.slo[key];
  return slo;
}
