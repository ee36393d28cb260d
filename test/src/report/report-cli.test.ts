/**
 * `gauntlet report`: where each format goes by default, the exit code for unreadable inputs, and the compiled
 * CLI (dist/) finding the inlined assets (uPlot, the client script) outside the TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultOut, runReport } from '../../../src/cli/report-command.js';
import { exitCodeOf } from '../../../src/errors.js';
import { loadInputs } from '../../../src/report/load-inputs.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const BUILT = existsSync(path.join(ROOT, 'dist/src/cli/report-command.js'));

function runFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-report-cli-'));
  const run = path.join(dir, 'run');
  mkdirSync(run);
  copyFileSync(path.join(HERE, 'fixtures', 'demo.json'), path.join(run, 'results.json'));
  return run;
}

describe('gauntlet report', () => {
  it('writes the HTML next to a single run, and other formats to stdout', () => {
    const run = runFolder();
    const lines: string[] = [];
    expect(runReport({ inputs: [run], format: 'html' }, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([`Report: ${path.join(run, 'report.html')} (self-contained; open it in a browser)`]);
    expect(readFileSync(path.join(run, 'report.html'), 'utf8')).toMatch(/<h1>demo: SLO violated · measurement INVALID<\/h1>/);
    let out = '';
    expect(runReport({ inputs: [path.join(run, 'results.json')], format: 'csv' }, () => {}, (t) => (out += t))).toBe(0);
    expect(out.split('\r\n')[0]).toMatch(/^run,scenario,target,phase,/);
  });

  it('puts a comparison of several inputs under reports/comparisons/', () => {
    const inputs = loadInputs([path.join(HERE, 'fixtures', 'cmp-http.json'), path.join(HERE, 'fixtures', 'cmp-grpc.json')]);
    expect(defaultOut(inputs, 'html', new Date('2026-01-02T03:04:05.678Z'))).toBe(path.join('reports', 'comparisons', '2026-01-02T03-04-05Z.html'));
    expect(defaultOut(inputs, 'md')).toBeUndefined();
  });

  it('exits 2 naming every input it cannot read', () => {
    let err: unknown;
    try {
      runReport({ inputs: ['/nonexistent/a.json', '/nonexistent/b'], format: 'html' }, () => {});
    } catch (e) {
      err = e;
    }
    expect(exitCodeOf(err)).toBe(2);
    expect((err as { details: string[] }).details).toHaveLength(2);
  });

  it.skipIf(!BUILT)('works from the compiled CLI in dist/ (assets found outside src/)', () => {
    const run = runFolder();
    const r = spawnSync(process.execPath, [CLI, 'report', run, '--out', path.join(run, 'from-dist.html')], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const page = readFileSync(path.join(run, 'from-dist.html'), 'utf8');
    expect(page).toContain('uPlot');
    expect(page).toContain('gauntletReport');
  });
});
