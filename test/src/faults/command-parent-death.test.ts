/**
 * A command fault never outlives gauntlet, whatever instant gauntlet is killed at: a process that starts a command
 * (runCommand, from the build) is SIGKILLed in the same tick as the call, or from outside as soon as the command
 * has started, or a few milliseconds later: across the window in which the command and its watchdog start. Every process the command started (marked by an environment variable they all
 * inherit) must be gone within 5 s. Before the watchdog was started ahead of a gated command, a kill in that window
 * left the command running for good (about one run in ten of orphans-cli's kill test).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil, ROOT } from '../../helpers/process-tree.js';

const COMMAND_JS = path.join(ROOT, 'dist/src/faults/command.js');

/** marked lists the live processes (not zombies) whose environment holds `mark`. */
function marked(mark: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!readFileSync(`/proc/${e}/environ`, 'latin1').includes(mark)) continue;
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') found.push(Number(e));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/**
 * startAndDie starts a process that runs a command, and SIGKILLs that process from here `delayMs` after the command
 * has written its first line (fs.watch: within a millisecond or so), or, with a negative delay, from inside it, in
 * the same tick as the call.
 */
function startAndDie(dir: string, mark: string, delayMs: number): Promise<void> {
  const started = path.join(dir, mark);
  const script = `
    const { runCommand } = await import(${JSON.stringify(COMMAND_JS)});
    runCommand('echo > ${started}; sleep 30 & sleep 30; wait', { timeoutMs: 60000, env: { GAUNTLET_TEST_MARK: ${JSON.stringify(mark)} } });
    if (${delayMs} < 0) process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (delayMs >= 0) {
    const watcher = watch(dir, (_, name) => {
      if (name !== mark) return;
      watcher.close();
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    void exited.then(() => watcher.close());
  }
  return exited;
}

describe('a command fault when gauntlet is killed as it starts the command', () => {
  it('leaves nothing running, at any instant of the start', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-parent-death-'));
    const delays = [-1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 8, 12, 20];
    const marks = delays.map((d, i) => `gauntlet-parent-death-${process.pid}-${i}-${d}`);
    // A few at a time: the kills spread over the start's instants, more so on a busy machine.
    for (let i = 0; i < marks.length; i += 4) await Promise.all(marks.slice(i, i + 4).map((m, j) => startAndDie(dir, m, delays[i + j]!)));
    rmSync(dir, { recursive: true, force: true });
    const left = (): string[] => marks.filter((m) => marked(m).length > 0);
    const gone = await pollUntil(() => left().length === 0, 5000);
    const orphans = left();
    for (const m of orphans) for (const pid of marked(m)) process.kill(pid, 'SIGKILL');
    expect(gone, `still running 5 s after their parent's kill -9: ${orphans.join(', ')}`).toBe(true);
  }, 30_000);
});
