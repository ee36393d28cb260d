/**
 * Service-level objectives: the scenario's `slo:` thresholds, and each phase's `slo:` (`off`, or a mapping that
 * overrides some thresholds for that phase; a threshold set to null is not checked in that phase).
 */
import type { SloSpec } from './plan.js';
import { asFields, show, type Bounds } from './fields.js';
import { MAX_LATENCY_MS, MAX_RATE_RPS } from './limits.js';
import type { ConfigPath, Problems } from './problems.js';

const LATENCY = { gt: 0, max: MAX_LATENCY_MS } as const;
/** MAX_TOKENS_PER_S bounds min_output_tokens_per_s (a billion tokens a second). */
export const MAX_TOKENS_PER_S = 1e9;

/** SLO_KEYS maps each threshold's name in files to its name in a SloSpec, with its allowed range. */
export const SLO_KEYS = {
  p50_ms: { key: 'p50Ms', bounds: LATENCY },
  p90_ms: { key: 'p90Ms', bounds: LATENCY },
  p95_ms: { key: 'p95Ms', bounds: LATENCY },
  p99_ms: { key: 'p99Ms', bounds: LATENCY },
  p999_ms: { key: 'p999Ms', bounds: LATENCY },
  max_ms: { key: 'maxMs', bounds: LATENCY },
  error_rate: { key: 'errorRate', bounds: { min: 0, max: 1 } },
  bad_output_rate: { key: 'badOutputRate', bounds: { min: 0, max: 1 } },
  min_rps: { key: 'minRps', bounds: { min: 0, max: MAX_RATE_RPS } },
  // LLM targets (docs/results.md "Token metrics"). Per request, for goodput: a request is good when it succeeded
  // and met each of these that is set (itl_ms against its largest gap).
  ttft_ms: { key: 'ttftMs', bounds: LATENCY },
  itl_ms: { key: 'itlMs', bounds: LATENCY },
  tpot_ms: { key: 'tpotMs', bounds: LATENCY },
  e2e_ms: { key: 'e2eMs', bounds: LATENCY },
  // Per phase, checked like the thresholds above.
  ttft_p99_ms: { key: 'ttftP99Ms', bounds: LATENCY },
  itl_p99_ms: { key: 'itlP99Ms', bounds: LATENCY },
  tpot_p99_ms: { key: 'tpotP99Ms', bounds: LATENCY },
  min_output_tokens_per_s: { key: 'minOutputTokensPerS', bounds: { min: 0, max: MAX_TOKENS_PER_S } },
  min_goodput: { key: 'minGoodput', bounds: { min: 0, max: 1 } },
} as const satisfies Record<string, { key: keyof SloSpec; bounds: Bounds }>;

type SloName = keyof typeof SLO_KEYS;

/** readSlo validates a mapping of thresholds; `allowNull` lets a phase switch one off with null. */
export function readSlo(v: unknown, path: ConfigPath, problems: Problems, base: SloSpec = {}, allowNull = false): SloSpec {
  const f = asFields(v, path, problems);
  if (!f) return { ...base };
  f.allowOnly(Object.keys(SLO_KEYS));
  const out: SloSpec = { ...base };
  for (const name of Object.keys(SLO_KEYS) as SloName[]) {
    const { key, bounds } = SLO_KEYS[name];
    if (!(name in f.obj)) continue;
    if (f.obj[name] === null) {
      if (allowNull) delete out[key];
      else f.problem(name, 'must be a number');
      continue;
    }
    const value = f.number(name, bounds);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** readPhaseSlo reads a phase's `slo:`: absent → the scenario's, `off` → null (not checked), a mapping → overrides. */
export function readPhaseSlo(v: unknown, path: ConfigPath, problems: Problems, scenario: SloSpec): SloSpec | null {
  if (v === undefined) return { ...scenario };
  if (v === 'off' || v === false) return null;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    problems.add(path, `must be off or a mapping of thresholds, got ${show(v)}`);
    return { ...scenario };
  }
  return readSlo(v, path, problems, scenario, true);
}
