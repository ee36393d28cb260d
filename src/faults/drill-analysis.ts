/**
 * Drill measurements, computed from results alone (per-second intervals, phases, the fault timeline and the
 * SLO), so a results.json can be analysed again later. Per fault: the requests that failed in its window (by
 * code), the worst latency there, throughput before/during/after, the time to recovery (drill-recovery.ts), the
 * replacement's cold start and lost requests; for LLM targets also TTFT against its pre-fault baseline, streams cut
 * and tokens lost (drill-tokens.ts). Per phase, graceful degradation is in degradation.ts.
 *
 * Windows (docs/drills.md): a timed fault's window is [start, end]; an instantaneous fault's is [start, the next
 * fault's start or the end of the phase it started in, whichever comes first]. Intervals are whole seconds, so a
 * window covers every second it touches. The comparison spans before and after a window are compare_window long,
 * clipped so that they never reach into a phase of another load, nor into another fault's window (see compareSpans).
 */
import { DRILL_DEFAULTS } from '../scenario/parse-faults.js';
import type { DrillSpec, LoadSpec, PhasePlan, SloSpec } from '../scenario/plan.js';
import type { FaultDrill, FaultRecord, IntervalResult, PhaseResult } from '../results/results-schema.js';
import { p99Limit, recoveryIn } from './drill-recovery.js';
import { drillTokens } from './drill-tokens.js';
import { bySecond, maxOf, phaseAt, round3, secondsTouching, secondsWithin, type Second } from './drill-seconds.js';

export { degradationOf } from './degradation.js';

/** DrillInput is the part of a results file the analysis reads. */
export interface DrillInput {
  plan: { phases: PhasePlan[]; slo: SloSpec; durationS: number; drill?: DrillSpec };
  phases: PhaseResult[];
  intervals: IntervalResult[];
  faults: FaultRecord[];
  /** How far the run went (seconds): an interrupted run's stop; absent or the plan's length when it ran to its end. */
  measuredS?: number;
}

/** Span is [startS, endS) in seconds from the run's start. */
type Span = { startS: number; endS: number };

/** analyzeFaults computes the drill measurements of every fault that started (null for those that never did). */
export function analyzeFaults(input: DrillInput): (FaultDrill | null)[] {
  const drill = input.plan.drill ?? DRILL_DEFAULTS;
  const seconds = bySecond(input.intervals);
  const lastSecondEnd = seconds.size > 0 ? maxOf(seconds.keys(), -Infinity) + 1 : input.plan.durationS;
  const runEndS = Math.min(input.plan.durationS, input.measuredS ?? Infinity, lastSecondEnd);
  const windows = input.faults.map((f) => (f.startedAtS === null ? null : windowOf(f, input, runEndS)));
  return input.faults.map((f, i) => (windows[i] ? analyzeFault(f, windows[i], { input, seconds, drill, runEndS, windows }) : null));
}

interface Context {
  input: DrillInput;
  seconds: Map<number, Second>;
  drill: DrillSpec;
  runEndS: number;
  /** Every fault's window (null: it never started). */
  windows: (FaultDrill['window'] | null)[];
}

function windowOf(f: FaultRecord, input: DrillInput, runEndS: number): FaultDrill['window'] {
  const startS = f.startedAtS!;
  if (f.durationS !== undefined) return { startS, endS: f.endedAtS ?? startS + f.durationS, endsAt: 'fault-end' };
  const phase = input.plan.phases[phaseAt(input.plan.phases, startS)]!;
  return earliest(startS, [
    [nextFaultAfter(input.faults, f, startS), 'next-fault'],
    [phase.startS + phase.durationS, 'phase-end'],
    [runEndS, 'run-end'],
  ]);
}

function analyzeFault(f: FaultRecord, window: FaultDrill['window'], ctx: Context): FaultDrill {
  const { input, seconds, runEndS } = ctx;
  const phase = input.plan.phases[phaseAt(input.plan.phases, window.startS)]!;
  const inWindow = secondsTouching(seconds, window.startS, Math.min(window.endS, runEndS));
  const failedByCode: Record<string, number> = {};
  for (const s of inWindow) for (const [code, n] of Object.entries(s.errors)) failedByCode[code] = (failedByCode[code] ?? 0) + n;
  const spans = compareSpans(f, window, ctx);
  const within = (span: Span | null): Second[] => (span ? secondsWithin(seconds, span.startS, span.endS) : []);
  const [before, after] = [within(spans.before), within(spans.after)];
  const rate = (secs: Second[], v: (s: Second) => number): number | null => perSecondOfRun(secs, v, runEndS);
  const touched = input.phases.filter((p) => p.startS < window.endS && p.startS + p.durationS > window.startS);
  const search = recoverySpan(f, window, ctx);
  const tokens = drillTokens({ all: seconds, window: inWindow, before, after, rate }, failedByCode, search);
  return {
    window: { ...window, startS: round3(window.startS), endS: round3(window.endS) },
    phase: phase.name,
    failedByCode,
    failed: Object.values(failedByCode).reduce((a, b) => a + b, 0),
    worstP99Us: maxOf(inWindow.map((s) => s.p99Us), 0),
    worstMaxUs: maxOf(inWindow.map((s) => s.maxUs), 0),
    throughputRps: { before: rate(before, (s) => s.ok), during: rate(inWindow, (s) => s.ok), after: rate(after, (s) => s.ok) },
    offeredRps: { before: rate(before, (s) => s.offered), during: rate(inWindow, (s) => s.offered), after: rate(after, (s) => s.offered) },
    compareSpans: { before: roundSpan(spans.before), after: roundSpan(spans.after) },
    recovery: recoveryIn(seconds, search),
    coldStartMs: f.coldStartMs ?? null,
    lost: touched.reduce((n, p) => n + Math.max(0, p.sent - p.completed), 0),
    ...(tokens && { tokens }),
  };
}

/**
 * compareSpans are the seconds throughput is compared over: compare_window seconds before the fault's window and
 * after it, each clipped to the phases around it that run the fault's load (the same constant rate, or the same
 * concurrency), to the run's end, and to other faults: `before` starts no earlier than the end of a fault window
 * that ended before this fault started, `after` ends no later than the start of a fault that starts after this
 * window's end. (A kill's window ends where its restore starts; so the kill's `after` is the state after the restore.)
 */
function compareSpans(f: FaultRecord, window: FaultDrill['window'], ctx: Context): { before: Span | null; after: Span | null } {
  const phases = ctx.input.plan.phases;
  const C = ctx.drill.compareWindowS;
  const at = phaseAt(phases, window.startS);
  let lo = Math.max(0, window.startS - C, sameLoadStart(phases, at));
  let hi = Math.min(window.endS + C, ctx.runEndS);
  // `after` follows the phase the window ends in while the load is the fault's phase's.
  const endPhase = phaseAt(phases, Math.max(window.startS, window.endS - 1e-6));
  hi = sameLoad(phases[endPhase]!.load, phases[at]!.load) ? Math.min(hi, sameLoadEnd(phases, endPhase)) : Math.min(hi, window.endS);
  ctx.windows.forEach((w, i) => {
    if (!w || ctx.input.faults[i] === f) return;
    if (w.endS < window.startS) lo = Math.max(lo, w.endS);
    if (w.startS > window.endS) hi = Math.min(hi, w.startS);
  });
  return { before: lo < window.startS ? { startS: lo, endS: window.startS } : null, after: hi > window.endS ? { startS: window.endS, endS: hi } : null };
}

/** recoverySpan is where recovery after a fault is searched: to the end of its window (instantaneous), or from a timed fault's end to the next fault or the end of the phase it ended in. */
function recoverySpan(f: FaultRecord, window: FaultDrill['window'], ctx: Context): Parameters<typeof recoveryIn>[1] {
  const phases = ctx.input.plan.phases;
  const timed = f.durationS !== undefined;
  const fromS = timed ? window.endS : window.startS;
  let end: [number, string] = [window.endS, HORIZON[window.endsAt]];
  if (timed) {
    // The phase the fault ended in; a fault that ends exactly at a phase's end is followed into the next phase.
    const p = phases[phaseAt(phases, fromS)]!;
    const next = nextFaultAfter(ctx.input.faults, f, f.startedAtS!);
    end = [ctx.runEndS, HORIZON['run-end']];
    if (p.startS + p.durationS < end[0]) end = [p.startS + p.durationS, HORIZON['phase-end']];
    if (next !== undefined && next > fromS && next < end[0]) end = [next, HORIZON['next-fault']];
  }
  return { fromS, horizonS: end[0], horizon: end[1], limitMs: p99Limit(ctx.input.plan, phaseAt(phases, fromS)), windowS: ctx.drill.recoveryWindowS };
}

const HORIZON: Record<FaultDrill['window']['endsAt'], string> = { 'fault-end': 'the end of the fault', 'next-fault': 'the next fault', 'phase-end': 'the end of the phase', 'run-end': 'the end of the run' };

/** sameLoad tells whether two phases offer the same load: the same constant rate (any arrival process), or the same concurrency. */
function sameLoad(a: LoadSpec, b: LoadSpec): boolean {
  if (a.kind === 'closed') return b.kind === 'closed' && a.concurrency === b.concurrency;
  return b.kind === 'open' && a.shape.type === 'constant' && b.shape.type === 'constant' && a.shape.rps === b.shape.rps;
}

function sameLoadStart(phases: PhasePlan[], i: number): number {
  let j = i;
  while (j > 0 && sameLoad(phases[j - 1]!.load, phases[i]!.load)) j--;
  return phases[j]!.startS;
}

function sameLoadEnd(phases: PhasePlan[], i: number): number {
  let j = i;
  while (j + 1 < phases.length && sameLoad(phases[j + 1]!.load, phases[i]!.load)) j++;
  return phases[j]!.startS + phases[j]!.durationS;
}

/** perSecondOfRun is the mean per second of `v` over the seconds, counting the run's last second only for the part of it that ran (an interrupted run). */
function perSecondOfRun(seconds: Second[], v: (s: Second) => number, runEndS: number): number | null {
  let sum = 0;
  let covered = 0;
  for (const s of seconds) {
    sum += v(s);
    covered += Math.min(1, Math.max(0, runEndS - s.t));
  }
  return covered > 0 ? round3(sum / covered) : null;
}

function roundSpan(s: Span | null): Span | null {
  return s && { startS: round3(s.startS), endS: round3(s.endS) };
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
