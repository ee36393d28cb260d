/**
 * StallLog collects the stall watchdog's seconds (src/load/stall-watchdog.ts) and the load workers' late sends, and
 * says how many late sends the machine's stalls explain: a send more than 1 ms late is "in a stall" when at least
 * half of its lateness (intended → actual send time) fell within stalls of the watchdog, a thread of the same
 * process that only sleeps 1 ms at a time at the same priority. Such a send was late because nothing of the
 * process could run (a descheduled VM, a busy kernel, real-time throttling), not because of the generator's load
 * or the target. Both lists are bounded: stalls beyond MAX_STALL_SPANS and late sends beyond MAX_LATE_SPANS are
 * counted but not matched (those late sends count as not in a stall).
 */
import type { StallSecondReport } from '../load/messages.js';

/** MAX_STALL_SPANS bounds the watchdog stalls kept for matching. */
export const MAX_STALL_SPANS = 20_000;
/** MAX_LATE_SPANS bounds the late sends kept for matching. */
export const MAX_LATE_SPANS = 20_000;

/** StallSecond is one second of the run in which the watchdog stalled. */
export interface StallSecond {
  t: number;
  stalls: number;
  stalledUs: number;
  maxUs: number;
  /** Late sends of this second (the second they were sent in) that were in a stall. */
  lateSendsInStalls: number;
}

/** GeneratorStalls is results.json's `generator.stalls` (docs/results.md). */
export interface GeneratorStalls {
  /** How the watchdog thread ran: as the load workers' sending threads, or `off` when it did not run. */
  watchdog: 'realtime' | 'high-priority' | 'normal' | 'off';
  sleepUs: number;
  thresholdUs: number;
  wakeups: number;
  stalls: number;
  stalledUs: number;
  maxUs: number;
  /** Late sends after the run's first second (the ones the validity check counts), and how many were in a stall. */
  checkedLateSends: number;
  checkedLateSendsInStalls: number;
  /** Late sends in a stall, the first second included. */
  lateSendsInStalls: number;
  /** The seconds with at least one stall. */
  seconds: StallSecond[];
}

/** StallLog is the run's record of machine stalls and late sends. */
export class StallLog {
  private readonly seconds = new Map<number, Omit<StallSecond, 'lateSendsInStalls'>>();
  /** Stall spans [due, woke] in µs from the run's start, flattened, in the order the watchdog saw them. */
  private readonly stallSpans: number[] = [];
  /** Late sends [intended, sent] in µs from the run's start, flattened. */
  private readonly lateSpans: number[] = [];
  private wakeups = 0;
  /** Every late send after the first second, kept for matching or not. */
  private checkedLate = 0;

  constructor(
    readonly sleepUs: number,
    readonly thresholdUs: number,
  ) {}

  /** addSecond records one second the watchdog reported. */
  addSecond(r: StallSecondReport): void {
    this.wakeups += r.wakeups;
    if (r.stalls === 0) return;
    const s = this.seconds.get(r.t) ?? { t: r.t, stalls: 0, stalledUs: 0, maxUs: 0 };
    s.stalls += r.stalls;
    s.stalledUs += r.stalledUs;
    s.maxUs = Math.max(s.maxUs, r.maxUs);
    this.seconds.set(r.t, s);
    for (let i = 0; i + 1 < r.spans.length && this.stallSpans.length < 2 * MAX_STALL_SPANS; i += 2) this.stallSpans.push(r.spans[i]!, r.spans[i + 1]!);
  }

  /** addLateSends records late sends, as [intended, sent] pairs in µs from the run's start. */
  addLateSends(pairs: ArrayLike<number>): void {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      if (pairs[i + 1]! >= 1e6) this.checkedLate++;
      if (this.lateSpans.length < 2 * MAX_LATE_SPANS) this.lateSpans.push(pairs[i]!, pairs[i + 1]!);
    }
  }

  /** summary matches late sends with stalls; `watchdog` says how the watchdog ran. */
  summary(watchdog: GeneratorStalls['watchdog']): GeneratorStalls {
    const stalls = this.sortedStalls();
    const inStallsBySecond = new Map<number, number>();
    let checkedIn = 0;
    let allIn = 0;
    for (let i = 0; i + 1 < this.lateSpans.length; i += 2) {
      const intended = this.lateSpans[i]!;
      const sent = this.lateSpans[i + 1]!;
      const second = Math.max(0, Math.floor(sent / 1e6));
      if (overlap(stalls, intended, sent) * 2 < sent - intended) continue;
      allIn++;
      if (second > 0) checkedIn++;
      inStallsBySecond.set(second, (inStallsBySecond.get(second) ?? 0) + 1);
    }
    const seconds = [...this.seconds.values()].sort((a, b) => a.t - b.t).map((s) => ({ ...s, lateSendsInStalls: inStallsBySecond.get(s.t) ?? 0 }));
    let stalledUs = 0;
    let maxUs = 0;
    let count = 0;
    for (const s of seconds) {
      count += s.stalls;
      stalledUs += s.stalledUs;
      maxUs = Math.max(maxUs, s.maxUs);
    }
    return {
      watchdog,
      sleepUs: this.sleepUs,
      thresholdUs: this.thresholdUs,
      wakeups: this.wakeups,
      stalls: count,
      stalledUs,
      maxUs,
      checkedLateSends: this.checkedLate,
      checkedLateSendsInStalls: checkedIn,
      lateSendsInStalls: allIn,
      seconds,
    };
  }

  /** sortedStalls returns the stall spans as [start, end] pairs sorted by start, overlaps merged. */
  private sortedStalls(): [number, number][] {
    const spans: [number, number][] = [];
    for (let i = 0; i + 1 < this.stallSpans.length; i += 2) spans.push([this.stallSpans[i]!, this.stallSpans[i + 1]!]);
    spans.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    }
    return merged;
  }
}

/** overlap is how much of [from, to] the sorted, disjoint spans cover. */
function overlap(spans: [number, number][], from: number, to: number): number {
  // The first span that ends after `from` (binary search on ends, which are sorted as the spans are disjoint).
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]![1] <= from) lo = mid + 1;
    else hi = mid;
  }
  let covered = 0;
  for (let i = lo; i < spans.length && spans[i]![0] < to; i++) covered += Math.min(to, spans[i]![1]) - Math.max(from, spans[i]![0]);
  return covered;
}
