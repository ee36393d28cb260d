/**
 * `gauntlet report` from the compiled CLI, as a user runs it: `--out -` (yargs reads it as an empty string) writes
 * every format to stdout and leaves no file behind, a reader that closes the pipe early ends it quietly, an --out
 * that cannot be written exits 2 leaving no temporary file, a temporary file left by a killed writer is cleared,
 * and a `run --repeat` folder is taken as its repetitions.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../../helpers/cli.js';

const FIXTURES = path.join(ROOT, 'test/src/report/fixtures');
const BUILT = existsSync(CLI);

/** workspace makes a folder to run in, holding a run folder (`run/results.json`). */
function workspace(): { cwd: string; run: string } {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-report-out-'));
  const run = path.join(cwd, 'run');
  mkdirSync(run);
  copyFileSync(path.join(FIXTURES, 'demo.json'), path.join(run, 'results.json'));
  return { cwd, run };
}

/** files lists every file under dir, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function report(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'report', ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STARTS: Record<string, string> = { html: '<!DOCTYPE html>', md: '## gauntlet: demo', csv: 'run,scenario,', junit: '<?xml' };

describe.skipIf(!BUILT)('gauntlet report --out', () => {
  it.each(['html', 'md', 'csv', 'junit'].flatMap((format) => [[format, ['--out', '-']], [format, ['--out=-']]] as const))('%s with %j goes to stdout and leaves no file', (format, out) => {
    const { cwd } = workspace();
    const before = files(cwd);
    const r = report(cwd, ['run', '--format', format, ...out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(STARTS[format]!)).toBe(true);
    expect(files(cwd)).toEqual(before);
  });

  it.each([
    ['a folder', (cwd: string) => cwd, /a folder; name the file to write/],
    ['a path ending in /', () => 'out/', /a folder; name the file to write/],
    ['a file under a file', () => 'run/results.json/report.md', /is a file, not a folder/],
  ])('exits 2 for an --out that is %s, leaving nothing behind', (_, out, message) => {
    const { cwd } = workspace();
    const before = files(cwd);
    const r = report(cwd, ['run', '--format', 'md', '--out', out(cwd)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('internal error');
    expect(files(cwd)).toEqual(before);
  });

  it('exits 2 when --out cannot be written, leaving no temporary file', () => {
    const { cwd } = workspace();
    const before = files(cwd);
    // A file name longer than the file system takes (ENAMETOOLONG): the write itself fails.
    const r = report(cwd, ['run', '--format', 'md', '--out', `${'r'.repeat(300)}.md`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot write the report \(ENAMETOOLONG\)/);
    expect(files(cwd)).toEqual(before);
  });

  it('stops quietly, exit 0, when its reader closes the pipe early (| head)', () => {
    const { cwd } = workspace();
    // The page (about 100 KB) is more than a pipe holds: head exits after 100 bytes while the report is still writing.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" report run --out - | head -c 100 > /dev/null; echo "exit \${PIPESTATUS[0]}"`], { cwd, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('exit 0');
  });

  it('removes a temporary file left by a writer that was killed, and keeps a live one\'s', () => {
    const { cwd, run } = workspace();
    writeFileSync(path.join(run, 'report.html.tmp-999999999'), 'half a report');
    writeFileSync(path.join(run, 'report.html.tmp-1'), 'pid 1 is alive');
    expect(report(cwd, ['run']).status).toBe(0);
    expect(files(run)).toEqual(['report.html', 'report.html.tmp-1', 'results.json']);
  });

  it('takes a run --repeat folder as its repetitions, next to which the page goes', () => {
    const { cwd } = workspace();
    cpSync(path.join(FIXTURES, 'repeat'), path.join(cwd, 'rep'), { recursive: true });
    const r = report(cwd, ['rep']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(path.join('rep', 'report.html'));
    const md = report(cwd, ['rep', '--format', 'md']);
    expect(md.stdout).toMatch(/^## gauntlet: smoke — ❌ 4 repetitions · gate FAILED/);
    writeFileSync(path.join(cwd, 'empty.txt'), '');
    expect(report(cwd, [cwd, '--format', 'md']).stderr).toMatch(/a folder without results\.json, sweep\.json or repetitions/);
  });
});
