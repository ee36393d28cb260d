/**
 * Node's helper threads are raised while a run sends (src/load/helper-threads.ts): SCHED_FIFO 1 with real time,
 * nice −10 without, and put back afterwards; threads started after the module was loaded (load workers, the
 * watchdog, the TCP proxy of network faults) and the main thread are left alone. Each case runs in a fresh node
 * process, whose threads it may change; it needs the privilege to raise priority (root or CAP_SYS_NICE) and skips
 * where that is missing.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(fileURLToPath(new URL('../../../src/load/helper-threads.ts', import.meta.url))).href;
const SCRIPT = (realtime: boolean): string => `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { raiseHelperThreads } from ${JSON.stringify(MODULE)};
// A thread started after the module was loaded, as a load worker or the proxy is.
const late = await new Promise((resolve) => {
  const w = new Worker("import { readlinkSync } from 'node:fs'; import { parentPort } from 'node:worker_threads'; parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop())); setInterval(() => {}, 1000);", { eval: true });
  w.once('message', (tid) => resolve({ w, tid }));
});
// policy (field 41) and nice (field 19) of every thread; the name in field 2 has no spaces here ("node").
const threads = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => { const f = readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(' '); return [t, { nice: Number(f[18]), policy: Number(f[40]) }]; }));
const restore = raiseHelperThreads(${realtime});
const raised = threads();
restore();
const after = threads();
console.log(JSON.stringify({ pid: process.pid, late: late.tid, raised, after }));
process.exit(0);
`;

type Threads = Record<string, { nice: number; policy: number }>;
function probe(realtime: boolean): { pid: number; late: number; raised: Threads; after: Threads } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT(realtime)], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as { pid: number; late: number; raised: Threads; after: Threads };
}

/** permitted says whether this process may raise a thread's priority (root or CAP_SYS_NICE on Linux). */
function permitted(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    os.setPriority(os.getPriority());
    os.setPriority(process.pid, os.getPriority() - 1);
    os.setPriority(process.pid, os.getPriority() + 1);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!permitted())('raiseHelperThreads', () => {
  it.each([
    // [realtime, the helpers' policy while raised (1 = SCHED_FIFO, 0 = normal), their nice]
    [true, 1, -10],
    [false, 0, -10],
  ])('realtime %s: node\'s helpers run at policy %i, nice %i, and are put back; later threads and the main one are left alone', (realtime, policy, nice) => {
    const r = probe(realtime);
    const helpers = Object.keys(r.raised).filter((t) => Number(t) !== r.pid && Number(t) !== r.late);
    expect(helpers.length).toBeGreaterThanOrEqual(4); // V8's platform workers at least
    for (const t of helpers) {
      expect(r.raised[t]).toEqual({ nice, policy });
      expect(r.after[t]).toEqual({ nice: 0, policy: 0 });
    }
    expect(r.raised[String(r.pid)]).toEqual({ nice: 0, policy: 0 });
    expect(r.raised[String(r.late)]).toEqual({ nice: 0, policy: 0 });
  });
});
