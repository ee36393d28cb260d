/**
 * The token SLO keys: per-request thresholds for goodput (ttft_ms, itl_ms, tpot_ms, e2e_ms) and phase thresholds
 * (ttft_p99_ms, itl_p99_ms, tpot_p99_ms, min_output_tokens_per_s, min_goodput), each with its range; a phase can
 * switch one off with null. And the phase checks they make, with and without token data.
 */
import { describe, expect, it } from 'vitest';
import type { PhaseResult, SloCheck } from '../../../src/results/results-schema.js';
import { tokenSloChecks } from '../../../src/run/token-figures.js';
import { describeSlo } from '../../../src/scenario/describe-plan.js';
import { readPhaseSlo, readSlo, SLO_KEYS } from '../../../src/scenario/parse-slo.js';
import { Problems } from '../../../src/scenario/problems.js';

function read(v: unknown): { slo: unknown; problems: string[] } {
  const problems = new Problems();
  const slo = readSlo(v, ['slo'], problems);
  return { slo, problems: problems.list.map((p) => `${p.path}: ${p.message}`) };
}

describe('token SLO keys', () => {
  it.each<[string, unknown, unknown]>([
    ['ttft_ms', 500, { ttftMs: 500 }],
    ['itl_ms', 80, { itlMs: 80 }],
    ['tpot_ms', 50, { tpotMs: 50 }],
    ['e2e_ms', 9000, { e2eMs: 9000 }],
    ['ttft_p99_ms', 800, { ttftP99Ms: 800 }],
    ['itl_p99_ms', 100, { itlP99Ms: 100 }],
    ['tpot_p99_ms', 60, { tpotP99Ms: 60 }],
    ['min_output_tokens_per_s', 250.5, { minOutputTokensPerS: 250.5 }],
    ['min_output_tokens_per_s', 0, { minOutputTokensPerS: 0 }],
    ['min_goodput', 0.95, { minGoodput: 0.95 }],
  ])('reads %s: %s', (key, value, want) => {
    expect(read({ [key]: value })).toEqual({ slo: want, problems: [] });
  });

  it.each<[string, unknown, RegExp]>([
    ['ttft_ms', 0, /slo\.ttft_ms: must be > 0/],
    ['itl_ms', -5, /slo\.itl_ms: must be > 0/],
    ['tpot_p99_ms', 'fast', /slo\.tpot_p99_ms: must be a number/],
    ['min_goodput', 1.5, /slo\.min_goodput: must be <= 1/],
    ['min_goodput', -0.1, /slo\.min_goodput: must be >= 0/],
    ['min_output_tokens_per_s', -1, /slo\.min_output_tokens_per_s: must be >= 0/],
    ['min_output_tokens_per_s', 1e12, /slo\.min_output_tokens_per_s: must be <= /],
    ['ttft_p99', 5, /slo\.ttft_p99: unknown field \(allowed:.*ttft_p99_ms/],
  ])('refuses %s: %s', (key, value, problem) => {
    const { problems } = read({ [key]: value });
    expect(problems.length).toBe(1);
    expect(problems[0]).toMatch(problem);
  });

  it('names no key twice, and lets a phase switch a token threshold off', () => {
    const keys = Object.values(SLO_KEYS).map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
    const problems = new Problems();
    expect(readPhaseSlo({ ttft_ms: null }, ['phases', 0, 'slo'], problems, { ttftMs: 500, minGoodput: 0.9 })).toEqual({ minGoodput: 0.9 });
    expect(problems.list).toEqual([]);
  });

  it('describes them in --dry-run with their units and directions', () => {
    expect(describeSlo({ ttftMs: 500, itlP99Ms: 80, minOutputTokensPerS: 250, minGoodput: 0.95 })).toBe('ttft ≤ 500 ms per request · itl_p99 ≤ 80 ms · output ≥ 250 tokens/s · goodput ≥ 95%');
  });
});

describe('token SLO checks', () => {
  const summary = (p99: number) => ({ count: 10, p50: p99 / 2, p90: p99, p95: p99, p99, p999: p99, max: p99, mean: p99 / 2 });
  const phase = (tokens: boolean): PhaseResult =>
    ({
      name: 'steady',
      ...(tokens && { tokens: { ttftUs: summary(400_000), itlUs: summary(30_000), tpotUs: summary(20_000), outputTokensPerS: 300, goodput: { good: 9, fraction: 0.9, rps: 9, criteria: {} } } }),
    }) as unknown as PhaseResult;
  const checks = (tokens: boolean): Record<string, [number, boolean]> => {
    const out: Record<string, [number, boolean]> = {};
    const push = (metric: string, _t: number, _u: SloCheck['unit'], actual: number, pass: boolean): void => void (out[metric] = [actual, pass]);
    tokenSloChecks({ ttftP99Ms: 500, itlP99Ms: 25, tpotP99Ms: 20, minOutputTokensPerS: 301, minGoodput: 0.9 }, phase(tokens), push);
    return out;
  };

  it('checks each phase threshold against the phase figures', () => {
    expect(checks(true)).toEqual({ ttft_p99: [400, true], itl_p99: [30, false], tpot_p99: [20, true], output_tokens_per_s: [300, false], goodput: [0.9, true] });
  });

  it('fails every token threshold of a phase without token data', () => {
    expect(Object.values(checks(false)).every(([, pass]) => !pass)).toBe(true);
  });
});
