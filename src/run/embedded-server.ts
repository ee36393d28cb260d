/**
 * Starts the reference server as a child process on free loopback ports (`gauntlet serve --http-port 0 ...`)
 * and waits for the start-up lines Triton also prints. gauntlet talks to it over the wire only, as to any target.
 *
 * The server dies with us, however we end: it watches our pid (PARENT_PID_ENV) and exits within about 200 ms of
 * our death, even a SIGKILL; on any exit of ours that runs 'exit' handlers it gets SIGKILL at once. An abort
 * during start-up kills it; stopping after an interrupt gives it INTERRUPT_STOP_MS to drain, then SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN_ENV } from '../../reference-server/cluster/admin-api.js';
import { PARENT_PID_ENV } from '../../reference-server/core/parent-watch.js';
import { onProcessExit } from '../util/on-exit.js';
import { processCpuSeconds } from '../util/proc-stat.js';
import { InterruptedError } from './abort.js';

/** EmbeddedServer is a running reference server child process. */
export interface EmbeddedServer {
  child: ChildProcess;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  /** The admin API's port and token, when the server runs replicas (`--replicas N`, N > 1; docs/cluster.md). */
  adminPort?: number;
  adminToken?: string;
  /** Everything the server printed so far. */
  output(): string;
  /** cpuSeconds is the CPU time the server process used so far (Linux /proc; 0 elsewhere). */
  cpuSeconds(): number;
  /**
   * stop sends SIGTERM (graceful drain) and resolves with the exit code; SIGKILL follows after STOP_GRACE_MS, or
   * INTERRUPT_STOP_MS once `signal` aborts (before or during the stop).
   */
  stop(opts?: { signal?: AbortSignal }): Promise<number | null>;
}

/** EmbeddedStartOptions bound the start-up. */
export interface EmbeddedStartOptions {
  /** How long building the models and starting may take (default 180 s). */
  timeoutMs?: number;
  /** Aborting kills the starting server, and the start rejects with an InterruptedError. */
  signal?: AbortSignal;
}

/** STOP_GRACE_MS is how long a stopping server may drain before SIGKILL (its own drain grace is 30 s). */
export const STOP_GRACE_MS = 35_000;
/** INTERRUPT_STOP_MS is how long a server may drain after an interrupt before SIGKILL. */
export const INTERRUPT_STOP_MS = 300;

const here = import.meta.url;
const fromSource = here.endsWith('.ts');
const CLI = fileURLToPath(new URL(fromSource ? '../cli/main.ts' : '../cli/main.js', here));

/**
 * EMBEDDED_NICE is the CPU priority the embedded server runs at. It shares the machine with the load generator,
 * whose sends must leave on time to the millisecond: at nice 0 a busy server's threads delay the generator's
 * wake-ups by several milliseconds; a lower priority lets the mostly sleeping generator run the moment it
 * wakes, while the server still gets every cycle the generator leaves idle.
 */
export const EMBEDDED_NICE = 5;

/** startEmbeddedServer runs `gauntlet serve` with extra arguments and resolves once it reports ready. */
export function startEmbeddedServer(args: string[], opts: EmbeddedStartOptions = {}): Promise<EmbeddedServer> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(new InterruptedError('starting the embedded reference server'));
  const execArgv = fromSource ? ['--import', 'tsx'] : [];
  const argv = [...execArgv, CLI, 'serve', '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', ...args];
  // The stack's admin token is its own: one in our environment would be taken by `serve` and not printed, and the
  // run reads the token from the start-up line. The stack generates one and prints it on our pipe only.
  const { [ADMIN_TOKEN_ENV]: _ours, ...inherited } = process.env;
  const env = { ...inherited, [PARENT_PID_ENV]: String(process.pid) };
  // Through nice(1), so every thread the server starts inherits the priority (nice execs: the pid stays the server's).
  const nice = existsSync('/usr/bin/nice') ? '/usr/bin/nice' : undefined;
  const child = nice
    ? spawn(nice, ['-n', String(EMBEDDED_NICE), process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const forget = onProcessExit(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      forget();
      resolve(code);
    });
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const ports: Record<string, number> = {};
    const fail = (err: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      child.off('exit', onExit);
      reject(err);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the reference server did not become ready in ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    const onAbort = (): void => {
      child.off('exit', onExit);
      child.kill('SIGKILL');
      // Reject once it is gone (a SIGKILL is quick; never wait longer than a second).
      const gone = setTimeout(() => fail(new InterruptedError('starting the embedded reference server')), 1000);
      void exited.then(() => (clearTimeout(gone), fail(new InterruptedError('starting the embedded reference server'))));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const onExit = (code: number | null): void => {
      fail(new Error(`the reference server exited (code ${code}) before it was ready:\n${out}`));
    };
    const onData = (d: Buffer): void => {
      out += d.toString();
      for (const m of out.matchAll(/Started (GRPCInferenceService|HTTPService|Metrics Service) at .*:(\d+)/g)) ports[m[1]!] = Number(m[2]);
      if (/Server is ready/.test(out)) {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        child.off('exit', onExit);
        const admin = /^Started Admin API at .*:(\d+) \(token: (\S+)\)$/m.exec(out);
        resolve({
          child,
          httpPort: ports['HTTPService']!,
          grpcPort: ports['GRPCInferenceService']!,
          metricsPort: ports['Metrics Service']!,
          ...(admin ? { adminPort: Number(admin[1]), adminToken: admin[2]! } : {}),
          output: () => out,
          cpuSeconds: () => processCpuSeconds(child.pid),
          stop: (o = {}) => stopChild(child, exited, o.signal),
        });
      } else if (/NOT ready/.test(out)) {
        child.kill('SIGKILL');
        fail(new Error(`the reference server started but is not ready:\n${out}`));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** stopChild sends SIGTERM, then SIGKILL after STOP_GRACE_MS (INTERRUPT_STOP_MS once `signal` aborts), and resolves on exit. */
function stopChild(child: ChildProcess, exited: Promise<number | null>, signal: AbortSignal | undefined): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  let timer = setTimeout(() => child.kill('SIGKILL'), signal?.aborted ? INTERRUPT_STOP_MS : STOP_GRACE_MS);
  const onAbort = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => child.kill('SIGKILL'), INTERRUPT_STOP_MS);
  };
  if (!signal?.aborted) signal?.addEventListener('abort', onAbort, { once: true });
  return exited.finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  });
}
