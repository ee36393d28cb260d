/**
 * Raising the CPU priority of the calling thread (a load worker's sending thread, the stall watchdog).
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import type { SenderScheduling } from './messages.js';

/** threadId is the calling thread's kernel id (Linux), or undefined where it cannot be read. */
export function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined; // not Linux
  }
}

/**
 * raiseThreadPriority asks the kernel to run the calling thread ahead of ordinary work where it is allowed to
 * (Linux, with the privilege to raise priority): a sending thread that waits a few milliseconds for a core makes
 * sends late. With `realtime`, the thread gets SCHED_FIFO at `rtPriority` (through chrt(1)): it then runs the
 * moment its timer fires, instead of waiting for the scheduler to preempt whatever runs on the core, which on a
 * shared 2-vCPU machine took the share of sends over 1 ms late from about 2 % to under 1 %. The kernel's real-time
 * throttling still leaves 5 % of every core to ordinary threads. Otherwise (or where real time is not permitted)
 * nice -10. Where neither is allowed, nothing changes and send lag shows the cost. Senders take priority 2, above
 * node's helper threads (1, helper-threads.ts), and the stall watchdog 3, so that a sender busy on its core never
 * delays it.
 */
export function raiseThreadPriority(realtime: boolean, rtPriority: number): SenderScheduling {
  const tid = threadId();
  if (tid === undefined) return 'normal';
  let result: SenderScheduling = 'normal';
  try {
    os.setPriority(tid, -10);
    result = 'high-priority';
  } catch {
    // Not permitted: keep the normal priority.
  }
  if (realtime) {
    try {
      execFileSync('chrt', ['--fifo', '--pid', String(rtPriority), String(tid)], { stdio: 'ignore', timeout: 5000 });
      result = 'realtime';
    } catch {
      // No chrt, or not permitted (no CAP_SYS_NICE): stay as above.
    }
  }
  return result;
}
