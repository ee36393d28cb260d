/**
 * A CPU hog: a child process that runs one busy loop (at the niceness it inherits, 0 from a normal shell) until it
 * is stopped, the way a neighbour on a shared CI runner takes a core. It checks every few milliseconds that its
 * parent is alive and exits when it is not, so a killed benchmark or test never leaves it spinning.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';

/** CpuHog is a running busy loop. */
export interface CpuHog {
  pid: number;
  /** The hog's niceness (0 unless this process runs at another). */
  nice: number;
  /** stop ends the hog and resolves once it has exited. */
  stop(): Promise<void>;
}

// A busy loop that looks up its parent every 2^22 iterations (a few ms) and leaves when the parent is gone.
const LOOP = 'const p = Number(process.argv[1]); for (let i = 1; ; i++) if ((i & 0x3fffff) === 0 && process.ppid !== p) process.exit(0);';

const hogs = new Set<ChildProcess>();
process.once('exit', () => {
  for (const h of hogs) h.kill('SIGKILL');
});

/** startCpuHog starts one busy loop in a child process. */
export function startCpuHog(): CpuHog {
  const child = spawn(process.execPath, ['-e', LOOP, String(process.pid)], { stdio: 'ignore' });
  hogs.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => hogs.delete(child));
  let nice = 0;
  try {
    nice = os.getPriority(child.pid);
  } catch {
    // Already gone, or not Linux: report 0.
  }
  return {
    pid: child.pid!,
    nice,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
