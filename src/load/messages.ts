/**
 * Messages between the run (main thread) and its load workers.
 */
import type { PhasePlan } from '../scenario/plan.js';
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
