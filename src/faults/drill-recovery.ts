/**
 * Recovery after a fault: the first second from which the target stayed within its SLO (every later second
 * without errors, every window of `recovery_window` seconds with its p99 within the threshold) up to the end of
 * the observation span. When it was not seen, the result says why, in a word (`notSeen`) and in a sentence (`note`).
 */
import { decodeHistogram, newHistogram, summarize, type Histogram } from '../metrics/hdr.js';
import type { PhasePlan, SloSpec } from '../scenario/plan.js';
import type { RecoveryResult } from '../results/results-schema.js';
import { round3, type Second } from './drill-seconds.js';

/** NOT_SEEN_TEXT says in a few words why recovery was not seen (RecoveryResult.notSeen), for tables: the summary's and the reports'. */
export const NOT_SEEN_TEXT: Record<NonNullable<RecoveryResult['notSeen']>, string> = { 'too-short': 'too short to tell', errors: 'still failing', p99: 'p99 over SLO' };

/** RecoverySpan is where recovery is searched: from `fromS` up to `horizonS`, which is `horizon` (in words). */
export interface RecoverySpan {
  fromS: number;
  horizonS: number;
  /** What ends the span: "the next fault", "the end of the phase", "the end of the run". */
  horizon: string;
  /** The p99 threshold (ms); undefined: only errors are checked. */
  limitMs: number | undefined;
  windowS: number;
  /** The figure judged, in notes (default `p99`: request latency; `TTFT p99` reads Second.p99Us as TTFT's). */
  figure?: string;
}

/**
 * recoveryIn searches the span: an instantaneous fault is searched from its start (no visible effect: recovery
 * 0), a timed one from its end. Only seconds wholly before the horizon count.
 */
export function recoveryIn(seconds: Map<number, Second>, span: RecoverySpan): RecoveryResult {
  const { fromS, horizonS, limitMs, windowS: W } = span;
  const base = { fromS: round3(fromS), windowS: W, p99LimitMs: limitMs ?? null };
  const first = Math.floor(fromS);
  const last = Math.floor(horizonS + 1e-9) - 1;
  if (last - first + 1 < W) {
    const left = round3(Math.max(0, horizonS - fromS));
    return { ...base, recoveredAtS: null, recoveryS: null, notSeen: 'too-short', note: `not judged: only ${left} s from ${round3(fromS)} s to ${span.horizon} (${round3(horizonS)} s), less than the ${W} s recovery window` };
  }
  const secs = Array.from({ length: last - first + 1 }, (_, i) => seconds.get(first + i));
  const figure = span.figure ?? 'p99';
  const p99s = windowP99s(secs, W, figure !== 'p99');
  // From the back: every second from i on is free of errors, and every window starting at i or later is within the limit.
  const n = secs.length;
  const over = (i: number): boolean => i <= n - W && limitMs !== undefined && p99s[i]! > limitMs * 1000;
  const goodFrom: boolean[] = new Array<boolean>(n + 1).fill(true);
  for (let i = n - 1; i >= 0; i--) goodFrom[i] = goodFrom[i + 1]! && (secs[i]?.failed ?? 0) === 0 && !over(i);
  for (let i = 0; i <= n - W; i++) {
    if (!goodFrom[i]) continue;
    const at = Math.max(fromS, first + i);
    return { ...base, recoveredAtS: round3(at), recoveryS: round3(at - fromS), ...(limitMs === undefined && { note: figure === 'p99' ? 'no p99 threshold in the SLO: only errors were checked' : `no ${figure} threshold: only errors were checked` }) };
  }
  // Not recovered: name the latest trouble, errors or a slow window.
  let lastErr = -1;
  let lastSlow = -1;
  for (let i = 0; i < n; i++) {
    if ((secs[i]?.failed ?? 0) > 0) lastErr = i;
    if (over(i)) lastSlow = i;
  }
  const by = `not recovered by ${round3(horizonS)} s (${span.horizon})`;
  if (lastErr >= lastSlow) {
    return { ...base, recoveredAtS: null, recoveryS: null, notSeen: 'errors', note: `${by}: ${secs[lastErr]!.failed} request(s) failed in the second from ${first + lastErr} s` };
  }
  const p99Ms = Math.round(p99s[lastSlow]! / 100) / 10;
  return { ...base, recoveredAtS: null, recoveryS: null, notSeen: 'p99', note: `${by}: the ${W} s window from ${first + lastSlow} s had ${figure} ${p99Ms} ms, over the ${limitMs} ms limit` };
}

/** p99Limit is the p99 threshold of a phase: its SLO's, or the scenario's when the phase is not checked (slo: off). */
export function p99Limit(plan: { phases: PhasePlan[]; slo: SloSpec }, phase: number): number | undefined {
  const slo = plan.phases[phase]?.slo;
  return slo === null || slo === undefined ? plan.slo.p99Ms : slo.p99Ms;
}

/**
 * windowP99s is the p99 of each window of `w` seconds starting at each index: exact, from the seconds' merged
 * histograms, slid one second at a time (add the new second, subtract the oldest). Without histograms (results
 * written while the run went, or `perSecond`: a figure whose histograms are not in results.json) it falls back to
 * the worst per-second p99 of the window, which is never lower.
 */
function windowP99s(span: (Second | undefined)[], w: number, perSecond: boolean): number[] {
  const out: number[] = [];
  const exact = !perSecond && span.every((s) => s === undefined || s.histograms.every((h) => h !== ''));
  if (!exact) {
    for (let i = 0; i + w <= span.length; i++) {
      let worst = 0;
      for (let j = i; j < i + w; j++) worst = Math.max(worst, span[j]?.p99Us ?? 0);
      out.push(worst);
    }
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
