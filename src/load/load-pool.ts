/**
 * LoadPool runs the load in worker threads (one by default, more when one core cannot sustain the planned
 * rate): it starts them together at one wall-clock instant, forwards their per-second intervals as they
 * arrive, and can stop them early (SIGINT) while still collecting every reply that arrives within a grace period.
 * Every wait is bounded: an abort during start() ends the workers at once (even one stuck building its client),
 * and a worker that has not reported STOP_SLACK_MS after a stop's grace period is ended without its last report.
 * Beside the workers runs the stall watchdog (stall-watchdog.ts), which tells the machine's stalls from the
 * generator's own lateness.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { plannedRequests } from '../scenario/parse-phases.js';
import type { Plan } from '../scenario/plan.js';
import type { ShardSpec } from '../scenario/shard.js';
import type { TargetSpec } from '../targets/target-spec.js';
import { workerEntry } from '../../reference-server/core/worker-entry.js';
import type { IntervalSnapshot } from './interval-recorder.js';
import type { ErrorSample, FromLoadWorker, SenderScheduling, StallSecondReport, ToLoadWorker, WorkerInit } from './messages.js';
import { raiseHelperThreads } from './helper-threads.js';
import { tuneSenderHeap } from './sender-heap.js';
import { StallWatchdog } from './stall-watchdog.js';

/** STOP_SLACK_MS is how long past a stop's grace period the pool waits for a worker's last report before ending it. */
export const STOP_SLACK_MS = 300;

/** RATE_PER_WORKER is the open-loop rate one load worker is planned to carry before another is added. */
export const RATE_PER_WORKER = 4000;

/**
 * workersFor picks how many load workers a plan needs, at most `cores`, and at most one fewer when the target
 * runs on this machine (`sharesMachine`: the embedded server). A worker at a high rate never sleeps (it polls
 * the clock for the next send), so workers on every core at high priority starve a target beside them: a cold
 * jump to 4000 rps with two workers on two cores left the embedded stack 100 ok/s, one worker 3600.
 */
export function workersFor(plan: Plan, cores: number, sharesMachine = false, shards = 1): number {
  const usable = sharesMachine ? cores - 1 : cores;
  // A shard of N sends 1/N of every rate.
  return Math.max(1, Math.min(usable, Math.ceil(peakOpenRps(plan) / shards / RATE_PER_WORKER)));
}

/** peakOpenRps is the highest rate of the plan's open-loop phases (closed-loop phases are left out). */
export function peakOpenRps(plan: Plan): number {
  let peak = 0;
  for (const p of plan.phases) {
    if (p.load.kind === 'closed') continue;
    const s = p.load.shape;
    const rate = s.type === 'constant' ? s.rps : s.type === 'ramp' ? Math.max(s.fromRps, s.toRps) : s.type === 'burst' ? Math.max(s.baseRps, s.burstRps) : s.type === 'trace' ? (plannedRequests(p) ?? 0) / Math.max(p.durationS, 1e-3) : 0; // an unknown shape: the workers refuse it
    peak = Math.max(peak, rate);
  }
  return peak;
}

/**
 * REALTIME_ALL_CORES_RPS is the open-loop rate per load worker up to which the workers get real-time scheduling
 * even with one on every core: a sender spins the last SPIN_MS (2 ms) before each send, so at 100 sends a second it
 * spins a fifth of its core and leaves the rest to a server beside it.
 */
export const REALTIME_ALL_CORES_RPS = 100;

/** senderRate is the per-worker rate wantsRealtime weighs: Infinity when the plan has a closed-loop phase (never idle). */
export function senderRate(plan: Plan, workers: number): number {
  return plan.phases.some((p) => p.load.kind === 'closed') ? Infinity : peakOpenRps(plan) / Math.max(1, workers);
}

/** LoadPool owns the load workers of one run. */
export class LoadPool {
  private readonly workers: Worker[] = [];
  private done = 0;
  /** Resolves run() early: set while it runs. */
  private settle?: () => void;
  private stopTimer?: NodeJS.Timeout;
  /** Puts node's helper threads back to normal priority (set while the workers run). */
  private restoreHelpers = (): void => {};
  readonly errorSamples: ErrorSample[] = [];
  /** How each worker's sending thread is scheduled (known once start() resolved). */
  readonly scheduling: SenderScheduling[] = [];
  /** The stall watchdog beside the workers (src/load/stall-watchdog.ts); its seconds go to `onStallSecond`. */
  readonly watchdog: StallWatchdog;

  constructor(
    private readonly plan: Plan,
    private readonly target: TargetSpec,
    private readonly count: number,
    private readonly onIntervals: (intervals: IntervalSnapshot[], worker: number, throughSecond: number) => void,
    onStallSecond: (r: StallSecondReport) => void = () => {},
    /** The shard this process is (absent: not sharded): its workers send the shard's share. */
    private readonly shard?: ShardSpec,
  ) {
    this.watchdog = new StallWatchdog(onStallSecond);
  }

  /** start creates the workers and their clients, and resolves when all are ready; an abort ends them and rejects. */
  async start(signal?: AbortSignal): Promise<void> {
    const entry = workerEntry(import.meta.url, 'load-worker');
    // Before the workers' isolates exist: their young generation's size is read when they are created.
    tuneSenderHeap();
    this.restoreHelpers();
    const realtime = wantsRealtime(this.count, os.availableParallelism(), senderRate(this.plan, this.count) / (this.shard?.count ?? 1));
    this.restoreHelpers = raiseHelperThreads(realtime);
    const ready = Promise.all([
      // Real time whenever allowed, even where the senders do without: it uses about 2 % of a core, and at an
      // ordinary priority its wake-ups would wait behind the senders and every other busy thread.
      this.watchdog.start(process.env['GAUNTLET_REALTIME'] !== '0'),
      ...Array.from({ length: this.count }, (_, worker) => {
        const init: WorkerInit = { target: this.target, request: this.plan.request, phases: this.plan.phases, seed: this.plan.seed, worker, workers: this.count, realtime, ...(this.shard && { shard: this.shard }) };
        // A large young generation: scavenges (each a pause of the sending thread) become rare.
        const w = new Worker(entry, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 128 } });
        this.workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once('error', reject);
          w.once('message', (m: FromLoadWorker) => (m.kind === 'ready' ? ((this.scheduling[worker] = m.scheduling), resolve()) : reject(new Error(m.kind === 'init-error' ? m.message : `unexpected ${m.kind}`))));
        });
      }),
    ]);
    if (!signal) return void (await ready);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([ready, aborted]);
    } catch (err) {
      ready.catch(() => {});
      await this.terminate();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  /** run starts every worker at `startEpochMs` and resolves when all have finished and reported (or a stop's deadline passed). */
  run(startEpochMs: number): Promise<void> {
    this.watchdog.begin(startEpochMs);
    return new Promise<void>((resolve, reject) => {
      this.settle = resolve;
      for (const [index, w] of this.workers.entries()) {
        w.on('message', (m: FromLoadWorker) => {
          if (m.kind === 'intervals') this.onIntervals(m.intervals, index, m.throughSecond);
          else if (m.kind === 'done') {
            for (const s of m.errorSamples) if (!this.errorSamples.some((x) => x.code === s.code && x.message === s.message)) this.errorSamples.push(s);
            if (++this.done === this.workers.length) resolve();
          }
        });
        w.on('error', reject);
        w.postMessage({ kind: 'start', startEpochMs } satisfies ToLoadWorker);
      }
    }).finally(async () => {
      this.settle = undefined;
      clearTimeout(this.stopTimer);
      await this.watchdog.stop();
    });
  }

  /**
   * stop asks every worker to stop sending and give replies up to graceMs; run() resolves at the latest
   * STOP_SLACK_MS after that, without the reports of workers that had not finished by then.
   */
  stop(graceMs: number): void {
    for (const w of this.workers) w.postMessage({ kind: 'stop', graceMs } satisfies ToLoadWorker);
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => this.settle?.(), graceMs + STOP_SLACK_MS);
  }

  /** terminate ends the workers and the watchdog at once (after run, or on failure). */
  async terminate(): Promise<void> {
    await Promise.all([...this.workers.map((w) => w.terminate()), this.watchdog.terminate()]);
    this.restoreHelpers();
  }
}

/**
 * wantsRealtime says whether load workers ask for real-time scheduling: when at least one core is left to
 * everything else (the run's main thread, a server on the same machine), or when each worker's open-loop rate
 * (`perWorkerRps`) is at most REALTIME_ALL_CORES_RPS, so that its spinning leaves most of its core to the rest; not
 * when GAUNTLET_REALTIME=0. (With a worker on every core at nice −10 instead, 200 rps beside a CPU hog went out
 * 0.68–1.00 % late.)
 */
export function wantsRealtime(workers: number, cores = os.availableParallelism(), perWorkerRps = Infinity): boolean {
  return process.env['GAUNTLET_REALTIME'] !== '0' && (workers < cores || perWorkerRps <= REALTIME_ALL_CORES_RPS);
}
