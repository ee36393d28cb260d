/**
 * Messages between the run (main thread) and its load workers.
 */
import type { PhasePlan } from '../scenario/plan.js';
import type { ShardSpec } from '../scenario/shard.js';
import type { ErrorSample } from '../targets/failures.js';
import type { RequestSpec, TargetSpec } from '../targets/target-spec.js';
import type { IntervalSnapshot } from './interval-recorder.js';

/** WorkerInit is what a load worker needs to build its client and schedule. */
export interface WorkerInit {
  target: TargetSpec;
  request: RequestSpec;
  phases: PhasePlan[];
  seed: number;
  worker: number;
  workers: number;
  /** Ask for real-time (SCHED_FIFO) scheduling of the sending thread, where permitted. */
  realtime: boolean;
  /** The shard this process is; its workers split the shard's share (absent: not sharded). */
  shard?: ShardSpec;
}

/** SenderScheduling is how a load worker's sending thread ended up being scheduled. */
export type SenderScheduling = 'realtime' | 'high-priority' | 'normal';

/** ToLoadWorker is a message from the run to a load worker. */
export type ToLoadWorker =
  | { kind: 'start'; startEpochMs: number }
  /** Stop sending; wait up to graceMs for replies still in flight, then cancel them. */
  | { kind: 'stop'; graceMs: number };

export type { ErrorSample } from '../targets/failures.js';

/** FromLoadWorker is a message from a load worker to the run. */
export type FromLoadWorker =
  | { kind: 'ready'; scheduling: SenderScheduling }
  | { kind: 'init-error'; message: string }
  /** Every second before throughSecond has now been reported by this worker. */
  | { kind: 'intervals'; intervals: IntervalSnapshot[]; throughSecond: number }
  | { kind: 'done'; errorSamples: ErrorSample[] };

/** STALL_SLEEP_MS is how long the stall watchdog sleeps at a time. */
export const STALL_SLEEP_MS = 1;
/** STALL_US is how late a watchdog wake-up must be to count as a stall (as late as a late send: LATE_US). */
export const STALL_US = 1000;

/** WATCHDOG_RUN and WATCHDOG_STOP are the values of the stall watchdog's shared control word. */
export const WATCHDOG_RUN = 1;
export const WATCHDOG_STOP = 2;

/** WatchdogInit is what the stall watchdog thread needs. */
export interface WatchdogInit {
  /** Ask for real-time scheduling, as the load workers do. */
  realtime: boolean;
  /** An Int32Array's buffer: word 0 is WATCHDOG_RUN while it should watch, WATCHDOG_STOP to stop it (notified). */
  control: SharedArrayBuffer;
}

/** StallSecondReport is what the stall watchdog saw in one second of the run. */
export interface StallSecondReport {
  kind: 'second';
  /** The second of the run (as intervals' t). */
  t: number;
  wakeups: number;
  /** Wake-ups more than STALL_US late, their lateness added up, and the largest (µs). */
  stalls: number;
  stalledUs: number;
  maxUs: number;
  /** Each stall as [due, woke] in µs from the run's start (the first 500 of the second). */
  spans: number[];
}

/** FromWatchdog is a message from the stall watchdog to the run. */
export type FromWatchdog = { kind: 'ready'; scheduling: SenderScheduling } | StallSecondReport | { kind: 'done' };
