/**
 * Command faults: the command runs in a shell, its exit code and last output lines are recorded, and a command
 * that runs past its timeout is ended with its whole process group and recorded as a timeout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/faults/command.js';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** alive tells whether a process still runs (a zombie waiting to be reaped does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('runCommand', () => {
  it('records success, the exit code and the output', async () => {
    const r = await runCommand('echo starting; echo "$GAUNTLET_X" >&2; printf done', { timeoutMs: 10_000, env: { GAUNTLET_X: 'from env' } });
    expect(r).toMatchObject({ outcome: 'ok', exitCode: 0, signal: null });
    // stdout and stderr are separate pipes: their lines interleave in arrival order, never within a line.
    expect([...r.output].sort()).toEqual(['done', 'from env', 'starting']);
  });

  it('records a failing command with its exit code and keeps only the last lines', async () => {
    const r = await runCommand('for i in $(seq 1 50); do echo line $i; done; exit 3', { timeoutMs: 10_000, tailLines: 5 });
    expect(r.outcome).toBe('failed');
    expect(r.exitCode).toBe(3);
    expect(r.output).toEqual(['line 46', 'line 47', 'line 48', 'line 49', 'line 50']);
  });

  it('runs in the given folder', async () => {
    const r = await runCommand('pwd', { timeoutMs: 10_000, cwd: dir });
    expect(r.output).toEqual([dir]);
  });

  it('kills a command that sleeps past its timeout, with everything it started', async () => {
    const pidFile = join(dir, 'child.pid');
    const started = Date.now();
    // The shell starts a background sleep (its grandchild) and waits: both must die.
    const r = await runCommand(`sleep 30 & echo $! > ${pidFile}; echo waiting; wait`, { timeoutMs: 300, killGraceMs: 500 });
    expect(r.outcome).toBe('timeout');
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe('SIGTERM');
    expect(r.output).toEqual(['waiting']);
    expect(Date.now() - started).toBeLessThan(3000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('follows up with SIGKILL when the command ignores SIGTERM', async () => {
    const r = await runCommand("trap '' TERM; echo stubborn; while true; do sleep 0.05; done", { timeoutMs: 300, killGraceMs: 300 });
    expect(r.outcome).toBe('timeout');
    expect(r.signal).toBe('SIGKILL');
    expect(r.durationMs).toBeLessThan(3000);
  });

  it('ends a running command when the run is over (abort)', async () => {
    const over = new AbortController();
    setTimeout(() => over.abort(), 200);
    const r = await runCommand('sleep 30', { timeoutMs: 60_000, signal: over.signal, killGraceMs: 300 });
    expect(r.outcome).toBe('timeout');
    expect(r.durationMs).toBeLessThan(3000);
  });

  it('reports a command that cannot run as failed', async () => {
    const r = await runCommand('exec /nonexistent/tool --flag', { timeoutMs: 5000 });
    expect(r.outcome).toBe('failed');
    expect(r.exitCode).toBe(127);
    expect(r.output.join('\n')).toMatch(/nonexistent/);
  });
});
