/**
 * The run's seconds as the drill analysis reads them: every phase's per-second row of a second added together,
 * and the helpers that pick the seconds of a span and the phase running at a time.
 */
import type { PhasePlan } from '../scenario/plan.js';
import type { IntervalResult } from '../results/results-schema.js';

/** Second is one second of the run, every phase's row added together. */
export interface Second {
  t: number;
  offered: number;
  ok: number;
  errors: Record<string, number>;
  failed: number;
  p99Us: number;
  maxUs: number;
  /** The rows' compressed histograms ('' when a row has none). */
  histograms: string[];
  /** LLM targets: the worst TTFT p99 of the second's rows with token data (µs; absent: none), and their output tokens. */
  ttftP99Us?: number;
  outputTokens?: number;
}

/** bySecond adds up the per-second rows of every phase by second. */
export function bySecond(intervals: IntervalResult[]): Map<number, Second> {
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
    if (r.tokens) {
      s.outputTokens = (s.outputTokens ?? 0) + r.tokens.outputTokens;
      if (r.tokens.requests > 0) s.ttftP99Us = Math.max(s.ttftP99Us ?? 0, r.tokens.ttftUs.p99);
    }
  }
  return out;
}

/** secondsTouching lists the seconds that overlap [startS, endS) (at least the second startS falls in). */
export function secondsTouching(seconds: Map<number, Second>, startS: number, endS: number): Second[] {
  const out: Second[] = [];
  for (let t = Math.floor(startS); t < Math.max(endS, Math.floor(startS) + 1); t++) {
    const s = seconds.get(t);
    if (s) out.push(s);
  }
  return out;
}

/** secondsWithin lists the seconds wholly inside [startS, endS). */
export function secondsWithin(seconds: Map<number, Second>, startS: number, endS: number): Second[] {
  const out: Second[] = [];
  for (let t = Math.ceil(Math.max(0, startS) - 1e-9); t + 1 <= endS + 1e-9; t++) {
    const s = seconds.get(t);
    if (s) out.push(s);
  }
  return out;
}

/** phaseAt is the index of the phase running at t (the last phase after the run's end). */
export function phaseAt(phases: PhasePlan[], t: number): number {
  const i = phases.findIndex((p) => t >= p.startS && t < p.startS + p.durationS);
  return i >= 0 ? i : Math.max(0, phases.length - 1);
}

/** round3 rounds to milliseconds. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** maxOf is the largest value, or `floor` when it is larger (a loop: run-length arrays must never be spread into a call). */
export function maxOf(values: Iterable<number>, floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}
