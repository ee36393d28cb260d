/**
 * How V8 collects garbage on a load worker's sending thread, set before the load workers start.
 *
 * Subtleness ahead: the sending thread runs at real-time priority, but V8's garbage collector hands work to the
 * process's shared V8 helper threads, which run at normal priority, and waits for them: a parallel scavenge posts
 * tasks and joins them, and posting wakes a helper through a condition variable whose signal blocks until helpers
 * woken earlier have run. With a CPU hog at nice 0 beside the run, those helpers wait for a core, and the sender
 * waits with them: on the 2-vCPU development machine, scavenges that take 0.2 ms alone took 1–18 ms (up to 60
 * with other helpers' runs on the machine), and most sends over 1 ms late were sent right after one (traced with
 * `perf sched` and the worker's PerformanceObserver 'gc' entries; docs/performance.md). Two flags help:
 * - `--no-parallel-scavenge`: a scavenge runs on the thread that allocates, alone, and posts no helper task;
 * - `--min-semi-space-size`: the young generation starts large (V8 starts it at 1 MB and grows it only when
 *   objects survive), so scavenges, and the chances to wait on a helper, are rarer.
 * V8 flags belong to the process: they are set at run time (node's `v8.setFlagsFromString`), read by each
 * scavenge and by each isolate created afterwards, so the main thread's scavenges run alone as well (it is not
 * timing-critical), while its young generation keeps the size it started with. Only flags that V8 reads afresh
 * are set: `--single-threaded-gc`, which would also stop concurrent marking and sweeping, crashed node when set
 * at run time.
 */
import v8 from 'node:v8';

/** SENDER_SEMI_SPACE_MB is the size a load worker's young generation starts at (each of its two semi-spaces). */
export const SENDER_SEMI_SPACE_MB = 16;

/** SENDER_V8_FLAGS are the V8 flags set before the load workers start (see the file's comment). */
export const SENDER_V8_FLAGS = ['--no-parallel-scavenge', `--min-semi-space-size=${SENDER_SEMI_SPACE_MB}`] as const;

let applied = false;

/**
 * tuneSenderHeap sets SENDER_V8_FLAGS once per process (later calls do nothing), unless GAUNTLET_SENDER_GC=default;
 * it returns whether the flags are in effect.
 */
export function tuneSenderHeap(): boolean {
  if (applied) return true;
  if (process.env['GAUNTLET_SENDER_GC'] === 'default') return false;
  try {
    for (const flag of SENDER_V8_FLAGS) v8.setFlagsFromString(flag);
    applied = true;
  } catch {
    // A node that refuses flags at run time: V8's defaults stay, and the send lag shows the cost.
  }
  return applied;
}
