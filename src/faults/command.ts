/**
 * runCommand runs a fault's shell command (`sh -c`) in a process group of its own, keeps the last lines of its
 * output, and ends the whole group when it runs past its timeout (SIGTERM, then SIGKILL after a grace period),
 * so nothing it started outlives the fault. A failing command is a result, never an exception.
 */
import { spawn } from 'node:child_process';

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
}

/** MAX_LINE_CHARS bounds each kept line of output. */
const MAX_LINE_CHARS = 300;

/** runCommand runs `command` with sh -c and resolves when it has exited (or its group was killed). */
export function runCommand(command: string, opts: CommandOptions): Promise<CommandResult> {
  const started = performance.now();
  const tail = new OutputTail(opts.tailLines ?? 20);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout can end everything it started (kubectl, ssh, sleep …).
      detached: true,
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const expire = (): void => {
      if (timedOut || child.exitCode !== null || child.signalCode !== null) return;
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 2000);
    };
    const timer = setTimeout(expire, opts.timeoutMs);
    opts.signal?.addEventListener('abort', expire, { once: true });
    child.stdout!.on('data', (d: Buffer) => tail.push('out', d));
    child.stderr!.on('data', (d: Buffer) => tail.push('err', d));
    const finish = (exitCode: number | null, signal: string | null, error?: string): void => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', expire);
      // Whatever it left behind in its group goes too.
      if (timedOut) killGroup('SIGKILL');
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
