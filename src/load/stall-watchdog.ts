/**
 * StallWatchdog runs the stall watchdog thread (src/load/watchdog-worker.ts) beside a run's load workers and hands
 * each second it reports to the run. It is an observer: when its thread cannot start, the run goes on without it
 * (`scheduling` says `off`), and every wait on it is bounded.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../reference-server/core/worker-entry.js';
import { type FromWatchdog, type SenderScheduling, type StallSecondReport, WATCHDOG_STOP, type WatchdogInit } from './messages.js';

/** WATCHDOG_STOP_MS bounds the wait for the watchdog's last report after a stop. */
export const WATCHDOG_STOP_MS = 200;
/** WATCHDOG_START_MS bounds the wait for the watchdog thread to be ready. */
export const WATCHDOG_START_MS = 5000;

/** StallWatchdog owns one run's watchdog thread. */
export class StallWatchdog {
  private worker?: Worker;
  private readonly control = new SharedArrayBuffer(4);
  private finished?: Promise<void>;
  private begun = false;
  /** How the watchdog thread runs: as a sending thread would, or `off` (not started, or failed). */
  scheduling: SenderScheduling | 'off' = 'off';

  constructor(private readonly onSecond: (r: StallSecondReport) => void) {}

  /** start creates the thread and resolves once it is ready, or has failed (then it stays `off`). */
  start(realtime: boolean): Promise<void> {
    const init: WatchdogInit = { realtime, control: this.control };
    const w = new Worker(workerEntry(import.meta.url, 'watchdog-worker'), { workerData: init });
    this.worker = w;
    // Never hold the process open: the watchdog only observes.
    w.unref();
    this.finished = new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      w.on('error', () => resolve());
      w.on('message', (m: FromWatchdog) => m.kind === 'done' && resolve());
    });
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        void w.terminate();
        resolve();
      }, WATCHDOG_START_MS);
      const fail = (): void => {
        clearTimeout(timer);
        this.scheduling = 'off';
        resolve();
      };
      w.once('error', fail);
      w.once('exit', fail);
      w.on('message', (m: FromWatchdog) => {
        if (m.kind === 'ready') {
          clearTimeout(timer);
          w.off('error', fail);
          w.off('exit', fail);
          this.scheduling = m.scheduling;
          resolve();
        } else if (m.kind === 'second') this.onSecond(m);
      });
    });
  }

  /** begin starts watching, the run's clock starting at `startEpochMs`. */
  begin(startEpochMs: number): void {
    if (this.scheduling === 'off' || !this.worker) return;
    this.worker.postMessage({ kind: 'start', startEpochMs });
    this.begun = true;
  }

  /** stop ends the watching and resolves once the last second is reported (at most WATCHDOG_STOP_MS). */
  async stop(): Promise<void> {
    const control = new Int32Array(this.control);
    Atomics.store(control, 0, WATCHDOG_STOP);
    Atomics.notify(control, 0);
    if (!this.begun || !this.finished) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, WATCHDOG_STOP_MS)))]);
    clearTimeout(timer);
  }

  /** terminate ends the thread at once. */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }
}
