/**
 * Drill measurements of an LLM target's token streams (FaultDrill.tokens): TTFT p99 per second against its
 * pre-fault baseline (worst in the window, recovery to within 2× the baseline), streams cut (STREAM_ABORTED) and
 * the output tokens the window fell short of the pre-fault rate; absent for targets without token data.
 */
import { describe, expect, it } from 'vitest';
import { analyzeFaults, type DrillInput } from '../../../src/faults/drill-analysis.js';
import type { FaultRecord, IntervalResult, PhaseResult } from '../../../src/results/results-schema.js';
import type { PhasePlan } from '../../../src/scenario/plan.js';

const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

/** second is one row of 10 streams a second (20 ms latency) with token data: TTFT p99 and output tokens. */
function second(t: number, o: { ttftMs?: number; tokens?: number; ok?: number; cut?: number } = {}): IntervalResult {
  const ok = o.ok ?? 10;
  const latencyUs = { ...zero, count: ok, p50: 20_000, p99: 20_000, max: 20_000 };
  const errors: Record<string, number> = o.cut ? { STREAM_ABORTED: o.cut } : {};
  const ttft = (o.ttftMs ?? 50) * 1000;
  return {
    t, phase: 'sustained', offeredRps: 10, sentRps: 10, okRps: ok, errors, latencyUs, serviceTimeUs: latencyUs, sendLagP99Us: 100, lateSends: 0, histogram: '',
    tokens: { requests: ok, good: ok, inputTokens: 0, outputTokens: o.tokens ?? 800, ttftUs: { p50: ttft / 2, p99: ttft, max: ttft }, itlUs: { p50: 5000, p99: 8000, max: 9000 }, tpotUs: { p50: 5000, p99: 6000 } },
  };
}

const phase: PhasePlan = { name: 'sustained', startS: 0, durationS: 30, load: { kind: 'open', shape: { type: 'constant', rps: 10 }, arrival: { type: 'constant' } }, slo: { p99Ms: 500 } };
const result = { name: 'sustained', kind: 'open', startS: 0, durationS: 30, offeredRps: 10, achievedRps: 10, throughputRps: 10, scheduled: 300, sent: 300, completed: 300, ok: 290, dropped: 0, lateSends: 0, errors: {}, errorRate: 0, latencyUs: zero, serviceTimeUs: zero, ttfbUs: zero, sendLagUs: zero, histogram: '', serviceHistogram: '' } as PhaseResult;
const kill = (atS: number): FaultRecord => ({ index: 0, action: 'kill-replica', params: { replica: 'any' }, atS, startedAtS: atS, endedAtS: atS + 0.05, outcome: 'ok', detail: '' });
const input = (intervals: IntervalResult[]): DrillInput => ({ plan: { phases: [phase], slo: { p99Ms: 500 }, durationS: 30, drill: { recoveryWindowS: 3, compareWindowS: 10 } }, phases: [result], intervals, faults: [kill(10)] });

describe('drill token figures', () => {
  it('measures TTFT against its pre-fault baseline, the streams cut and the tokens lost', () => {
    // Before: TTFT p99 50 ms, 800 tokens/s. The kill at 10 s cuts 4 streams; TTFT climbs to 400 ms while the
    // survivor takes the load, and is back at 60 ms from 14 s on.
    const intervals = Array.from({ length: 30 }, (_, t) => {
      if (t === 10) return second(t, { ok: 6, cut: 4, tokens: 300, ttftMs: 400 });
      if (t >= 11 && t < 14) return second(t, { tokens: 600, ttftMs: 250 });
      return second(t, t >= 14 ? { ttftMs: 60 } : {});
    });
    const [d] = analyzeFaults(input(intervals));
    const tk = d!.tokens!;
    expect(tk.streamsCut).toBe(4);
    expect(tk.ttftP99Ms).toEqual({ before: 50, worst: 400, after: null });
    // The window runs from the kill to the phase's end (20 seconds): 500 + 3·200 tokens short of 800 a second.
    expect(tk.tokensLost).toBe(500 + 3 * 200);
    expect(tk.outputTokensPerS.before).toBe(800);
    expect(tk.outputTokensPerS.during).toBeCloseTo((300 + 3 * 600 + 16 * 800) / 20, 6);
    // TTFT is back within 2 × 50 ms from 14 s; the request-level recovery (p99 20 ms, errors only in second 10) is at 11 s.
    expect(tk.ttftRecovery).toMatchObject({ fromS: 10, recoveredAtS: 14, recoveryS: 4, p99LimitMs: 100 });
    expect(d!.recovery).toMatchObject({ recoveredAtS: 11 });
  });

  it('says why TTFT recovery was not seen, naming TTFT', () => {
    const intervals = Array.from({ length: 30 }, (_, t) => second(t, t >= 10 ? { ttftMs: 300 } : {}));
    const tk = analyzeFaults(input(intervals))[0]!.tokens!;
    expect(tk.ttftRecovery).toMatchObject({ recoveredAtS: null, notSeen: 'p99' });
    expect(tk.ttftRecovery.note).toMatch(/had TTFT p99 300 ms, over the 100 ms limit/);
    expect(tk.streamsCut).toBe(0);
  });

  it('is absent for a target without token data', () => {
    const intervals = Array.from({ length: 30 }, (_, t) => {
      const row = second(t);
      delete row.tokens;
      return row;
    });
    expect(analyzeFaults(input(intervals))[0]!.tokens).toBeUndefined();
  });
});
