/**
 * Drill measurements on synthetic results: fault windows, failed requests by code, worst latency, throughput
 * before/during/after, recovery time (exact sliding-window p99 from the seconds' histograms, and the
 * conservative fallback without them), lost requests, and per-phase graceful degradation.
 */
import { describe, expect, it } from 'vitest';
import { analyzeFaults, degradationOf, type DrillInput } from '../../../src/faults/drill-analysis.js';
import { encodeHistogram, newHistogram, recordUs, summarize } from '../../../src/metrics/hdr.js';
import type { FaultRecord, IntervalResult, PhaseResult } from '../../../src/results/results-schema.js';
import type { FaultPlan, PhasePlan, SloSpec } from '../../../src/scenario/plan.js';

/** second builds one interval row: `ok` successes at `ms` latency, plus `slow` at `slowMs`, plus errors. */
function second(t: number, o: { ok?: number; ms?: number; slow?: number; slowMs?: number; errors?: Record<string, number>; phase?: string; offered?: number } = {}): IntervalResult {
  const h = newHistogram();
  const ok = o.ok ?? 100;
  for (let i = 0; i < ok; i++) recordUs(h, (o.ms ?? 20) * 1000);
  for (let i = 0; i < (o.slow ?? 0); i++) recordUs(h, (o.slowMs ?? 500) * 1000);
  const s = summarize(h);
  const failed = Object.values(o.errors ?? {}).reduce((a, b) => a + b, 0);
  return {
    t,
    phase: o.phase ?? 'steady',
    offeredRps: o.offered ?? ok + (o.slow ?? 0) + failed,
    sentRps: ok + (o.slow ?? 0) + failed,
    okRps: ok + (o.slow ?? 0),
    errors: o.errors ?? {},
    latencyUs: s,
    serviceTimeUs: s,
    sendLagP99Us: 100,
    lateSends: 0,
    histogram: encodeHistogram(h),
  };
}

function phasePlan(name: string, startS: number, durationS: number, slo: SloSpec | null = { p99Ms: 50 }): PhasePlan {
  return { name, startS, durationS, load: { kind: 'open', shape: { type: 'constant', rps: 100 }, arrival: { type: 'constant' } }, slo };
}

function phaseResult(p: PhasePlan, o: Partial<PhaseResult> = {}): PhaseResult {
  const zero = { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    name: p.name,
    kind: 'open',
    startS: p.startS,
    durationS: p.durationS,
    offeredRps: 100,
    achievedRps: 100,
    throughputRps: 100,
    scheduled: 100 * p.durationS,
    sent: 100 * p.durationS,
    completed: 100 * p.durationS,
    ok: 100 * p.durationS,
    dropped: 0,
    lateSends: 0,
    errors: {},
    errorRate: 0,
    latencyUs: zero,
    serviceTimeUs: zero,
    ttfbUs: zero,
    sendLagUs: zero,
    histogram: '',
    serviceHistogram: '',
    ...o,
  };
}

function fault(index: number, plan: FaultPlan, startedAtS: number | null, endedAtS: number | null, extra: Partial<FaultRecord> = {}): FaultRecord {
  return {
    index,
    action: plan.action,
    params: plan.params,
    atS: plan.atS,
    ...(plan.durationS !== undefined && { durationS: plan.durationS }),
    startedAtS,
    endedAtS,
    outcome: startedAtS === null ? 'skipped' : 'ok',
    detail: '',
    ...extra,
  };
}

function input(phases: PhasePlan[], intervals: IntervalResult[], faults: FaultRecord[], o: { slo?: SloSpec; recoveryWindowS?: number; compareWindowS?: number; results?: Partial<PhaseResult>[] } = {}): DrillInput {
  return {
    plan: { phases, slo: o.slo ?? { p99Ms: 50 }, durationS: phases.reduce((n, p) => n + p.durationS, 0), drill: { recoveryWindowS: o.recoveryWindowS ?? 3, compareWindowS: o.compareWindowS ?? 10 } },
    phases: phases.map((p, i) => phaseResult(p, o.results?.[i])),
    intervals,
    faults,
  };
}

const KILL: FaultPlan = { atS: 10, action: 'kill-replica', params: { replica: 'any' } };
const RESTORE: FaultPlan = { atS: 20, action: 'restore-replica', params: { replica: 'any' } };
const NETWORK: FaultPlan = { atS: 5, durationS: 10, action: 'network', params: { latencyMs: 50, jitterMs: 0 } };

describe('analyzeFaults', () => {
  it('kill then restore: windows to the next fault and to the phase end, failures by code, recovery, throughput', () => {
    const intervals = Array.from({ length: 30 }, (_, t) => {
      if (t === 10) return second(t, { ok: 90, ms: 20, slow: 5, slowMs: 300, errors: { ECONNRESET: 3, HTTP_503: 2 } });
      if (t === 11) return second(t, { ok: 95, ms: 20, slow: 5, slowMs: 120 });
      if (t >= 12 && t < 20) return second(t, { ok: 80, ms: 30, offered: 80 });
      return second(t);
    });
    const phases = [phasePlan('steady', 0, 30)];
    const [kill, restore] = analyzeFaults(input(phases, intervals, [fault(0, KILL, 10.2, 10.25, { coldStartMs: 1200 }), fault(1, RESTORE, 20, 21.5)]));
    expect(kill).toMatchObject({
      window: { startS: 10.2, endS: 20, endsAt: 'next-fault' },
      phase: 'steady',
      failedByCode: { ECONNRESET: 3, HTTP_503: 2 },
      failed: 5,
      throughputRps: { before: 100, after: 100 },
      offeredRps: { before: 100, after: 100 },
      coldStartMs: 1200,
      lost: 0,
    });
    expect(kill!.worstP99Us).toBeGreaterThanOrEqual(299_000);
    expect(kill!.worstMaxUs).toBeGreaterThanOrEqual(299_000);
    // During: seconds 10..19 (the window touches all of them): (95 + 100 + 8·80) / 10.
    expect(kill!.throughputRps.during).toBeCloseTo((95 + 100 + 8 * 80) / 10, 6);
    // Seconds 10 (errors) and 11 (p99 120 ms) spoil every window starting there; from 12 on all is well.
    expect(kill!.recovery).toEqual({ fromS: 10.2, recoveredAtS: 12, recoveryS: 1.8, windowS: 3, p99LimitMs: 50 });
    expect(restore).toMatchObject({ window: { startS: 20, endS: 30, endsAt: 'phase-end' }, failed: 0, failedByCode: {}, coldStartMs: null });
    expect(restore!.recovery).toMatchObject({ fromS: 20, recoveredAtS: 20, recoveryS: 0 });
    expect(restore!.throughputRps).toEqual({ before: 83.5, during: 100, after: null });
  });

  it('a timed fault: the window is [start, end] and recovery is searched from its end', () => {
    const intervals = Array.from({ length: 40 }, (_, t) => second(t, t >= 5 && t < 15 ? { ms: 70 } : t === 15 ? { ms: 60 } : {}));
    const [net] = analyzeFaults(input([phasePlan('steady', 0, 40)], intervals, [fault(0, NETWORK, 5, 15)]));
    expect(net!.window).toEqual({ startS: 5, endS: 15, endsAt: 'fault-end' });
    expect(net!.worstP99Us).toBeGreaterThanOrEqual(69_900);
    expect(net!.failed).toBe(0);
    expect(net!.recovery).toEqual({ fromS: 15, recoveredAtS: 16, recoveryS: 1, windowS: 3, p99LimitMs: 50 });
    expect(net!.throughputRps).toEqual({ before: 100, during: 100, after: 100 });
  });

  it('uses the exact p99 of each sliding window, and a conservative per-second bound without histograms', () => {
    // Second 12 has 10 requests, one slow: its own p99 is slow, but windows with its 100-request neighbours are not.
    const intervals = Array.from({ length: 30 }, (_, t) => (t === 10 ? second(t, { errors: { ECONNREFUSED: 1 } }) : t === 12 ? second(t, { ok: 9, slow: 1, slowMs: 400 }) : second(t)));
    const phases = [phasePlan('steady', 0, 30)];
    const [exact] = analyzeFaults(input(phases, intervals, [fault(0, KILL, 10, 10.1)]));
    expect(exact!.recovery).toMatchObject({ recoveredAtS: 11, recoveryS: 1 });
    const [bounded] = analyzeFaults(input(phases, intervals.map((r) => ({ ...r, histogram: '' })), [fault(0, KILL, 10, 10.1)]));
    expect(bounded!.recovery).toMatchObject({ recoveredAtS: 13, recoveryS: 3 });
  });

  it('says when recovery was not seen, or cannot be judged, and skips faults that never started', () => {
    const bad = Array.from({ length: 20 }, (_, t) => second(t, t >= 10 ? { errors: { HTTP_503: 4 } } : {}));
    const phases = [phasePlan('steady', 0, 20)];
    const [never, late, skipped] = analyzeFaults(input(phases, bad, [fault(0, KILL, 10, 10.1), fault(1, RESTORE, 18.5, 19), fault(2, { ...KILL, atS: 19 }, null, null)]));
    expect(never!.recovery).toMatchObject({ recoveredAtS: null, recoveryS: null, notSeen: 'errors', note: 'not recovered by 18.5 s (the next fault): 4 request(s) failed in the second from 17 s' });
    expect(never!.failedByCode).toEqual({ HTTP_503: 36 });
    expect(late!.recovery).toMatchObject({ recoveredAtS: null, notSeen: 'too-short', note: 'not judged: only 1.5 s from 18.5 s to the end of the phase (20 s), less than the 3 s recovery window' });
    expect(skipped).toBeNull();
  });

  it('names a p99 over the limit as the reason when no error kept recovery from being seen', () => {
    const slow = Array.from({ length: 20 }, (_, t) => second(t, t >= 10 && t < 18 ? { ms: 30, slow: 5, slowMs: 400 } : {}));
    const [kill] = analyzeFaults(input([phasePlan('steady', 0, 20)], slow, [fault(0, KILL, 10, 10.1)]));
    // Seconds 18 and 19 are fine, but a 3 s window needs three of them: the window from 17 s is the last slow one.
    expect(kill!.recovery).toMatchObject({ recoveredAtS: null, notSeen: 'p99' });
    expect(kill!.recovery.note).toMatch(/^not recovered by 20 s \(the end of the phase\): the 3 s window from 17 s had p99 \d+(\.\d)? ms, over the 50 ms limit$/);
  });

  it('checks only errors without a p99 threshold, and reads a phase without an SLO against the scenario\'s', () => {
    const intervals = Array.from({ length: 20 }, (_, t) => second(t, { ms: 400 }));
    const [noSlo] = analyzeFaults(input([phasePlan('steady', 0, 20, {})], intervals, [fault(0, KILL, 5, 5.1)], { slo: {} }));
    expect(noSlo!.recovery).toEqual({ fromS: 5, recoveredAtS: 5, recoveryS: 0, windowS: 3, p99LimitMs: null, note: 'no p99 threshold in the SLO: only errors were checked' });
    const [warmup] = analyzeFaults(input([phasePlan('warmup', 0, 20, null)], intervals, [fault(0, KILL, 5, 5.1)], { slo: { p99Ms: 500 } }));
    expect(warmup!.recovery).toMatchObject({ recoveredAtS: 5, p99LimitMs: 500 });
  });

  it('counts lost requests of the phases the window touches, and follows a window across a phase boundary', () => {
    const phases = [phasePlan('one', 0, 10), phasePlan('two', 10, 10)];
    const intervals = Array.from({ length: 20 }, (_, t) => second(t, { phase: t < 10 ? 'one' : 'two' }));
    const [net] = analyzeFaults(
      input(phases, intervals, [fault(0, { atS: 8, durationS: 4, action: 'network', params: { latencyMs: 5, jitterMs: 0 } }, 8, 12)], {
        results: [{ sent: 1000, completed: 998 }, { sent: 1000, completed: 999 }],
      }),
    );
    expect(net).toMatchObject({ phase: 'one', lost: 3, window: { startS: 8, endS: 12, endsAt: 'fault-end' } });
    // Recovery is searched from 12 s to the end of phase two.
    expect(net!.recovery).toMatchObject({ fromS: 12, recoveredAtS: 12 });
  });
});

describe('comparison spans (throughput before and after a fault)', () => {
  // 1x, 2x, 1x (the failover), 5x: each second serves its phase's rate, so a mean over mixed phases shows.
  const ladder = (): { phases: PhasePlan[]; intervals: IntervalResult[] } => {
    const rates = [['steady', 100, 0, 10], ['double', 200, 10, 10], ['failover', 100, 20, 15], ['peak', 500, 35, 10]] as const;
    const phases = rates.map(([name, rps, start, dur]) => ({ ...phasePlan(name, start, dur), load: { kind: 'open' as const, shape: { type: 'constant' as const, rps }, arrival: { type: 'poisson' as const } } }));
    const intervals = Array.from({ length: 45 }, (_, t) => {
      const [name, rps] = rates.find(([, , start, dur]) => t >= start && t < start + dur)!;
      return second(t, { phase: name, ok: rps });
    });
    return { phases, intervals };
  };

  it('never reach into a phase of another load: clipped to the fault\'s phase, and null when nothing is left', () => {
    const { phases, intervals } = ladder();
    // The kill at 22 s: 10 s before it reach back into the 2x phase, 10 s after its window (the phase's end) into 5x.
    const [kill] = analyzeFaults(input(phases, intervals, [fault(0, { atS: 22, action: 'kill-replica', params: { replica: 'any' } }, 22, 22.1)]));
    expect(kill!.window).toEqual({ startS: 22, endS: 35, endsAt: 'phase-end' });
    expect(kill!.compareSpans).toEqual({ before: { startS: 20, endS: 22 }, after: null });
    expect(kill!.throughputRps).toEqual({ before: 100, during: 100, after: null });
    expect(kill!.offeredRps.before).toBe(100);
  });

  it('run on into neighbouring phases of the same rate, but stop at another fault', () => {
    const { phases, intervals } = ladder();
    // A 1x phase 'slow' after 'failover' (the peak moved later), and a network fault in it at 38 s.
    const more: PhasePlan[] = [...phases.slice(0, 3), { ...phases[2]!, name: 'slow', startS: 35, durationS: 10 }];
    const flat = intervals.map((r) => (r.t >= 35 ? second(r.t, { phase: 'slow', ok: 100 }) : r));
    const net: FaultPlan = { atS: 38, durationS: 4, action: 'network', params: { latencyMs: 50, jitterMs: 0 } };
    const [kill, network] = analyzeFaults(input(more, flat, [fault(0, { atS: 30, action: 'kill-replica', params: { replica: 'any' } }, 30, 30.1), fault(1, net, 38, 42)], { compareWindowS: 6 }));
    // The kill's window ends at the failover's end (35 s): `after` goes on at the same rate, up to the network fault.
    expect(kill!.compareSpans).toEqual({ before: { startS: 24, endS: 30 }, after: { startS: 35, endS: 38 } });
    // The network fault's `before` starts where the kill's window ended, not inside it.
    expect(network!.compareSpans).toEqual({ before: { startS: 35, endS: 38 }, after: { startS: 42, endS: 45 } });
  });

  it('average an interrupted run\'s last second over the part of it that ran', () => {
    const phases = [phasePlan('steady', 0, 30)];
    // The run stopped at 12.5 s: second 12 has half a second's requests.
    const intervals = Array.from({ length: 13 }, (_, t) => second(t, { ok: t === 12 ? 50 : 100 }));
    const [kill] = analyzeFaults({ ...input(phases, intervals, [fault(0, KILL, 10, 10.1)]), measuredS: 12.5 });
    expect(kill!.window).toEqual({ startS: 10, endS: 12.5, endsAt: 'run-end' });
    expect(kill!.throughputRps.during).toBe(100);
    expect(kill!.offeredRps.during).toBe(100);
    expect(kill!.recovery).toMatchObject({ notSeen: 'too-short', note: 'not judged: only 2.5 s from 10 s to the end of the run (12.5 s), less than the 3 s recovery window' });
  });
});

describe('degradationOf', () => {
  it('splits requests into accepted, rejected (503 / UNAVAILABLE / RESOURCE_EXHAUSTED) and other failures', () => {
    const p = phaseResult(phasePlan('peak-5x', 0, 10), {
      sent: 1000,
      dropped: 10,
      ok: 600,
      errors: { HTTP_503: 300, GRPC_UNAVAILABLE: 50, GRPC_RESOURCE_EXHAUSTED: 10, TIMEOUT: 30, DROPPED: 10 },
      latencyUs: { count: 600, p50: 12_000, p90: 30_000, p95: 35_000, p99: 48_000, p999: 60_000, max: 70_000, mean: 15_000 },
    });
    expect(degradationOf(p)).toEqual({ accepted: 600, rejected: 360, otherFailed: 40, rejectedShare: 360 / 1010, acceptedLatencyUs: { p50: 12_000, p99: 48_000 } });
  });

  it('is all accepted for a healthy phase', () => {
    expect(degradationOf(phaseResult(phasePlan('steady', 0, 10)))).toMatchObject({ accepted: 1000, rejected: 0, otherFailed: 0, rejectedShare: 0 });
  });
});
