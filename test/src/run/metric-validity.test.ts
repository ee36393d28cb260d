/**
 * The per-metric validity rule: each figure is judged by how much of it the generator's own lateness could
 * account for (docs/results.md, "Validity"), in tables of happy, marginal and sad rows, and a run's verdict made
 * from a hand-built aggregate: 2 % of sends 2 ms late leave a 40 ms p99 valid (the strict rule calls the run
 * invalid), and make a 1.5 ms p99 invalid.
 */
import { describe, expect, it } from 'vitest';
import { IntervalRecorder } from '../../../src/load/interval-recorder.js';
import { RunAggregate } from '../../../src/metrics/run-aggregate.js';
import { checkedLateFraction, judgeRun, phaseResults } from '../../../src/run/evaluate.js';
import { summarize } from '../../../src/metrics/hdr.js';
import { judgePhase, type ValidityInput } from '../../../src/run/metric-validity.js';
import type { Plan, PhasePlan } from '../../../src/scenario/plan.js';

const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

/** at builds a latency summary whose every percentile is `ms` (the rule reads one percentile at a time). */
function at(ms: number, count = 500): typeof zero {
  const us = ms * 1000;
  return { count, p50: us, p90: us, p95: us, p99: us, p999: us, max: us, mean: us };
}

function input(o: Partial<ValidityInput>): ValidityInput {
  return { kind: 'open', latencyUs: at(10), serviceTimeUs: at(10), sendLagUs: zero, scheduled: 500, handledInTime: 500, givenUp: 0, attempted: 500, offeredRps: 50, errorRate: 0, ...o };
}

describe('judgePhase: latency percentiles', () => {
  // [what, latency p99 ms, service p99 ms, send-lag p99 ms, status, generator part ms]
  it.each([
    ['2 % of sends 2 ms late do not put a 40 ms p99 in doubt', 40, 30, 2, 'valid', 2],
    ['late sends that were the fast ones leave p99 alone (latency ≈ service)', 26.687, 26.671, 4.1, 'valid', 0.016],
    ['exactly 5 % of p99 is still valid', 20, 10, 1, 'valid', 1],
    ['a 1.5 ms p99 with 2 ms of send lag is invalid', 1.5, 0.5, 2, 'invalid', 1],
    ['15 % of p99 is marginal', 10, 8.5, 1.5, 'marginal', 1.5],
    ['25 % is still marginal', 8, 6, 2, 'marginal', 2],
    ['just over 25 % is invalid', 8, 5, 2.01, 'invalid', 2.01],
    ['client-side waiting is not lag: the smaller of the two counts', 50, 20, 1, 'valid', 1],
    ['no lag at all', 5, 5, 0, 'valid', 0],
  ])('%s', (_what, lat, svc, lag, status, partMs) => {
    const v = judgePhase(input({ latencyUs: at(lat), serviceTimeUs: at(svc), sendLagUs: at(lag) })).p99!;
    expect(v.status).toBe(status);
    expect(v.unit).toBe('ms');
    expect(v.generatorPart).toBeCloseTo(partMs, 6);
    expect(v.share).toBeCloseTo(partMs / lat, 6);
    expect(v.reason).toMatch(/^p99 \d/);
  });

  it('holds p50 to half its 5 % minimum effect: 3.75 % of a p50 is marginal, 2 % valid', () => {
    expect(judgePhase(input({ latencyUs: at(4), serviceTimeUs: at(3.85), sendLagUs: at(0.2) })).p50!.status).toBe('marginal');
    expect(judgePhase(input({ latencyUs: at(4), serviceTimeUs: at(3.92), sendLagUs: at(0.2) })).p50!.status).toBe('valid');
  });

  it('says nothing of latency when no request succeeded', () => {
    const v = judgePhase(input({ latencyUs: zero, serviceTimeUs: zero }));
    expect(v.p99).toBeUndefined();
    expect(v.throughput?.status).toBe('valid');
  });
});

describe('judgePhase: throughput and error rate', () => {
  it.each([
    [500, 'valid', 0],
    [490, 'valid', 0.02],
    [480, 'marginal', 0.04],
    [350, 'invalid', 0.3],
  ])('%i of 500 planned sent in time: %s', (handled, status, share) => {
    const v = judgePhase(input({ handledInTime: handled })).throughput!;
    expect(v).toMatchObject({ status, unit: 'rps' });
    expect(v.share).toBeCloseTo(share, 9);
    expect(v.generatorPart).toBeCloseTo(share * 50, 9);
  });

  it('has no send lag in a closed loop', () => {
    expect(judgePhase(input({ kind: 'closed', handledInTime: 0 })).throughput).toMatchObject({ status: 'valid', share: 0 });
  });

  it.each([
    [0, 1000, 0, 'valid'],
    [2, 1000, 0.002, 'valid'],
    [5, 1000, 0.05, 'marginal'],
    [5, 500, 0.01, 'invalid'],
  ])('%i of %i given up unsent at an error rate of %f: %s', (givenUp, attempted, errorRate, status) => {
    expect(judgePhase(input({ givenUp, attempted, errorRate })).error_rate!.status).toBe(status);
  });
});

const phases: PhasePlan[] = [{ name: 'steady', startS: 0, durationS: 10, load: { kind: 'open', shape: { type: 'constant', rps: 50 }, arrival: { type: 'constant' } }, slo: { p99Ms: 100 } }];
const plan = { phases, durationS: 10 } as unknown as Plan;

/** aggregate records 10 s at 50 rps; every 50th send (2 %) goes out `lateMs` late; replies take `serviceMs`. */
function aggregate(serviceMs: number, lateMs: number): RunAggregate {
  const rec = new IntervalRecorder(0);
  for (let i = 0; i < 500; i++) {
    const intendedUs = i * 20_000;
    const sentUs = intendedUs + (i % 50 === 25 ? lateMs * 1000 : 50);
    rec.scheduled(0, intendedUs);
    rec.sent(0, intendedUs, sentUs);
    // The late sends are also the slowest replies: the lag's worst case for the tail.
    const svc = i % 50 === 25 ? serviceMs * 1.2 : serviceMs * (0.8 + 0.2 * ((i * 7) % 10) / 10);
    rec.outcome(0, intendedUs, { code: 'OK', sentUs, doneUs: sentUs + svc * 1000 });
  }
  const agg = new RunAggregate(phases, 1);
  agg.add(rec.take(), 0, 12);
  agg.finish();
  return agg;
}

function judge(serviceMs: number, lateMs: number, rule: 'effect' | 'strict', sloP99 = 100, machineStallMs?: number): ReturnType<typeof judgeRun> {
  const agg = aggregate(serviceMs, lateMs);
  const p = { ...plan, phases: [{ ...phases[0]!, slo: { p99Ms: sloP99 } }] } as Plan;
  const results = phaseResults(p, agg);
  return judgeRun(p, agg, results, 0, { sendLagUs: summarize(agg.lagAll()), checkedLateFraction: checkedLateFraction(agg), rule, workers: 2, cores: 2, scheduling: ['high-priority', 'high-priority'], localTarget: true, ...(machineStallMs !== undefined && { machineStall: { maxMs: machineStallMs, lateShareInStalls: 0.8 } }) });
}

describe('judgeRun', () => {
  it('keeps a 40 ms p99 valid when 2 % of sends were 2 ms late; the strict rule calls the run invalid', () => {
    expect(judge(33, 2, 'effect').reasons).toEqual([]);
    const strict = judge(33, 2, 'strict');
    expect(strict.reasons).toHaveLength(1);
    expect(strict.reasons[0]).toMatch(/^the load generator could not keep up: 2\.\d+ % of requests went out more than 1 ms late/);
  });

  it('calls a 1.5 ms p99 with 2 ms of send lag invalid, naming the phase and the numbers, with advice', () => {
    const j = judge(1.25, 2, 'effect');
    expect(j.reasons.some((r) => /could not keep up in phase 'steady': p99 \d+\.\d+ ms, of which up to \d+\.\d+ ms \((\d+\.\d) %\) could be the generator's send lag/.test(r))).toBe(true);
    // Two workers on two cores beside a local target: the advice is one worker, never more.
    expect(j.advice).toMatch(/use --workers 1: 2 load workers on 2 cores cannot have real-time scheduling/);
    expect(j.advice).not.toMatch(/--workers [2-9]/);
  });

  it('names a machine that stalled every thread of the process, where the run measured it (the hook for such a measure)', () => {
    const j = judge(1.25, 2, 'effect', 100, 40);
    expect(j.reasons[0]).toMatch(/^the machine stalled \(every thread of this process waited 40 ms at once; 80 % of the late sends fell in such stalls\), so the load generator could not keep up in phase 'steady': p99/);
    expect(j.advice).toMatch(/^what would help: the machine stalled/);
    expect(judge(1.25, 2, 'effect', 100, 2).reasons[0]).toMatch(/^the load generator could not keep up/);
  });

  it('doubts a failed SLO check that the lag could explain, and not one it could not', () => {
    // p99 9.2 ms, 2 ms of it lag (marginal, 22 %), against an 8 ms threshold: without the lag it would pass.
    const doubt = judge(6, 2, 'effect', 8);
    expect(doubt.reasons).toHaveLength(1);
    expect(doubt.reasons[0]).toMatch(/its SLO check p99 failed \(9\.2\d ms against 8\.00 ms\), but p99 9\.2\d ms, of which up to 2\.00 ms \(21\.7 %\) could be .+; without it the check could pass/);
    expect(judge(6, 2, 'effect', 7).reasons).toEqual([]);
    // 40 ms against 10 ms: the lag cannot explain that; the failure is the target's (exit 1, not 3).
    expect(judge(33, 2, 'effect', 10).reasons).toEqual([]);
  });
});
