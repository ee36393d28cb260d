/**
 * Dispatcher drives one load worker through the plan's phases: open-loop phases send each request at its
 * intended time without waiting for earlier replies (a request due while max_in_flight are outstanding is
 * DROPPED, never delayed); closed-loop phases keep a fixed number of requests outstanding. With several workers,
 * worker k of n takes every n-th arrival and its share of the concurrency, so the union is the planned load. A
 * shard of a sharded run (docs/sharding.md) gets its share one level up: its arrival sequence is already its own
 * (`arrivals`), and its closed-loop concurrency is its share (concurrencyShare) before the workers split it.
 *
 * Subtleness ahead:
 * - Node's timers fire with a millisecond or more of jitter, which would make most sends late by the 1 ms rule.
 *   The dispatcher sleeps with setTimeout until SPIN_MS before the next send, then waits out the rest with
 *   setImmediate, which still lets replies be read between turns.
 * - The time the dispatcher spends is bounded by the sends it makes, never by the planned rate. A send that is
 *   merely late (a pause, a busy core) is still sent, timed from its intended time. But within one turn of the
 *   event loop no reply can come back, so once max_in_flight are outstanding every arrival already due is dropped:
 *   those are skipped in bulk (Arrivals.skip), counted in the seconds they were due in, never drawn one by one.
 * - One turn sends at most TICK_MAX_SENDS requests and runs at most TICK_MAX_MS before it yields (setImmediate),
 *   so replies and a 'stop' message are always read promptly, whatever the backlog.
 * - A phase's arrivals still unsent PHASE_OVERRUN_MS after the phase's end are given up and counted as DROPPED in
 *   the second they were given up in: a sender that cannot keep up makes its run late by at most that much per
 *   phase (and the run invalid), never by the whole backlog.
 */
import type { Arrivals } from '../scenario/arrivals.js';
import type { PhasePlan } from '../scenario/plan.js';
import { concurrencyShare, ONE_SHARD, type ShardSpec } from '../scenario/shard.js';
import { type Client, nowUs, type Outcome } from '../targets/client.js';
import type { IntervalRecorder } from './interval-recorder.js';
import { OwnArrivals } from './own-arrivals.js';

/** SPIN_MS is how long before a send the dispatcher stops sleeping and starts polling the clock. */
export const SPIN_MS = 2;
/** TICK_MAX_SENDS bounds the sends of one turn of the event loop. */
export const TICK_MAX_SENDS = 256;
/** TICK_MAX_MS bounds the time one turn of the event loop spends sending. */
export const TICK_MAX_MS = 5;
/** PHASE_OVERRUN_MS is how long after its end a phase's unsent arrivals may still go out before they are dropped. */
export const PHASE_OVERRUN_MS = 1000;
/** CLOSED_YIELD_EVERY: a closed-loop sender yields to the event loop after this many requests (and as many loop starts). */
const CLOSED_YIELD_EVERY = 256;

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
  /** The trace variant an arrival sends, by phase and the arrival's index in it (absent: the client's usual request). */
  pick?: (phase: number, arrival: number) => number | undefined;
  /** This worker's limit on outstanding requests (open loop: more are DROPPED; closed loop: caps the concurrency). */
  maxInFlight: number;
  /** The shard this process is (absent: the run is not sharded). */
  shard?: ShardSpec;
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
      else await this.closedLoop(phase, i, concurrencyShare(phase.load.concurrency, this.o.shard ?? ONE_SHARD));
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

  private send(phase: number, intendedUs: number, pick?: number): Promise<Outcome> {
    this.inFlight++;
    const sentUs = nowUs();
    this.o.recorder.sent(phase, intendedUs, sentUs);
    return this.o.client.send(pick).then((outcome) => {
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

  /** later runs fn after waitMs (0: on the next turn of the event loop); stop() cancels it and calls `stopped`. */
  private later(fn: () => void, waitMs: number, stopped: () => void): void {
    if (waitMs > 0) {
      const t = setTimeout(fn, waitMs);
      this.wake = () => (clearTimeout(t), stopped());
    } else {
      const t = setImmediate(fn);
      this.wake = () => (clearImmediate(t), stopped());
    }
  }

  private openLoop(phase: PhasePlan, index: number): Promise<void> {
    const { workers, worker, recorder, startUs, maxInFlight } = this.o;
    const phaseStartUs = startUs + phase.startS * 1e6;
    const phaseEndUs = phaseStartUs + phase.durationS * 1e6;
    const own = new OwnArrivals(this.o.arrivals(phase, index), phaseStartUs, worker, workers);
    const pick = this.o.pick;
    let next = own.next();
    /** dropDue drops `due` and every arrival due before `now`, each counted in the second it was due in. */
    const dropDue = (due: number, now: number): void => {
      recorder.scheduled(index, due);
      recorder.dropped(index, due);
      // Second by second, counted by index: a boundary recomputed from a time could round back onto that time.
      for (let second = recorder.secondOf(due), from = due; from < now; second++) {
        const to = Math.min(now, startUs + (second + 1) * 1e6);
        if (to <= from) continue;
        recorder.droppedIn(index, second, own.skip(to));
        from = to;
      }
    };
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        this.wake = undefined;
        resolve();
      };
      const tick = (): void => {
        if (this.stopped) return finish();
        const tickStart = nowUs();
        let now = tickStart;
        if (next !== undefined && now >= phaseEndUs + PHASE_OVERRUN_MS * 1000) {
          // The sender could not keep up: give up what is left of the phase.
          const n = 1 + own.skip(Infinity);
          recorder.scheduled(index, now, n);
          recorder.dropped(index, now, n);
          return finish();
        }
        let sends = 0;
        while (next !== undefined && next <= now) {
          if (this.inFlight >= maxInFlight) dropDue(next, now);
          else {
            recorder.scheduled(index, next);
            void this.send(index, next, pick?.(index, own.lastIndex));
            sends++;
          }
          next = own.next();
          now = nowUs();
          if (sends >= TICK_MAX_SENDS || now - tickStart >= TICK_MAX_MS * 1000) return this.later(tick, 0, finish);
        }
        const until = next ?? phaseEndUs;
        if (next === undefined && now >= phaseEndUs) return finish();
        const waitMs = (until - now) / 1000;
        this.later(tick, waitMs > SPIN_MS + 0.5 ? waitMs - SPIN_MS : 0, finish);
      };
      tick();
    });
  }

  private async closedLoop(phase: PhasePlan, index: number, concurrency: number): Promise<void> {
    const { workers, worker, recorder, startUs, maxInFlight } = this.o;
    const share = Math.min(maxInFlight, Math.floor(concurrency / workers) + (worker < concurrency % workers ? 1 : 0));
    const startAt = startUs + phase.startS * 1e6;
    const endUs = startAt + phase.durationS * 1e6;
    // Closed-loop phases start on time too: wait for the phase's start (a stop ends the wait).
    const wait = (startAt - nowUs()) / 1000;
    if (wait > 0) await new Promise<void>((r) => this.later(r, wait, r));
    this.wake = undefined;
    const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
    const loop = async (): Promise<void> => {
      let n = 0;
      while (!this.stopped && nowUs() < endUs) {
        const intended = nowUs();
        recorder.scheduled(index, intended);
        await this.send(index, intended);
        // A reply that settles without I/O (a client failing at once) must not keep the event loop from turning.
        if (++n % CLOSED_YIELD_EVERY === 0) await yieldTurn();
      }
    };
    const loops: Promise<void>[] = [];
    for (let i = 0; i < share && !this.stopped && nowUs() < endUs; i++) {
      loops.push(loop());
      if ((i + 1) % CLOSED_YIELD_EVERY === 0) await yieldTurn();
    }
    await Promise.all(loops);
  }
}
