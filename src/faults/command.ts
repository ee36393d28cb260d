/**
 * runCommand runs a fault's shell command (`sh -c`) in a process group of its own, keeps the last lines of its
 * output, and ends the whole group when it runs past its timeout (SIGTERM, then SIGKILL after a grace period),
 * so nothing it started outlives the fault. A failing command is a result, never an exception.
 *
 * Nothing it started outlives gauntlet either, however gauntlet ends: an exit that runs 'exit' handlers (a second
 * Ctrl-C) SIGKILLs the group at once, and a small watchdog shell in a group of its own holds a pipe from us; when
 * gauntlet dies (even by SIGKILL) the pipe closes, and the watchdog sends the group SIGTERM, then SIGKILL after
 * WATCHDOG_GRACE_S. The watchdog is ended with the command.
 *
 * The watchdog starts first, and the command does not run until the watchdog knows its group: the command's
 * process waits at a gate (a shell reading one line from us) and execs the command only after we have told the
 * watchdog its group and then opened the gate. A gauntlet killed at any instant of the start leaves nothing behind:
 * before the gate opens, the gate reads end-of-file and exits without running the command; after, the watchdog
 * knows the group. (Started the other way round, a kill -9 in the milliseconds between starting the command and
 * starting its watchdog left the command running for good: about one start in ten when killed at once.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { onProcessExit } from '../util/on-exit.js';

/** CommandResult is how a command ended. */
export interface CommandResult {
  outcome: 'ok' | 'failed' | 'timeout';
  /** The exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The last lines of stdout and stderr, interleaved as they came. */
  output: string[];
  /** Why it failed to start, if it did. */
  error?: string;
}

/** CommandOptions configure one command. */
export interface CommandOptions {
  timeoutMs: number;
  cwd?: string;
  env?: Record<string, string>;
  /** Lines of output kept (default 20). */
  tailLines?: number;
  /** Between SIGTERM and SIGKILL of the group on timeout (default 2000 ms). */
  killGraceMs?: number;
  /** Aborting ends the command like a timeout (the run is over). */
  signal?: AbortSignal;
  /** Aborting ends the command at once: SIGTERM, then SIGKILL after CANCEL_KILL_MS (the run was interrupted). */
  cancel?: AbortSignal;
}

/** MAX_LINE_CHARS bounds each kept line of output. */
const MAX_LINE_CHARS = 300;
/** CANCEL_KILL_MS is the grace between SIGTERM and SIGKILL of a command's group when the run is interrupted. */
export const CANCEL_KILL_MS = 200;
/** WATCHDOG_GRACE_S is the watchdog's grace between SIGTERM and SIGKILL of the group once gauntlet is gone. */
export const WATCHDOG_GRACE_S = 1;
/**
 * The watchdog: reads the group to watch (a line from us; end-of-file first means gauntlet is gone before the
 * command could run, and there is nothing to do), waits for end-of-file (our end of the pipe closing), then ends
 * that group.
 */
const WATCHDOG = `read g || exit 0; case "$g" in *[!0-9]*|'') exit 0;; esac; read _; kill -s TERM -- -"$g" 2>/dev/null; sleep ${WATCHDOG_GRACE_S}; kill -s KILL -- -"$g" 2>/dev/null`;
/** The gate: waits for our line, then becomes the command ("$@"), its stdin /dev/null; end-of-file first: exit 125, nothing run. */
const GATE = 'read _ || exit 125; exec "$@" </dev/null';

/**
 * runCommand runs `command` with sh -c, or an argv array as it is (no shell: nothing in it is interpreted), and
 * resolves when it has exited (or its group was killed).
 */
export function runCommand(command: string | readonly string[], opts: CommandOptions): Promise<CommandResult> {
  const started = performance.now();
  const tail = new OutputTail(opts.tailLines ?? 20);
  return new Promise((resolve) => {
    const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
    const env = { ...process.env, ...opts.env };
    // A program that is not there is told as spawn tells it (the gate's shell would only say "not found").
    if (typeof command !== 'string' && !findExecutable(file, env['PATH'], opts.cwd)) {
      resolve({ outcome: 'failed', exitCode: null, signal: null, durationMs: Math.round(performance.now() - started), output: [], error: `spawn ${file} ENOENT` });
      return;
    }
    const watchdog = startWatchdog();
    const child = spawn('/bin/sh', ['-c', GATE, 'gauntlet-command', file, ...args], {
      cwd: opts.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout can end everything it started (kubectl, ssh, sleep …).
      detached: true,
    });
    child.stdin!.on('error', () => {});
    // Tell the watchdog the group, and only once that is written, open the gate.
    const open = (): void => void child.stdin!.end('\n');
    if (watchdog && child.pid !== undefined) watchdog.stdin!.write(`${child.pid}\n`, open);
    else open();
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    let killDeadline = Infinity;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const forget = onProcessExit(() => killGroup('SIGKILL'));
    /** expire ends the group: SIGTERM now (once), SIGKILL after graceMs (a later, shorter grace wins). */
    const expire = (graceMs: number): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (!timedOut) {
        timedOut = true;
        killGroup('SIGTERM');
      }
      if (performance.now() + graceMs >= killDeadline) return;
      killDeadline = performance.now() + graceMs;
      clearTimeout(killTimer);
      killTimer = setTimeout(() => killGroup('SIGKILL'), graceMs);
    };
    const onTimeout = (): void => expire(opts.killGraceMs ?? 2000);
    const onCancel = (): void => expire(CANCEL_KILL_MS);
    const timer = setTimeout(onTimeout, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onTimeout, { once: true });
    opts.cancel?.addEventListener('abort', onCancel, { once: true });
    if (opts.cancel?.aborted) onCancel();
    child.stdout!.on('data', (d: Buffer) => tail.push('out', d));
    child.stderr!.on('data', (d: Buffer) => tail.push('err', d));
    const finish = (exitCode: number | null, signal: string | null, error?: string): void => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onTimeout);
      opts.cancel?.removeEventListener('abort', onCancel);
      // Whatever it left behind in its group goes too.
      if (timedOut) killGroup('SIGKILL');
      forget();
      watchdog?.kill('SIGKILL');
      const outcome = timedOut ? 'timeout' : exitCode === 0 ? 'ok' : 'failed';
      resolve({ outcome, exitCode, signal, durationMs: Math.round(performance.now() - started), output: tail.lines(), ...(error !== undefined && { error }) });
    };
    child.once('error', (err) => finish(null, null, err.message));
    // 'close' waits for the output pipes; a descendant that keeps them open must not hold the fault up.
    child.once('exit', (code, sig) => {
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        finish(code, sig);
      };
      child.once('close', end);
      setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
        end();
      }, 500).unref();
    });
  });
}

/**
 * findExecutable says whether `file` names a program that can be run: a path (relative to `cwd`) or a name found
 * on `PATH`, as execvp looks for it.
 */
export function findExecutable(file: string, PATH: string | undefined, cwd?: string): boolean {
  const runnable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file === '') return false;
  if (file.includes('/')) return runnable(path.resolve(cwd ?? process.cwd(), file));
  return (PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').some((dir) => runnable(path.resolve(cwd ?? process.cwd(), dir || '.', file)));
}

/** startWatchdog starts a watchdog, to be told its group on stdin; it holds nothing of ours alive (unref'd). */
function startWatchdog(): ChildProcess | undefined {
  try {
    const w = spawn('/bin/sh', ['-c', WATCHDOG, 'gauntlet-watchdog'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    w.on('error', () => {});
    w.stdin!.on('error', () => {});
    w.unref();
    (w.stdin as unknown as { unref?: () => void }).unref?.();
    return w;
  } catch {
    return undefined;
  }
}

/** OutputTail keeps the last complete lines of stdout and stderr, in the order they completed (and unfinished last lines). */
class OutputTail {
  private readonly kept: string[] = [];
  private readonly partial = { out: '', err: '' };

  constructor(private readonly limit: number) {}

  push(stream: 'out' | 'err', d: Buffer): void {
    const parts = (this.partial[stream] + d.toString('utf8')).split(/\r?\n/);
    let rest = parts.pop() ?? '';
    if (rest.length > 4 * MAX_LINE_CHARS) rest = rest.slice(-4 * MAX_LINE_CHARS);
    this.partial[stream] = rest;
    for (const line of parts) {
      this.kept.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
      if (this.kept.length > this.limit) this.kept.shift();
    }
  }

  lines(): string[] {
    const unfinished = [this.partial.out, this.partial.err].filter((l) => l !== '').map((l) => l.slice(0, MAX_LINE_CHARS));
    return [...this.kept, ...unfinished].slice(-this.limit);
  }
}
