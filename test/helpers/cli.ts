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

/** gauntlet runs the CLI with `args` from ROOT and resolves when it exits; `onSpawn` gets the child (to signal it). */
export function gauntlet(args: string[], onSpawn?: (c: ChildProcess) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}
