/**
 * The folder of `gauntlet run --repeat N` (rep-1 … rep-N, gate.json when gated) reported as one run: its
 * repetitions' spread and the gate's verdict, never a comparison of rep-1 against rep-2. From the committed
 * fixture (a real run: fixtures/README.md) and copies of it with parts missing or broken.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../../src/cli/report-command.js';
import type { GateReport } from '../../../src/compare/gate.js';
import { gateHeadline, gateRows } from '../../../src/report/gate-view.js';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs, type RepeatInput } from '../../../src/report/load-inputs.js';
import { repFolders } from '../../../src/report/load-repeat.js';
import { repeatPhases, spreadOf } from '../../../src/report/repeat-view.js';
import { renderReport, writeFolderReports, writeRepeatReports } from '../../../src/report/write-reports.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(HERE, 'fixtures', 'repeat');

/** copy makes a writable copy of the fixture folder. */
function copy(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'gauntlet-repeat-')), 'run');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

const gate = (): GateReport => JSON.parse(readFileSync(path.join(FIXTURE, 'gate.json'), 'utf8')) as GateReport;

describe('a --repeat folder as one run', () => {
  it('is read as its repetitions, in order, with the gate verdict', () => {
    const [input] = loadInputs([FIXTURE]) as RepeatInput[];
    expect(input!.kind).toBe('repeat');
    expect(input!.reps.map((r) => r.label)).toEqual(['rep-1', 'rep-2', 'rep-3', 'rep-4']);
    expect(input!.gate?.baseline).toBe('smoke');
    expect(input!.missing).toEqual([]);
  });

  it('orders rep-10 after rep-9', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-repeat-order-'));
    for (const n of [10, 2, 1, 9]) cpSync(path.join(FIXTURE, 'rep-1'), path.join(dir, `rep-${n}`), { recursive: true });
    expect(repFolders(dir)).toEqual(['rep-1', 'rep-2', 'rep-9', 'rep-10']);
  });

  it('spreads each figure over the repetitions: median, lowest, highest', () => {
    const [input] = loadInputs([FIXTURE]) as RepeatInput[];
    const [phase] = repeatPhases(input!);
    const p99s = input!.reps.map((r) => r.results.phases[0]!.latencyUs.p99 / 1000);
    expect(phase!.spread.p99).toEqual(spreadOf(p99s));
    expect(phase!.spread.p99!.min).toBe(Math.min(...p99s));
    expect(phase!.spread.p99!.max).toBe(Math.max(...p99s));
    expect(phase!.spread.p99!.n).toBe(4);
    expect(spreadOf([3, 1, 2, null])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
  });

  it('makes one page with the spread and the gate verdict, not a comparison of rep-1 … rep-4', () => {
    const page = renderHtml(loadInputs([FIXTURE]));
    expect(page).toMatch(/<h1>smoke: 4 repetitions · gate FAILED · SLO met in 3 of 4 · measurement valid in 0 of 4<\/h1>/);
    expect(page).not.toContain('Comparison:');
    expect(page).not.toContain('id="at-slo"');
    expect(page).toContain("gate FAILED: nothing regressed against the baseline; 1 of the candidate&#39;s 8 SLO checks failed");
    expect(page).toContain('median of 4');
    for (const rep of ['rep-1', 'rep-2', 'rep-3', 'rep-4']) expect(page).toContain(`<span class="muted">${rep}</span>`);
  });

  it('says which part of a gate failed, and prints error rates in percent', () => {
    const g = gate();
    // The gate's own headline (src/compare/gate-headline.ts), never reworded by the report.
    expect(gateHeadline(g)).toEqual({ status: 'failed', text: "gate FAILED: nothing regressed against the baseline; 1 of the candidate's 8 SLO checks failed", exitCode: 1 });
    const sloMet = g.checks.map((c) => (c.kind === 'slo' ? { ...c, pass: true } : c));
    const regressed = sloMet.map((c, i) => (i === 0 && c.kind === 'verdict' ? { ...c, verdict: 'REGRESSED' as const, pass: false } : c));
    expect(gateHeadline({ ...g, checks: regressed }).text).toBe("gate FAILED: 1 metric regressed against the baseline; the candidate's SLO checks passed");
    expect(gateHeadline({ ...g, pass: true, checks: sloMet }).status).toBe('passed');
    expect(gateHeadline({ ...g, invalid: ['rep-1: interrupted'] })).toMatchObject({ status: 'cannot-judge', exitCode: 3 });
    const md = renderReport(loadInputs([FIXTURE]), 'md');
    expect(md).toContain('| smoke (run 2) | SLO p99 | limit 100 ms | 105 ms |');
    expect(md).not.toMatch(/\bratio\b/);
    expect(gateRows(g).find((r) => r.check === 'SLO error_rate')).toMatchObject({ baseline: 'limit 1.00 %', candidate: '0 %', verdict: 'met' });
    expect(gateRows(g).find((r) => r.check === 'error_rate')).toMatchObject({ baseline: '0 %', change: '+0.00 pp' });
  });

  it('reports a folder with a repetition missing and a broken gate.json, saying so', () => {
    const dir = copy();
    rmSync(path.join(dir, 'rep-3', 'results.json'));
    writeFileSync(path.join(dir, 'gate.json'), '{"pass": "maybe"');
    const [input] = loadInputs([dir]) as RepeatInput[];
    expect(input!.reps.map((r) => r.label)).toEqual(['rep-1', 'rep-2', 'rep-4']);
    const md = renderReport([input!], 'md');
    expect(md).toContain('Repetition rep-3: no results.json');
    expect(md).toContain('gate.json could not be read');
    expect(md).toContain('gauntlet: smoke — 4 repetitions');
  });

  it('refuses a folder none of whose repetitions can be read, naming each', () => {
    const dir = copy();
    for (const rep of repFolders(dir)) writeFileSync(path.join(dir, rep, 'results.json'), 'not json');
    expect(() => loadInputs([dir])).toThrow(/cannot read an input/);
  });

  it('is what run --repeat writes in its folder, and keeps the gate verdict for later reports', () => {
    const dir = copy();
    rmSync(path.join(dir, 'gate.json'));
    const reps = repFolders(dir).map((r) => path.join(dir, r));
    writeFolderReports(dir, reps);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/<h1>smoke: 4 repetitions · SLO met in 3 of 4/);
    writeRepeatReports(dir, reps, gate(), 1);
    expect(JSON.parse(readFileSync(path.join(dir, 'gate.json'), 'utf8'))).toMatchObject({ baseline: 'smoke', exitCode: 1 });
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain("gate FAILED: nothing regressed against the baseline; 1 of the candidate's");
    // `gauntlet report DIR` later: the same page, next to the repetitions.
    const lines: string[] = [];
    expect(runReport({ inputs: [dir], format: 'html' }, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toContain(path.join(dir, 'report.html'));
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('gate FAILED');
  });

  it('links each repetition\'s own report relative to the page', () => {
    const dir = copy();
    writeFolderReports(path.join(dir, 'rep-1'));
    const page = renderHtml(loadInputs([dir]), { pageDir: dir });
    expect(page).toContain('<a href="rep-1/report.html">rep-1</a>');
  });

  it('gives CSV and JUnit a row and a suite per repetition', () => {
    const inputs = loadInputs([FIXTURE]);
    const csv = renderReport(inputs, 'csv').split('\r\n');
    expect(csv.slice(1, 5).map((l) => l.split(',')[0])).toEqual(['smoke rep-1', 'smoke rep-2', 'smoke rep-3', 'smoke rep-4']);
    expect(renderReport(inputs, 'junit').match(/<testsuite name="smoke rep-\d"/g)).toHaveLength(4);
  });
});
