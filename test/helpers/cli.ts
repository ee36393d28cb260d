/**
 * The compiled gauntlet CLI (`dist/`, built by `npm test`) run as a user runs it, in a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ROOT is the project's folder; CLI the compiled command line's entry point. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'dist/src/cli/main.js');

/** Ran is how a CLI process ended and what it printed. */
export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * gauntlet runs the CLI with `args` from ROOT and resolves when it exits; `onSpawn` gets the child (to signal it),
 * `env` is added to this process's environment.
 */
export function gauntlet(args: string[], onSpawn?: (c: ChildProcess) => void, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}

/** Served is a `gauntlet serve` child: what it printed so far, line by line, and its exit. */
export interface Served {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/**
 * serveCli starts `gauntlet serve` with `args` and resolves once it printed `Server is ready`. If it exits first,
 * it rejects with its output, or, with `mayExit`, resolves (for tests of a serve that must refuse to start).
 */
export function serveCli(args: string[], env: Record<string, string> = {}, mayExit = false): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const p of parts) lines.push(p);
      if (parts.includes('Server is ready')) resolve({ child, lines, exited });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      if (mayExit) resolve({ child, lines, exited });
      else reject(new Error(`serve exited (${code}) before it was ready:\n${lines.join('\n')}${buffered}`));
    });
  });
}
