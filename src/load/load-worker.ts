/**
 * The body of a load worker thread: it builds its own client, runs its share of the plan with a Dispatcher,
 * and posts each second's intervals to the run as soon as the second is over, so the run can write results as
 * it goes and nothing measured is lost if the run is cut short.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createArrivals } from '../scenario/arrivals.js';
import { ONE_SHARD } from '../scenario/shard.js';
import { createClient } from '../targets/registry.js';
import type { Client } from '../targets/client.js';
import { Dispatcher } from './dispatcher.js';
import { IntervalRecorder } from './interval-recorder.js';
import { goodputCriteria } from './token-recorder.js';
import type { ErrorSample, FromLoadWorker, ToLoadWorker, WorkerInit } from './messages.js';
import { raiseThreadPriority } from './thread-priority.js';
import { TracePicks } from './trace-picks.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (msg: FromLoadWorker): void => port.postMessage(msg);
// SCHED_FIFO 2: above node's helper threads (1, see helper-threads.ts), below the stall watchdog (3).
const scheduling = raiseThreadPriority(init.realtime, 2);

/** WARM_UP_REQUESTS is how many unmeasured requests each worker sends before the run (see warmUp). */
const WARM_UP_REQUESTS = 24;
/** WARM_UP_LIMIT_MS bounds the warm-up: a slow or failing target must not hold up the run's start. */
const WARM_UP_LIMIT_MS = 1000;

let client: Client;
const picks = new TracePicks(init.phases);
try {
  client = createClient(init.target, init.request, {
    seed: init.seed + init.worker,
    worker: { index: init.worker, count: init.workers, runSeed: init.seed },
    ...(picks.variants.length > 0 && { variants: picks.variants }),
  });
  await warmUp(client);
  post({ kind: 'ready', scheduling });
} catch (err) {
  post({ kind: 'init-error', message: (err as Error).message });
  port.close();
}

/**
 * warmUp sends a few unmeasured requests (4 at a time) before the run, as wrk2's calibration period does: the
 * first sends of a fresh thread are slow (code not yet optimised, connections not yet open) and would otherwise
 * go out late in the run's first second. Their outcomes are discarded. It stops at the first failure and after
 * WARM_UP_LIMIT_MS, whatever is still in flight then completes (and is discarded) during the run.
 */
async function warmUp(c: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), WARM_UP_LIMIT_MS);
  });
  try {
    for (let i = 0; i < WARM_UP_REQUESTS; i += 4) {
      const round = Promise.all([c.send(), c.send(), c.send(), c.send()]);
      const result = await Promise.race([round, expired]);
      if (result === 'expired' || result.some((o) => o.code !== 'OK')) return;
    }
  } finally {
    clearTimeout(timer);
  }
}

let dispatcher: Dispatcher | undefined;
let stopGraceMs: number | undefined;
let finishing = false;
/** While finish() waits for replies: cuts the wait short to `ms` from now (a stop during the normal end's wait). */
let shortenGrace: ((ms: number) => void) | undefined;

port.on('message', (msg: ToLoadWorker) => {
  if (msg.kind === 'start') void run(msg.startEpochMs);
  else {
    stopGraceMs = msg.graceMs;
    if (shortenGrace) shortenGrace(msg.graceMs);
    else if (dispatcher) dispatcher.stop();
    else void finish(undefined, 0);
  }
});

async function run(startEpochMs: number): Promise<void> {
  const startUs = (startEpochMs - performance.timeOrigin) * 1000;
  const recorder = new IntervalRecorder(startUs, init.phases.map((p) => goodputCriteria(p.slo)));
  const shard = init.shard ?? ONE_SHARD;
  dispatcher = new Dispatcher({
    phases: init.phases,
    arrivals: (phase, index) => createArrivals(phase, init.seed, index, shard),
    // A shard's arrival j of a trace phase is the trace's arrival I + N·j (picks exist for trace phases only).
    ...(picks.variants.length > 0 && { pick: (phase: number, arrival: number) => picks.pick(phase, shard.index + shard.count * arrival) }),
    client,
    recorder,
    startUs,
    worker: init.worker,
    workers: init.workers,
    maxInFlight: Math.max(1, Math.floor(init.target.maxInFlight / init.workers)),
    ...(init.shard && { shard: init.shard }),
  });
  const flusher = setInterval(() => {
    const throughSecond = recorder.secondOf(performance.now() * 1000);
    post({ kind: 'intervals', intervals: recorder.take(throughSecond), throughSecond });
  }, 250);
  // A stop before the start makes run() return at once (the dispatcher is stopped already).
  if (stopGraceMs !== undefined) dispatcher.stop();
  await dispatcher.run();
  // After the last send, replies get up to the request timeout (or the stop's grace period) to arrive.
  await finish(recorder, stopGraceMs ?? init.target.timeoutMs + 1000, flusher);
}

async function finish(recorder: IntervalRecorder | undefined, graceMs: number, flusher?: NodeJS.Timeout): Promise<void> {
  if (finishing) return;
  finishing = true;
  if (dispatcher) {
    let timer: NodeJS.Timeout | undefined;
    let deadline = performance.now() + graceMs;
    await Promise.race([
      dispatcher.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        shortenGrace = (ms) => {
          if (performance.now() + ms >= deadline) return;
          deadline = performance.now() + ms;
          clearTimeout(timer);
          timer = setTimeout(resolve, ms);
        };
      }),
    ]);
    shortenGrace = undefined;
    clearTimeout(timer);
  }
  // Whatever is still outstanding resolves as CANCELLED when the client closes, and is recorded as such.
  await client.close();
  if (dispatcher) await dispatcher.idle();
  clearInterval(flusher);
  if (recorder) post({ kind: 'intervals', intervals: recorder.take(), throughSecond: Number.MAX_SAFE_INTEGER });
  const samples = (client as Client & { errorSamples?: () => ErrorSample[] }).errorSamples?.() ?? [];
  post({ kind: 'done', errorSamples: samples });
  port.close();
}
