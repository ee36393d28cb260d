/**
 * IntervalRecorder accumulates what one load worker saw, per second of the run and per phase, and hands out
 * each second once it is over. Counts of scheduled and sent requests go to the second they were sent in;
 * outcomes to the second they completed in (as HdrHistogram interval logs do); every request belongs to the
 * phase of its intended send time. Latency is measured from the intended send time (no coordinated omission),
 * service time from the actual send, send lag is actual minus intended.
 *
 * Subtleness ahead: the worker keeps raw microsecond values, not histograms. Encoding four HDR histograms
 * takes about 2 ms of JavaScript, which on the sending thread would make that many sends late every second;
 * the run's main thread records the values into histograms instead (exactly the same values, so merges stay exact).
 * Successful LLM responses also feed the cell's token side (token-recorder.ts): TTFT from the intended send time,
 * TPOT, token counts, every inter-token gap, and goodput judged per request against the phase's thresholds.
 */
import type { Outcome } from '../targets/client.js';
import { type GoodputCriteria, TokenCell, type TokenSnapshot } from './token-recorder.js';

/** LATE_US is how late a send may go out before it counts as late (1 ms). */
export const LATE_US = 1000;

/** Counts are the request counts kept for a cell, a phase, an interval or the run. */
export interface Counts {
  scheduled: number;
  sent: number;
  /** Due while max_in_flight requests were outstanding: never sent. */
  dropped: number;
  /** Sends that went out more than LATE_US after their intended time. */
  late: number;
  /** Responses that completed OK. */
  ok: number;
  /** Failed outcomes by code (HTTP_503, TIMEOUT, …), DROPPED included. */
  errors: Record<string, number>;
}

/** IntervalSnapshot is one (second, phase) cell, with its raw values, on its way to the run's main thread. */
export interface IntervalSnapshot extends Counts {
  /** Whole seconds since the run's start. */
  second: number;
  phase: number;
  /** Intended send → completion, OK responses only (µs, rounded). */
  latency: Float64Array;
  /** Actual send → completion, OK responses only (µs). */
  service: Float64Array;
  /** Actual − intended send time, every sent request (µs). */
  lag: Float64Array;
  /** Actual send → first response byte, OK responses only (µs). */
  ttfb: Float64Array;
  /** Each late send as [intended, actual] send time, in µs from the run's start (matched with machine stalls). */
  lateSpans: Float64Array;
  /** What successful LLM responses said (token-recorder.ts); absent when none carried tokens. */
  tokens?: TokenSnapshot;
}

interface Cell extends Counts {
  tokens?: TokenCell;
  latency: number[];
  service: number[];
  lag: number[];
  ttfb: number[];
  lateSpans: number[];
}

/**
 * IntervalRecorder records one worker's events; `startUs` is the run's start on this thread's nowUs clock, and
 * `goodput` each phase's per-request thresholds (token-recorder.ts goodputCriteria; none: every success is good).
 */
export class IntervalRecorder {
  private readonly cells = new Map<number, Map<number, Cell>>();

  constructor(
    private readonly startUs: number,
    private readonly goodput: readonly GoodputCriteria[] = [],
  ) {}

  /** scheduled counts `n` requests (default 1) due at atUs (or given up then: see Dispatcher). */
  scheduled(phase: number, atUs: number, n = 1): void {
    this.cell(atUs, phase).scheduled += n;
  }

  /** sent records a request handed to the client at sentUs, intended for intendedUs. */
  sent(phase: number, intendedUs: number, sentUs: number): void {
    const c = this.cell(sentUs, phase);
    c.sent++;
    const lag = sentUs - intendedUs;
    if (lag > LATE_US) {
      c.late++;
      c.lateSpans.push(intendedUs - this.startUs, sentUs - this.startUs);
    }
    c.lag.push(Math.round(lag));
  }

  /** dropped records `n` requests (default 1) that were never sent: due while max_in_flight were outstanding (or given up, see Dispatcher). */
  dropped(phase: number, atUs: number, n = 1): void {
    if (n <= 0) return;
    const c = this.cell(atUs, phase);
    c.dropped += n;
    c.errors['DROPPED'] = (c.errors['DROPPED'] ?? 0) + n;
  }

  /** droppedIn records `n` requests scheduled and dropped in the given second (a backlog dropped in bulk). */
  droppedIn(phase: number, second: number, n: number): void {
    if (n <= 0) return;
    const c = this.cellAt(second, phase);
    c.scheduled += n;
    c.dropped += n;
    c.errors['DROPPED'] = (c.errors['DROPPED'] ?? 0) + n;
  }

  /** outcome records a request's result. */
  outcome(phase: number, intendedUs: number, o: Outcome): void {
    const c = this.cell(o.doneUs, phase);
    if (o.code === 'OK') {
      c.ok++;
      c.latency.push(Math.round(o.doneUs - intendedUs));
      c.service.push(Math.round(o.doneUs - o.sentUs));
      if (o.firstByteUs !== undefined) c.ttfb.push(Math.round(o.firstByteUs - o.sentUs));
      if (o.tokens) (c.tokens ??= new TokenCell()).add(intendedUs, o as Outcome & { tokens: NonNullable<Outcome['tokens']> }, this.goodput[phase] ?? {});
    } else {
      c.errors[o.code] = (c.errors[o.code] ?? 0) + 1;
    }
  }

  /** take removes and returns every cell of a second before `beforeSecond` (all cells when undefined). */
  take(beforeSecond?: number): IntervalSnapshot[] {
    const out: IntervalSnapshot[] = [];
    for (const [second, phases] of [...this.cells].sort((a, b) => a[0] - b[0])) {
      if (beforeSecond !== undefined && second >= beforeSecond) continue;
      for (const [phase, c] of phases) {
        out.push({
          second,
          phase,
          scheduled: c.scheduled,
          sent: c.sent,
          dropped: c.dropped,
          late: c.late,
          ok: c.ok,
          errors: c.errors,
          latency: Float64Array.from(c.latency),
          service: Float64Array.from(c.service),
          lag: Float64Array.from(c.lag),
          ttfb: Float64Array.from(c.ttfb),
          lateSpans: Float64Array.from(c.lateSpans),
          ...(c.tokens && { tokens: c.tokens.snapshot() }),
        });
      }
      this.cells.delete(second);
    }
    return out;
  }

  /** secondOf is the run second a timestamp falls in. */
  secondOf(us: number): number {
    return Math.max(0, Math.floor((us - this.startUs) / 1e6));
  }

  private cell(us: number, phase: number): Cell {
    return this.cellAt(this.secondOf(us), phase);
  }

  private cellAt(second: number, phase: number): Cell {
    let phases = this.cells.get(second);
    if (!phases) this.cells.set(second, (phases = new Map()));
    let c = phases.get(phase);
    if (!c) {
      c = { scheduled: 0, sent: 0, dropped: 0, late: 0, ok: 0, errors: {}, latency: [], service: [], lag: [], ttfb: [], lateSpans: [] };
      phases.set(phase, c);
    }
    return c;
  }
}
