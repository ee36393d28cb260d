/**
 * Gating LLM runs on token metrics: TTFT p99 and ITL p99 (lower is better), output tokens/s and goodput (higher is
 * better) are saved in baselines and judged with the same statistical verdicts as latency; runs without token data
 * gate as before, and a baseline saved before token metrics is not compared on them (a warning says so).
 */
import { describe, expect, it } from 'vitest';
import { makeBaseline } from '../../../src/compare/baseline.js';
import { gate, type GateCheck } from '../../../src/compare/gate.js';
import { metricValidity } from '../../../src/compare/run-validity.js';
import type { IntervalTokens, PhaseTokens, ResultsFile } from '../../../src/results/results-schema.js';
import { six, writeRepeat } from './hand-made.js';

interface TokenSpec {
  ttftP99Ms: number;
  itlP99Ms: number;
  tokensPerS: number;
  goodput: number;
}

const us = (ms: number): number => Math.round(ms * 1000);
const summary = (p99Ms: number, count: number) => ({ count, p50: us(p99Ms / 2), p90: us(p99Ms * 0.8), p95: us(p99Ms * 0.9), p99: us(p99Ms), p999: us(p99Ms * 1.1), max: us(p99Ms * 1.2), mean: us(p99Ms / 2) });

/** withTokens gives a hand-made run token figures: the phase's, and per second around them (a small wobble). */
function withTokens(r: ResultsFile, s: TokenSpec, i: number): ResultsFile {
  const wob = (t: number): number => 1 + 0.02 * Math.sin(t * 1.3 + i);
  const p = r.phases[0]!;
  const requests = p.ok;
  const tokens: Partial<PhaseTokens> = {
    requests, ttftUs: summary(s.ttftP99Ms * wob(99), requests), itlUs: summary(s.itlP99Ms * wob(98), requests * 50), tpotUs: summary(s.itlP99Ms / 2, requests),
    outputTokensPerS: s.tokensPerS * wob(97), inputTokensTotal: requests * 100, outputTokensTotal: Math.round(s.tokensPerS * 12), countedBy: 'usage',
    goodput: { good: Math.round(requests * s.goodput), fraction: s.goodput * (1 - 0.005 * wob(96)), rps: 0, criteria: { ttftMs: 500 } },
  };
  p.tokens = tokens as PhaseTokens;
  for (const row of r.intervals) {
    const w = wob(row.t);
    const t: IntervalTokens = { requests: row.okRps, good: Math.round(row.okRps * s.goodput * (w > 1 ? 1 : 0.99)), inputTokens: 0, outputTokens: Math.round(s.tokensPerS * w), ttftUs: { p50: 0, p99: us(s.ttftP99Ms * w), max: 0 }, itlUs: { p50: 0, p99: us(s.itlP99Ms * w), max: us(s.itlP99Ms * 2) }, tpotUs: { p50: 0, p99: 0 } };
    row.tokens = t;
  }
  return r;
}

const llmRuns = (s: TokenSpec, lagP99?: number): ResultsFile[] => six({ p50: 40, p99: 80, ...(lagP99 !== undefined && { lagP99 }) }).map((r, i) => withTokens(r, s, i));
const BASE: TokenSpec = { ttftP99Ms: 200, itlP99Ms: 30, tokensPerS: 1000, goodput: 0.98 };

function verdicts(baseRuns: ResultsFile[], candRuns: ResultsFile[]): { checks: Record<string, string>; warnings: string[] } {
  const baseline = makeBaseline('b', writeRepeat(baseRuns, 'base').files);
  const report = gate(baseline, 'b', candRuns, candRuns.map((_, i) => `c${i}`));
  const checks = Object.fromEntries(report.checks.filter((c): c is Extract<GateCheck, { kind: 'verdict' }> => c.kind === 'verdict').map((c) => [c.metric, c.verdict]));
  return { checks, warnings: report.warnings };
}

describe('gate on token metrics', () => {
  it('saves token samples in the baseline', () => {
    const baseline = makeBaseline('b', writeRepeat(llmRuns(BASE), 'base').files);
    const p = baseline.phases[0]!;
    expect(p.repetitions.ttft_p99).toHaveLength(6);
    expect(p.repetitions.output_tokens_per_s).toHaveLength(6);
    expect(p.intervals.goodput!.length).toBeGreaterThan(6);
  });

  it('finds a slower TTFT and fewer tokens/s REGRESSED, better ones IMPROVED, and an unchanged run SAME', () => {
    expect(verdicts(llmRuns(BASE), llmRuns({ ...BASE, ttftP99Ms: 300, tokensPerS: 700 })).checks).toMatchObject({ ttft_p99: 'REGRESSED', itl_p99: 'SAME', output_tokens_per_s: 'REGRESSED' });
    expect(verdicts(llmRuns(BASE), llmRuns({ ...BASE, itlP99Ms: 20, tokensPerS: 1300 })).checks).toMatchObject({ itl_p99: 'IMPROVED', output_tokens_per_s: 'IMPROVED', ttft_p99: 'SAME' });
    expect(verdicts(llmRuns(BASE), llmRuns({ ...BASE, goodput: 0.8 })).checks).toMatchObject({ goodput: 'REGRESSED' });
  });

  it('gates runs without token data as before, and does not compare token metrics against a baseline without them', () => {
    const plain = verdicts(six({ p50: 40, p99: 80 }), six({ p50: 40, p99: 80 }));
    expect(Object.keys(plain.checks)).toEqual(['throughput', 'p50', 'p95', 'p99', 'error_rate']);
    expect(plain.warnings).toEqual([]);
    const old = verdicts(six({ p50: 40, p99: 80 }), llmRuns(BASE));
    expect(Object.keys(old.checks)).toEqual(['throughput', 'p50', 'p95', 'p99', 'error_rate']);
    expect(old.warnings).toContain('phase steady: ttft_p99 is only in the candidate (token data from an LLM target): not compared');
  });

  describe('per-figure validity of the token metrics', () => {
    const ttftCheck = (report: ReturnType<typeof gate>): Extract<GateCheck, { kind: 'verdict' }> => report.checks.find((c): c is Extract<GateCheck, { kind: 'verdict' }> => c.kind === 'verdict' && c.metric === 'ttft_p99')!;
    const baseline = (): ReturnType<typeof makeBaseline> => makeBaseline('b', writeRepeat(llmRuns(BASE), 'base').files);

    it('a TTFT p99 the send lag could be much of is untrustworthy: neither a regression nor a pass', () => {
      // Send lag p99 100 ms (p99.9 150 ms) against TTFT p99 300 ms: half the figure could be the generator's.
      const cand = llmRuns({ ...BASE, ttftP99Ms: 300 }, 100);
      const report = gate(baseline(), 'b', cand, cand.map((_, i) => `rep-${i + 1}/results.json`));
      const v = ttftCheck(report);
      expect(v.verdict).toBe('UNKNOWN');
      expect(v.undecided).toBe(true);
      expect(v.notes?.[0]).toMatch(/rep-1 dropped from ttft_p99: TTFT p99 30\d\.\d ms, of which up to 150.0 ms \(\d+\.\d %\) could be the generator's send lag/);
      expect(report.pass).toBe(false);
      expect(report.undecided.some((u) => u.startsWith('steady ttft_p99: every candidate run was dropped from ttft_p99'))).toBe(true);
      // ITL is measured between chunks: the same lag leaves it judged (SAME), and latency p99 too (service time holds it).
      expect(report.checks.find((c) => c.kind === 'verdict' && c.metric === 'itl_p99')).toMatchObject({ verdict: 'SAME' });
      expect(report.checks.find((c) => c.kind === 'verdict' && c.metric === 'p99')).toMatchObject({ verdict: 'SAME' });
      // Allowed to judge anyway, it stays UNKNOWN: the figure cannot be told from the lag.
      expect(ttftCheck(gate(baseline(), 'b', cand, cand.map((_, i) => `c${i}`), { allowInvalid: true })).verdict).toBe('UNKNOWN');
    });

    it('a TTFT regression larger than the lag could add stands, with the lag small', () => {
      // Send lag p99.9 15 ms against a TTFT p99 of 300 ms: 5 %, marginal at most; the 100 ms rise is beyond it.
      const cand = llmRuns({ ...BASE, ttftP99Ms: 300 }, 10);
      const report = gate(baseline(), 'b', cand, cand.map((_, i) => `c${i}`));
      expect(ttftCheck(report).verdict).toBe('REGRESSED');
      expect(report.undecided).toEqual([]);
    });

    it('a failed TTFT SLO check the lag made untrustworthy is undecided, not failed', () => {
      const cand = llmRuns({ ...BASE, ttftP99Ms: 300 }, 100).map((r) => ({ ...r, slo: { pass: false, checks: [{ phase: 'steady', metric: 'ttft_p99', threshold: 250, actual: 300, pass: false, unit: 'ms' as const }] } }));
      const report = gate(baseline(), 'b', cand.slice(0, 1), ['c0']);
      const slo = report.checks.find((c) => c.kind === 'slo')!;
      expect(slo).toMatchObject({ pass: true, inDoubt: expect.stringMatching(/could be the generator's send lag/) });
      expect(report.counts.sloFailed).toBe(0);
    });

    it('judges ITL p99 by the machine stalls in the phase, not by send lag', () => {
      const [r] = llmRuns(BASE, 100);
      // Without the watchdog's record ITL is not judged; with it and no stall, the send lag does not touch it.
      expect(metricValidity(r!, 'steady', 'itl_p99')).toBeUndefined();
      const stalls = (seconds: { t: number; stalls: number; stalledUs: number; maxUs: number; lateSendsInStalls: number }[]) => ({ watchdog: 'realtime' as const, sleepUs: 1000, thresholdUs: 2000, wakeups: 12000, stalls: seconds.length, stalledUs: 0, maxUs: 0, checkedLateSends: 0, checkedLateSendsInStalls: 0, lateSendsInStalls: 0, seconds });
      r!.generator.stalls = stalls([]);
      expect(metricValidity(r!, 'steady', 'itl_p99')).toMatchObject({ status: 'valid', generatorPart: 0 });
      // 20 stalls of up to 12 ms, with about 2 streams open each, could stretch 40 of 30,000 gaps (over 0.1 %): 12 ms of a 30 ms p99.
      r!.generator.stalls = stalls(Array.from({ length: 20 }, (_, i) => ({ t: i % 12, stalls: 1, stalledUs: 12_000, maxUs: 12_000, lateSendsInStalls: 0 })));
      r!.phases[0]!.latencyUs.mean = 40_000;
      const v = metricValidity(r!, 'steady', 'itl_p99')!;
      expect(v.status).toBe('invalid');
      expect(v.generatorPart).toBeCloseTo(12, 6);
      expect(v.reason).toMatch(/could be the client's stalls \(20 stall\(s\) of the machine in the phase \(longest 12\.0 ms\) could stretch up to 40 of 30000 gaps/);
      // One short stall cannot move the p99 of 30,000 gaps.
      r!.generator.stalls = stalls([{ t: 3, stalls: 1, stalledUs: 12_000, maxUs: 12_000, lateSendsInStalls: 0 }]);
      expect(metricValidity(r!, 'steady', 'itl_p99')).toMatchObject({ status: 'valid', generatorPart: 0 });
    });
  });
});
