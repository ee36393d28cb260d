/**
 * Node's own helper threads (V8's platform workers, which run garbage-collection and compilation tasks for every
 * isolate of the process, and libuv's thread pool) are raised while a run's load workers send, just below the
 * senders: SCHED_FIFO 1 when the senders get real time (they then take 2, the stall watchdog 3), else nice −10.
 *
 * Subtleness ahead: a sending thread at real-time priority still waits on these threads. Its garbage collections
 * stop at a safepoint until a compilation task of its isolate on a helper thread has parked; posting a task to
 * them signals a condition variable, and glibc's pthread_cond_signal blocks until the helpers it woke before have
 * run; their task queue has a lock. At normal priority the helpers wait for a core behind a CPU hog (or a browser
 * at nice −8), and the sender waits with them: 2–45 ms, in `perf record -e sched:sched_switch -g` stacks of the
 * sender (docs/performance.md). They use about 2 % of a core during a run, so raising them costs the rest little.
 * The threads raised are those that existed when this module was loaded: node starts its helpers before any of
 * gauntlet's code runs, and the threads gauntlet starts itself later (the load workers, the watchdog, the TCP proxy
 * of network faults, which may be busy) are left out.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';

/** listThreads returns the kernel ids of this process's threads other than the main one (none where /proc is missing). */
function listThreads(): number[] {
  try {
    return readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => Number.isInteger(tid) && tid !== process.pid);
  } catch {
    return [];
  }
}

const helpers = listThreads();

/** chrt sets a thread's scheduling policy through chrt(1); false where that is not permitted. */
function chrt(args: string[]): boolean {
  try {
    execFileSync('chrt', args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * raiseHelperThreads raises node's helper threads (see the file's comment) where permitted, and returns a
 * function that puts them back to normal scheduling (nice 0).
 */
export function raiseHelperThreads(realtime: boolean): () => void {
  const raised: number[] = [];
  const alive = new Set(listThreads());
  for (const tid of helpers) {
    if (!alive.has(tid)) continue;
    let ok = false;
    try {
      os.setPriority(tid, -10);
      ok = true;
    } catch {
      // Not permitted.
    }
    if (realtime) ok = chrt(['--fifo', '--pid', '1', String(tid)]) || ok;
    if (ok) raised.push(tid);
  }
  return () => {
    for (const tid of raised) {
      if (realtime) chrt(['--other', '--pid', '0', String(tid)]);
      try {
        os.setPriority(tid, 0);
      } catch {
        // Gone, or not permitted: nothing to put back.
      }
    }
    raised.length = 0;
  };
}
