/**
 * IntervalRecorder accumulates what one load worker saw, per second of the run and per phase, and hands out
 * each second once it is over. Counts of scheduled and sent requests go to the second they were sent in;
 * outcomes to the second they completed in (as HdrHistogram interval logs do); every request belongs to the
 * phase of its intended send time. Latency is measured from the intended send time (no coordinated omission),
 * service time from the actual send, send lag is actual minus intended.
 */
import { encodeHistogram, type Histogram, newHistogram, recordUs } from '../metrics/hdr.js';
import type { Outcome } from '../targets/client.js';

/** LATE_US is how late a send may go out before it counts as late (1 ms). */
export const LATE_US = 1000;

/** IntervalSnapshot is one (second, phase) cell, with its histograms encoded so it can cross threads and be stored. */
export interface IntervalSnapshot {
  /** Whole seconds since the run's start. */
  second: number;
  phase: number;
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
  /** Intended send → completion, OK responses only (µs). */
  latency: string;
  /** Actual send → completion, OK responses only (µs). */
  service: string;
  /** Actual − intended send time, every sent request (µs). */
  lag: string;
  /** Actual send → first response byte, OK responses only (µs). */
  ttfb: string;
}

interface Cell {
  scheduled: number;
  sent: number;
  dropped: number;
  late: number;
  ok: number;
  errors: Record<string, number>;
  latency: Histogram;
  service: Histogram;
  lag: Histogram;
  ttfb: Histogram;
}

/** IntervalRecorder records one worker's events; `startUs` is the run's start on this thread's nowUs clock. */
export class IntervalRecorder {
  private readonly cells = new Map<number, Map<number, Cell>>();

  constructor(private readonly startUs: number) {}

  /** scheduled counts a request due at intendedUs. */
  scheduled(phase: number, atUs: number): void {
    this.cell(atUs, phase).scheduled++;
  }

  /** sent records a request handed to the client at sentUs, intended for intendedUs. */
  sent(phase: number, intendedUs: number, sentUs: number): void {
    const c = this.cell(sentUs, phase);
    c.sent++;
    const lag = sentUs - intendedUs;
    if (lag > LATE_US) c.late++;
    recordUs(c.lag, lag);
  }

  /** dropped records a request that was due while max_in_flight were outstanding. */
  dropped(phase: number, atUs: number): void {
    const c = this.cell(atUs, phase);
    c.dropped++;
    c.errors['DROPPED'] = (c.errors['DROPPED'] ?? 0) + 1;
  }

  /** outcome records a request's result. */
  outcome(phase: number, intendedUs: number, o: Outcome): void {
    const c = this.cell(o.doneUs, phase);
    if (o.code === 'OK') {
      c.ok++;
      recordUs(c.latency, o.doneUs - intendedUs);
      recordUs(c.service, o.doneUs - o.sentUs);
      if (o.firstByteUs !== undefined) recordUs(c.ttfb, o.firstByteUs - o.sentUs);
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
          latency: encodeHistogram(c.latency),
          service: encodeHistogram(c.service),
          lag: encodeHistogram(c.lag),
          ttfb: encodeHistogram(c.ttfb),
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
    const second = this.secondOf(us);
    let phases = this.cells.get(second);
    if (!phases) this.cells.set(second, (phases = new Map()));
    let c = phases.get(phase);
    if (!c) {
      c = { scheduled: 0, sent: 0, dropped: 0, late: 0, ok: 0, errors: {}, latency: newHistogram(), service: newHistogram(), lag: newHistogram(), ttfb: newHistogram() };
      phases.set(phase, c);
    }
    return c;
  }
}
