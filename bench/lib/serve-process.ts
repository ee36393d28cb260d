/**
 * Starts `gauntlet serve` as a child process at normal priority, waits for `Server is ready` and reads its ports
 * from the start-up lines. `stop` sends SIGTERM and SIGKILL after a few seconds; every started process is also
 * killed when this process exits, and dies by itself with it whatever kills it (PARENT_PID_ENV), so an
 * interrupted benchmark leaves no server behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PARENT_PID_ENV } from '../../reference-server/core/parent-watch.js';

/** Served is a running `gauntlet serve`. */
export interface Served {
  pid: number;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  /** The admin API, with --replicas above 1. */
  adminPort?: number;
  adminToken?: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** startServe runs `gauntlet serve ARGS` and resolves once it is ready (rejects if it exits or takes over a minute). */
export function startServe(args: string[]): Promise<Served> {
  const cli = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../src/cli/main.ts' : '../../src/cli/main.js', import.meta.url));
  const execArgv = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const env = { ...process.env, [PARENT_PID_ENV]: String(process.pid) };
  const child = spawn(process.execPath, [...execArgv, cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  children.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  exited.then(() => children.delete(child), () => undefined);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not become ready within 60 s:\n${out}`));
    }, 60_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}):\n${out}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('Server is ready')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const port = (what: string): number => Number(new RegExp(`Started ${what} at [^\\s]*:(\\d+)`).exec(out)?.[1]);
      resolve({
        pid: child.pid!,
        httpPort: port('HTTPService'),
        grpcPort: port('GRPCInferenceService'),
        metricsPort: port('Metrics Service'),
        ...(out.includes('Started Admin API') && { adminPort: port('Admin API'), adminToken: /\(token: (\S+)\)/.exec(out)?.[1] ?? '' }),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
