/**
 * The body of the stall watchdog thread: a thread of the run's process that does nothing but sleep
 * STALL_SLEEP_MS at a time, at the load workers' priority, and record how late it wakes. Its wake-ups are late
 * only when the machine did not run it: the hypervisor descheduled the VM, the kernel was busy, or real-time
 * throttling stopped every real-time thread. It allocates next to nothing while it runs (a few numbers a
 * millisecond: its young generation, SENDER_SEMI_SPACE_MB, fills in minutes), so a late wake-up is not its own doing. A send that went out late while the watchdog was stalled too
 * was late because of the machine, not because of the generator's load or the target (see src/metrics/stalls.ts).
 *
 * It sleeps with Atomics.wait on the shared control word, so a stop (the word set to STOP and notified) wakes it at
 * once. Each second of the run it posts what it saw in that second (a stall counts in the second it ended in);
 * before the run starts it waits for 'start'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FromWatchdog, STALL_SLEEP_MS, STALL_US, type StallSecondReport, WATCHDOG_RUN, WATCHDOG_STOP, type WatchdogInit } from './messages.js';
import { raiseThreadPriority } from './thread-priority.js';

/** MAX_SPANS_PER_SECOND bounds the stalls whose times one second reports (more than one per 2 ms cannot happen). */
const MAX_SPANS_PER_SECOND = 500;

const port = parentPort!;
const init = workerData as WatchdogInit;
const control = new Int32Array(init.control);
const post = (m: FromWatchdog): void => port.postMessage(m);

// Above the senders (SCHED_FIFO 3 against 2, or against their nice −10 where they do without real time): a sender
// that spins on the watchdog's core must not look like a stall.
post({ kind: 'ready', scheduling: raiseThreadPriority(init.realtime, 3) });
port.once('message', (m: { kind: 'start'; startEpochMs: number }) => {
  Atomics.compareExchange(control, 0, 0, WATCHDOG_RUN);
  const startUs = (m.startEpochMs - performance.timeOrigin) * 1000;
  // Nothing is sent before the run's start: watch from then on (a stop ends this wait too).
  const untilStartMs = startUs / 1000 - performance.now();
  if (untilStartMs > 0) Atomics.wait(control, 0, WATCHDOG_RUN, untilStartMs);
  watch(startUs);
  port.close();
});

/** watch sleeps and measures until a stop, reporting each second of the run that started at `startUs` (µs, this thread's clock). */
function watch(startUs: number): void {
  const spans = new Float64Array(2 * MAX_SPANS_PER_SECOND);
  let second = Math.max(0, Math.floor((performance.now() * 1000 - startUs) / 1e6));
  let wakeups = 0;
  let stalls = 0;
  let stalledUs = 0;
  let maxUs = 0;
  const flush = (): void => {
    const r: StallSecondReport = { kind: 'second', t: second, wakeups, stalls, stalledUs: Math.round(stalledUs), maxUs: Math.round(maxUs), spans: Array.from(spans.subarray(0, 2 * Math.min(stalls, MAX_SPANS_PER_SECOND)), Math.round) };
    post(r);
    wakeups = stalls = stalledUs = maxUs = 0;
  };
  for (;;) {
    const before = performance.now();
    if (Atomics.load(control, 0) === WATCHDOG_STOP) break;
    Atomics.wait(control, 0, WATCHDOG_RUN, STALL_SLEEP_MS);
    const after = performance.now();
    const lateUs = (after - before - STALL_SLEEP_MS) * 1000;
    const nowSecond = Math.floor((after * 1000 - startUs) / 1e6);
    if (nowSecond > second && wakeups > 0) flush();
    if (nowSecond > second) second = nowSecond;
    if (Atomics.load(control, 0) === WATCHDOG_STOP) break;
    wakeups++;
    if (lateUs > STALL_US) {
      if (stalls < MAX_SPANS_PER_SECOND) {
        spans[2 * stalls] = (before + STALL_SLEEP_MS) * 1000 - startUs;
        spans[2 * stalls + 1] = after * 1000 - startUs;
      }
      stalls++;
      stalledUs += lateUs;
      if (lateUs > maxUs) maxUs = lateUs;
    }
  }
  if (wakeups > 0) flush();
  post({ kind: 'done' });
}
