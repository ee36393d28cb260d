/**
 * Dispatcher drives one load worker through the plan's phases: open-loop phases send each request at its
 * intended time without waiting for earlier replies (a request due while max_in_flight are outstanding is
 * DROPPED, never delayed); closed-loop phases keep a fixed number of requests outstanding. With several workers,
 * worker k of n takes every n-th arrival and its share of the concurrency, so the union is the planned load.
 *
 * Subtleness ahead: Node's timers fire with a millisecond or more of jitter, which would make most sends late by
 * the 1 ms rule. The dispatcher sleeps with setTimeout until SPIN_MS before the next send, then waits out the
 * rest with setImmediate, which still lets replies be read between turns.
 */
import type { Arrivals } from '../scenario/arrivals.js';
import type { PhasePlan } from '../scenario/plan.js';
import { type Client, nowUs, type Outcome } from '../targets/client.js';
import type { IntervalRecorder } from './interval-recorder.js';

/** SPIN_MS is how long before a send the dispatcher stops sleeping and starts polling the clock. */
export const SPIN_MS = 2;

/** DispatchOptions are what one worker needs to run its share of the load. */
export interface DispatchOptions {
  phases: PhasePlan[];
  /** Makes the arrival sequence of phase `index` (the same on every worker). */
  arrivals: (phase: PhasePlan, index: number) => Arrivals;
  client: Client;
  recorder: IntervalRecorder;
  /** The run's start on this thread's nowUs clock. */
  startUs: number;
  worker: number;
  workers: number;
  maxInFlight: number;
}

/** Dispatcher runs the phases once; `stop()` ends sending early (replies still in flight are awaited by the caller). */
export class Dispatcher {
  private inFlight = 0;
  private stopped = false;
  private wake?: () => void;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: DispatchOptions) {}

  /** outstanding is the number of requests sent and not yet answered. */
  get outstanding(): number {
    return this.inFlight;
  }

  /** run sends every phase's share of requests, resolving once the last phase's time is over. */
  async run(): Promise<void> {
    for (const [i, phase] of this.o.phases.entries()) {
      if (this.stopped) break;
      if (phase.load.kind === 'open') await this.openLoop(phase, i);
      else await this.closedLoop(phase, i, phase.load.concurrency);
    }
  }

  /** stop ends sending at once. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** idle resolves when no request is outstanding. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private send(phase: number, intendedUs: number): Promise<Outcome> {
    this.inFlight++;
    const sentUs = nowUs();
    this.o.recorder.sent(phase, intendedUs, sentUs);
    return this.o.client.send().then((outcome) => {
      this.inFlight--;
      this.o.recorder.outcome(phase, intendedUs, outcome);
      if (this.inFlight === 0 && this.idleWaiters.length) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const fn of w) fn();
      }
      return outcome;
    });
  }

  private openLoop(phase: PhasePlan, index: number): Promise<void> {
    const { workers, worker, recorder, startUs, maxInFlight } = this.o;
    const arrivals = this.o.arrivals(phase, index);
    const phaseStartUs = startUs + phase.startS * 1e6;
    const phaseEndUs = phaseStartUs + phase.durationS * 1e6;
    let k = 0;
    const nextOwn = (): number | undefined => {
      for (;;) {
        const t = arrivals.next();
        if (t === undefined) return undefined;
        if (k++ % workers === worker) return phaseStartUs + t * 1e6;
      }
    };
    let next = nextOwn();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        this.wake = undefined;
        resolve();
      };
      const tick = (): void => {
        if (this.stopped) return finish();
        let now = nowUs();
        while (next !== undefined && next <= now) {
          recorder.scheduled(index, next);
          if (this.inFlight >= maxInFlight) recorder.dropped(index, next);
          else void this.send(index, next);
          next = nextOwn();
          now = nowUs();
        }
        const until = next ?? phaseEndUs;
        if (next === undefined && now >= phaseEndUs) return finish();
        const waitMs = (until - now) / 1000;
        if (waitMs > SPIN_MS + 0.5) {
          const t = setTimeout(tick, waitMs - SPIN_MS);
          this.wake = () => {
            clearTimeout(t);
            finish();
          };
        } else {
          const t = setImmediate(tick);
          this.wake = () => {
            clearImmediate(t);
            finish();
          };
        }
      };
      tick();
    });
  }

  private async closedLoop(phase: PhasePlan, index: number, concurrency: number): Promise<void> {
    const { workers, worker, recorder, startUs } = this.o;
    const share = Math.floor(concurrency / workers) + (worker < concurrency % workers ? 1 : 0);
    const startAt = startUs + phase.startS * 1e6;
    const endUs = startAt + phase.durationS * 1e6;
    // Closed-loop phases start on time too: wait for the phase's start.
    const wait = (startAt - nowUs()) / 1000;
    if (wait > 0) await new Promise<void>((r) => setTimeout(r, wait));
    const loop = async (): Promise<void> => {
      while (!this.stopped && nowUs() < endUs) {
        const intended = nowUs();
        recorder.scheduled(index, intended);
        await this.send(index, intended);
      }
    };
    await Promise.all(Array.from({ length: share }, loop));
  }
}
