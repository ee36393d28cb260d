/**
 * Drill measurements, computed from results alone (per-second intervals, phases, the fault timeline and the
 * SLO), so a results.json can be analysed again later. Per fault: the requests that failed in its window (by
 * code), the worst latency there, throughput before/during/after, the time to recovery, the replacement's cold
 * start and lost requests. Per phase: how requests split between served and turned away (graceful degradation).
 *
 * Windows (docs/drills.md): a timed fault's window is [start, end]; an instantaneous fault's is [start, the next
 * fault's start or the end of the phase it started in, whichever comes first]. Intervals are whole seconds, so a
 * window covers every second it touches.
 */
import { decodeHistogram, newHistogram, summarize, type Histogram } from '../metrics/hdr.js';
import { DRILL_DEFAULTS } from '../scenario/parse-faults.js';
import type { DrillSpec, PhasePlan, SloSpec } from '../scenario/plan.js';
import {
  REJECTION_CODES,
  type Degradation,
  type FaultDrill,
  type FaultRecord,
  type IntervalResult,
  type PhaseResult,
  type RecoveryResult,
} from '../results/results-schema.js';

/** DrillInput is the part of a results file the analysis reads. */
export interface DrillInput {
  plan: { phases: PhasePlan[]; slo: SloSpec; durationS: number; drill?: DrillSpec };
  phases: PhaseResult[];
  intervals: IntervalResult[];
  faults: FaultRecord[];
}

/** Second is one second of the run, every phase's row added together. */
interface Second {
  t: number;
  offered: number;
  ok: number;
  errors: Record<string, number>;
  failed: number;
  p99Us: number;
  maxUs: number;
  /** The rows' compressed histograms ('' when a row has none). */
  histograms: string[];
}

/** analyzeFaults computes the drill measurements of every fault that started (null for those that never did). */
export function analyzeFaults(input: DrillInput): (FaultDrill | null)[] {
  const drill = input.plan.drill ?? DRILL_DEFAULTS;
  const seconds = bySecond(input.intervals);
  const runEndS = Math.min(input.plan.durationS, seconds.size > 0 ? maxOf(seconds.keys(), -Infinity) + 1 : input.plan.durationS);
  return input.faults.map((f) => (f.startedAtS === null ? null : analyzeFault(f, input, seconds, drill, runEndS)));
}

function analyzeFault(f: FaultRecord, input: DrillInput, seconds: Map<number, Second>, drill: DrillSpec, runEndS: number): FaultDrill {
  const startS = f.startedAtS!;
  const phaseIndex = phaseAt(input.plan.phases, startS);
  const phase = input.plan.phases[phaseIndex]!;
  const timed = f.durationS !== undefined;
  const nextFaultS = nextFaultAfter(input.faults, f, startS);
  let window: FaultDrill['window'];
  if (timed) window = { startS, endS: f.endedAtS ?? startS + f.durationS!, endsAt: 'fault-end' };
  else window = earliest(startS, [
    [nextFaultS, 'next-fault'],
    [phase.startS + phase.durationS, 'phase-end'],
    [runEndS, 'run-end'],
  ]);
  const inWindow = secondsTouching(seconds, window.startS, window.endS);
  const failedByCode: Record<string, number> = {};
  for (const s of inWindow) for (const [code, n] of Object.entries(s.errors)) failedByCode[code] = (failedByCode[code] ?? 0) + n;
  const before = secondsWithin(seconds, window.startS - drill.compareWindowS, window.startS);
  const after = secondsWithin(seconds, window.endS, window.endS + drill.compareWindowS);
  const touched = input.phases.filter((p) => p.startS < window.endS && p.startS + p.durationS > window.startS);
  return {
    window: { ...window, startS: round3(window.startS), endS: round3(window.endS) },
    phase: phase.name,
    failedByCode,
    failed: Object.values(failedByCode).reduce((a, b) => a + b, 0),
    worstP99Us: maxOf(inWindow.map((s) => s.p99Us), 0),
    worstMaxUs: maxOf(inWindow.map((s) => s.maxUs), 0),
    throughputRps: { before: mean(before, (s) => s.ok), during: mean(inWindow, (s) => s.ok), after: mean(after, (s) => s.ok) },
    offeredRps: { before: mean(before, (s) => s.offered), during: mean(inWindow, (s) => s.offered), after: mean(after, (s) => s.offered) },
    recovery: recovery(f, window, input, seconds, drill, runEndS, nextFaultS),
    coldStartMs: f.coldStartMs ?? null,
    lost: touched.reduce((n, p) => n + Math.max(0, p.sent - p.completed), 0),
  };
}

/**
 * recovery finds the first second from which the target stayed within its SLO: every later second without
 * errors and every window of `recoveryWindowS` seconds with a p99 within the threshold, up to the end of the
 * observation span (the next fault, or the end of the phase; the run's end at the latest). An instantaneous
 * fault is searched from its start (no visible effect: recovery 0), a timed one from its end.
 */
function recovery(f: FaultRecord, window: FaultDrill['window'], input: DrillInput, seconds: Map<number, Second>, drill: DrillSpec, runEndS: number, nextFaultS: number | undefined): RecoveryResult {
  const timed = f.durationS !== undefined;
  const fromS = timed ? window.endS : window.startS;
  let horizonS = window.endS;
  if (timed) {
    // The phase the fault ended in; a fault that ends exactly at a phase's end is followed into the next phase.
    const p = input.plan.phases[phaseAt(input.plan.phases, fromS)]!;
    horizonS = Math.min(runEndS, p.startS + p.durationS, nextFaultS !== undefined && nextFaultS > fromS ? nextFaultS : Infinity);
  }
  const limitMs = p99Limit(input.plan, phaseAt(input.plan.phases, fromS));
  const W = drill.recoveryWindowS;
  const base = { fromS: round3(fromS), windowS: W, p99LimitMs: limitMs ?? null };
  const first = Math.floor(fromS);
  const last = Math.floor(horizonS + 1e-9) - 1; // seconds wholly before the horizon
  if (last - first + 1 < W) {
    return { ...base, recoveredAtS: null, recoveryS: null, note: `not observed: ${round3(Math.max(0, horizonS - fromS))} s until the next fault or the end of the phase, less than the ${W} s window` };
  }
  const span = Array.from({ length: last - first + 1 }, (_, i) => seconds.get(first + i));
  const p99s = windowP99s(span, W);
  // From the back: every second from i on is free of errors, and every window starting at i or later is within the limit.
  const n = span.length;
  const goodFrom: boolean[] = new Array<boolean>(n + 1).fill(true);
  for (let i = n - 1; i >= 0; i--) {
    const errorFree = (span[i]?.failed ?? 0) === 0;
    const windowOk = i > n - W || limitMs === undefined || p99s[i]! <= limitMs * 1000;
    goodFrom[i] = goodFrom[i + 1]! && errorFree && windowOk;
  }
  for (let i = 0; i <= n - W; i++) {
    if (!goodFrom[i]) continue;
    const at = Math.max(fromS, first + i);
    return { ...base, recoveredAtS: round3(at), recoveryS: round3(at - fromS), ...(limitMs === undefined && { note: 'no p99 threshold in the SLO: only errors were checked' }) };
  }
  return { ...base, recoveredAtS: null, recoveryS: null, note: `not recovered before ${round3(horizonS)} s (the next fault or the end of the phase)` };
}

/**
 * windowP99s is the p99 of each window of `w` seconds starting at each index: exact, from the seconds' merged
 * histograms, slid one second at a time (add the new second, subtract the oldest). Without histograms (results
 * written while the run went) it falls back to the worst per-second p99 of the window, which is never lower.
 */
function windowP99s(span: (Second | undefined)[], w: number): number[] {
  const out: number[] = [];
  const exact = span.every((s) => s === undefined || s.histograms.every((h) => h !== ''));
  if (!exact) {
    for (let i = 0; i + w <= span.length; i++) out.push(maxOf(span.slice(i, i + w).map((s) => s?.p99Us ?? 0), 0));
    return out;
  }
  const acc = newHistogram();
  const queue: Histogram[] = [];
  for (let i = 0; i < span.length; i++) {
    const h = newHistogram();
    for (const enc of span[i]?.histograms ?? []) h.add(decodeHistogram(enc));
    acc.add(h);
    queue.push(h);
    if (queue.length > w) acc.subtract(queue.shift()!);
    if (queue.length === w) out.push(summarize(acc).p99);
  }
  return out;
}

/** degradationOf splits a phase's requests into accepted, rejected (REJECTION_CODES) and other failures. */
export function degradationOf(p: PhaseResult): Degradation {
  const rejected = REJECTION_CODES.reduce((n, code) => n + (p.errors[code] ?? 0), 0);
  const failed = Object.values(p.errors).reduce((a, b) => a + b, 0);
  const attempted = p.sent + p.dropped;
  return {
    accepted: p.ok,
    rejected,
    otherFailed: failed - rejected,
    rejectedShare: attempted > 0 ? rejected / attempted : 0,
    acceptedLatencyUs: { p50: p.latencyUs.p50, p99: p.latencyUs.p99 },
  };
}

function bySecond(intervals: IntervalResult[]): Map<number, Second> {
  const out = new Map<number, Second>();
  for (const r of intervals) {
    let s = out.get(r.t);
    if (!s) out.set(r.t, (s = { t: r.t, offered: 0, ok: 0, errors: {}, failed: 0, p99Us: 0, maxUs: 0, histograms: [] }));
    s.offered += r.offeredRps;
    s.ok += r.okRps;
    for (const [code, n] of Object.entries(r.errors)) {
      s.errors[code] = (s.errors[code] ?? 0) + n;
      s.failed += n;
    }
    s.p99Us = Math.max(s.p99Us, r.latencyUs.p99);
    s.maxUs = Math.max(s.maxUs, r.latencyUs.max);
    if (r.latencyUs.count > 0) s.histograms.push(r.histogram ?? '');
  }
  return out;
}

/** secondsTouching lists the seconds that overlap [startS, endS) (at least the second startS falls in). */
function secondsTouching(seconds: Map<number, Second>, startS: number, endS: number): Second[] {
  const out: Second[] = [];
  for (let t = Math.floor(startS); t < Math.max(endS, Math.floor(startS) + 1); t++) {
    const s = seconds.get(t);
    if (s) out.push(s);
  }
  return out;
}

/** secondsWithin lists the seconds wholly inside [startS, endS). */
function secondsWithin(seconds: Map<number, Second>, startS: number, endS: number): Second[] {
  const out: Second[] = [];
  for (let t = Math.ceil(Math.max(0, startS)); t + 1 <= endS + 1e-9; t++) {
    const s = seconds.get(t);
    if (s) out.push(s);
  }
  return out;
}

/** phaseAt is the index of the phase running at t (the last phase after the run's end). */
function phaseAt(phases: PhasePlan[], t: number): number {
  const i = phases.findIndex((p) => t >= p.startS && t < p.startS + p.durationS);
  return i >= 0 ? i : Math.max(0, phases.length - 1);
}

/** p99Limit is the p99 threshold of a phase: its SLO's, or the scenario's when the phase is not checked (slo: off). */
function p99Limit(plan: DrillInput['plan'], phase: number): number | undefined {
  const slo = plan.phases[phase]?.slo;
  return slo === null || slo === undefined ? plan.slo.p99Ms : slo.p99Ms;
}

function nextFaultAfter(faults: FaultRecord[], f: FaultRecord, startS: number): number | undefined {
  let next: number | undefined;
  for (const g of faults) {
    // A fault that never started (the run ended first) bounds nothing.
    if (g === f || g.startedAtS === null) continue;
    const s = g.startedAtS;
    if (s > startS && (next === undefined || s < next)) next = s;
  }
  return next;
}

function earliest(startS: number, ends: [number | undefined, FaultDrill['window']['endsAt']][]): FaultDrill['window'] {
  let best: FaultDrill['window'] | undefined;
  for (const [endS, endsAt] of ends) if (endS !== undefined && endS > startS && (!best || endS < best.endS)) best = { startS, endS, endsAt };
  return best ?? { startS, endS: startS, endsAt: 'run-end' };
}

function mean(seconds: Second[], f: (s: Second) => number): number | null {
  return seconds.length === 0 ? null : round3(seconds.reduce((n, s) => n + f(s), 0) / seconds.length);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** maxOf is the largest value, or `floor` when it is larger (a loop: run-length arrays must never be spread into a call). */
function maxOf(values: Iterable<number>, floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}
