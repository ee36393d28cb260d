/**
 * Token metrics from constructed LLM outcomes, through the worker's recorder and the main thread's aggregate:
 * TTFT from the intended send time (a late send counts), every gap into ITL, the TPOT formula, token totals and
 * counting methods, goodput against each per-request threshold, and exact merges across workers.
 */
import { describe, expect, it } from 'vitest';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { type GoodputCriteria, goodputCriteria, isGood } from '../../../src/load/token-recorder.js';
import { newHistogram, recordUs } from '../../../src/metrics/hdr.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { phaseTokens } from '../../../src/run/token-figures.js';
import type { PhasePlan, SloSpec } from '../../../src/scenario/plan.js';
import type { Outcome, TokenTiming } from '../../../src/targets/client.js';

const phase = (slo: SloSpec | null = null): PhasePlan => ({ name: 'steady', startS: 0, durationS: 10, load: { kind: 'closed', concurrency: 1 }, slo });

/** llm is an OK outcome sent at `sentUs` whose first token came `ttftUs` after the send, then one token per gap. */
function llm(sentUs: number, ttftUs: number, gapsUs: number[], extra: Partial<TokenTiming> = {}): Outcome {
  const first = sentUs + ttftUs;
  const last = gapsUs.reduce((t, g) => t + g, first);
  return { code: 'OK', sentUs, firstByteUs: first, doneUs: last + 100, tokens: { firstTokenUs: first, lastTokenUs: last, outputTokens: gapsUs.length + 1, inputTokens: 20, countedBy: 'gpt-tokenizer o200k_base', gapsUs, ...extra } };
}

function aggregate(outcomes: [number, Outcome][], slo: SloSpec | null = null): RunAggregate {
  const rec = new IntervalRecorder(0, [goodputCriteria(slo)]);
  for (const [intended, o] of outcomes) {
    rec.scheduled(0, intended);
    rec.sent(0, intended, o.sentUs);
    rec.outcome(0, intended, o);
  }
  const agg = new RunAggregate([phase(slo)], 1);
  agg.add(rec.take(), 0);
  agg.finish();
  return agg;
}

describe('token metrics', () => {
  it('measures TTFT from the intended send time: a send 50 ms late adds 50 ms', () => {
    const agg = aggregate([[0, llm(50_000, 10_000, [5_000])]]);
    const t = phaseTokens(agg.phaseTokens[0]!, null, 10, 1, false);
    expect(t.ttftUs.max).toBeGreaterThanOrEqual(59_900);
    expect(t.ttftUs.max).toBeLessThanOrEqual(60_100);
    // The per-second row says the same.
    expect(agg.rows[0]!.tokens!.ttftUs.p99).toBe(t.ttftUs.p99);
  });

  it('records every gap into ITL, TPOT as (last − first) ÷ (tokens − 1), and nothing for a single token', () => {
    const agg = aggregate([
      [0, llm(0, 1_000, [10_000, 20_000, 30_000])],
      [0, llm(0, 1_000, [])],
    ]);
    const t = phaseTokens(agg.phaseTokens[0]!, null, 10, 2, false);
    expect(t.itlUs.count).toBe(3);
    expect(t.itlUs.max).toBeGreaterThanOrEqual(29_990);
    expect(t.itlUs.max).toBeLessThanOrEqual(30_020);
    // 60 ms over 3 intervals: 20 ms; the one-token request has no TPOT.
    expect(t.tpotUs.count).toBe(1);
    expect(Math.abs(t.tpotUs.p50 - 20_000)).toBeLessThanOrEqual(20);
    expect(t.requests).toBe(2);
  });

  it('adds up tokens, rates over the phase, and how they were counted', () => {
    const agg = aggregate([
      [0, llm(0, 1_000, [1_000, 1_000], { countedBy: 'usage', usage: { promptTokens: 20, completionTokens: 3 }, finishReason: 'length' })],
      [1_000, llm(1_000, 1_000, [1_000], { finishReason: 'stop' })],
      [2_000, { code: 'HTTP_503', sentUs: 2_000, doneUs: 3_000 }],
    ]);
    const t = phaseTokens(agg.phaseTokens[0]!, null, 10, 3, false);
    expect(t.inputTokensTotal).toBe(40);
    expect(t.outputTokensTotal).toBe(5);
    expect(t.outputTokensPerS).toBeCloseTo(0.5);
    expect(t.requestsPerS).toBeCloseTo(0.2);
    expect(t.countedBy).toBe('mixed');
    expect(t.counting).toEqual({ byMethod: { usage: 1, 'gpt-tokenizer o200k_base': 1 }, usage: 1, tokenizer: 1, serverUsage: 1 });
    expect(t.finishReasons).toEqual({ length: 1, stop: 1 });
    expect(t.outputTokens.max).toBe(3);
    // The failed request is not good: 2 of 3.
    expect(t.goodput.good).toBe(2);
    expect(t.goodput.fraction).toBeCloseTo(2 / 3);
  });

  // One request: intended 0, sent 5 ms late, first token 100 ms after the send, gaps 10, 40, 10 ms, done 165.1 ms.
  const request = llm(5_000, 100_000, [10_000, 40_000, 10_000]);
  it.each<[string, GoodputCriteria, boolean]>([
    ['no thresholds', {}, true],
    ['ttft_ms met', { ttftMs: 106 }, true],
    ['ttft_ms missed by the late send', { ttftMs: 104 }, false],
    ['itl_ms against the largest gap', { itlMs: 39 }, false],
    ['itl_ms met', { itlMs: 41 }, true],
    ['tpot_ms met (20 ms)', { tpotMs: 21 }, true],
    ['tpot_ms missed', { tpotMs: 19 }, false],
    ['e2e_ms met', { e2eMs: 166 }, true],
    ['e2e_ms missed', { e2eMs: 160 }, false],
    ['every one must be met', { ttftMs: 200, itlMs: 50, tpotMs: 19 }, false],
  ])('goodput: %s', (_, criteria, good) => {
    const slo: SloSpec = { ...criteria };
    const agg = aggregate([[0, request]], slo);
    expect(agg.phaseTokens[0]!.totals.good).toBe(good ? 1 : 0);
  });

  it('judges a request without a first token as failing a TTFT threshold, and without TPOT as meeting a TPOT one', () => {
    expect(isGood({ ttftMs: 1000 }, undefined, 0, undefined, 10)).toBe(false);
    expect(isGood({ tpotMs: 1 }, 5, 0, undefined, 10)).toBe(true);
  });

  it('merges token histograms from several workers exactly, through their messages', () => {
    const refTtft = newHistogram();
    const refItl = newHistogram();
    const agg = new RunAggregate([phase()], 3);
    for (let w = 0; w < 3; w++) {
      const rec = new IntervalRecorder(0);
      for (let i = 0; i < 200; i++) {
        const intended = i * 40_000 + w * 7;
        const ttft = 1_000 + ((i * 7919 + w * 104729) % 300_000);
        const gaps = Array.from({ length: 1 + (i % 5) }, (_, k) => 500 + ((i * 31 + k * 977 + w) % 50_000));
        const o = llm(intended + (i % 3) * 700, ttft, gaps);
        rec.sent(0, intended, o.sentUs);
        rec.outcome(0, intended, o);
        recordUs(refTtft, o.tokens!.firstTokenUs! - intended);
        for (const g of gaps) recordUs(refItl, g);
      }
      // As a worker's message carries it (structured clone, as postMessage does).
      agg.add(structuredClone(rec.take()), w, 100);
    }
    agg.finish();
    const t = agg.phaseTokens[0]!;
    for (const [got, ref] of [[t.h.ttft, refTtft], [t.h.itl, refItl]] as const) {
      expect(got.totalCount).toBe(ref.totalCount);
      for (const p of [50, 90, 99, 99.9, 100]) expect(got.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
    }
    // Seconds merged the same way: their ITL counts add up to the phase's.
    expect(agg.rows.reduce((n, r) => n + r.tokens!.itlUs.count, 0)).toBe(refItl.totalCount);
  });

  it('leaves everything as before without tokens', () => {
    const agg = aggregate([[0, { code: 'OK', sentUs: 0, doneUs: 1_000 }]]);
    expect(agg.phaseTokens[0]).toBeUndefined();
    expect(agg.rows[0]!.tokens).toBeUndefined();
  });
});
