/**
 * The live line of an LLM run: TTFT p99 and output tokens/s for the phase so far and the last second, built by
 * the real SecondStatusBuilder from a RunAggregate fed with constructed LLM outcomes; nothing changes without tokens.
 */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../src/cli/progress.js';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { SecondStatusBuilder } from '../../../src/run/second-status.js';
import type { Plan } from '../../../src/scenario/plan.js';

const plan = { name: 'llm', durationS: 10, phases: [{ name: 'steady', startS: 0, durationS: 10, load: { kind: 'closed', concurrency: 4 }, slo: null }] } as unknown as Plan;

describe('live line with tokens', () => {
  it('shows TTFT p99 and output tokens/s when responses carry tokens', () => {
    const agg = new RunAggregate(plan.phases, 1);
    const builder = new SecondStatusBuilder(plan, agg);
    for (let second = 0; second < 2; second++) {
      const rec = new IntervalRecorder(0);
      // 10 requests a second, 20 output tokens each (TTFT 100 ms in the first second, 300 ms in the second).
      for (let i = 0; i < 10; i++) {
        const intended = second * 1e6 + i * 10_000;
        const first = intended + (second === 0 ? 100_000 : 300_000);
        const gaps = Array.from({ length: 19 }, () => 10_000);
        rec.sent(0, intended, intended);
        rec.outcome(0, intended, { code: 'OK', sentUs: intended, doneUs: first + 190_000, tokens: { firstTokenUs: first, lastTokenUs: first + 190_000, outputTokens: 20, countedBy: 'usage', gapsUs: gaps } });
      }
      agg.add(rec.take(), 0, 10);
    }
    agg.finish();
    const line = progressLine(builder.next()!, true);
    expect(line).toMatch(/p99 [\d.]+ ms, TTFT p99 300 ms, 200 tok\/s, 0 errors \| last second: ok [\d.]+\/s, p99 [\d.]+ ms, TTFT p99 300 ms, 200 tok\/s, 0 errors$/);
  });

  it('says nothing of tokens without them', () => {
    const agg = new RunAggregate(plan.phases, 1);
    const builder = new SecondStatusBuilder(plan, agg);
    const rec = new IntervalRecorder(0);
    rec.sent(0, 0, 0);
    rec.outcome(0, 0, { code: 'OK', sentUs: 0, doneUs: 5_000 });
    agg.add(rec.take(), 0, 10);
    agg.finish();
    expect(progressLine(builder.next()!, true)).not.toMatch(/TTFT|tok\/s/);
  });
});
