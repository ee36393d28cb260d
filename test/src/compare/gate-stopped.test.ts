/**
 * Gating a run that was interrupted: the gate cannot judge it (exit 3, even with --allow-invalid), does not
 * compare the phases it never ran, and shows their SLO checks as not run (skipped in JUnit), never as failed.
 */
import { valueText } from '../../../src/report/gate-view.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatGate, gateExitCode } from '../../../src/cli/gate-command.js';
import { makeBaseline } from '../../../src/compare/baseline.js';
import { gateFiles } from '../../../src/compare/gate.js';
import { gateJunit } from '../../../src/report/junit.js';
import { gateMarkdown } from '../../../src/report/gate-markdown.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../report/fixtures/demo.json');

/** interrupted writes the demo run as a SIGINT at 6 s would have left it (version 1: the stop is the last second). */
function interrupted(): string {
  const doc = JSON.parse(readFileSync(DEMO, 'utf8'));
  doc.status = 'interrupted';
  doc.interrupted = true;
  doc.intervals = doc.intervals.filter((r: { t: number }) => r.t < 6);
  const burst = doc.phases.find((p: { name: string }) => p.name === 'burst');
  Object.assign(burst, { scheduled: 0, sent: 0, ok: 0, dropped: 0, completed: 0, errors: {} });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gauntlet-gate-stopped-')), 'results.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('gate on an interrupted candidate', () => {
  const baseline = makeBaseline('demo', [DEMO], true);
  const file = interrupted();

  it.each([false, true])('cannot judge it (exit 3), allowInvalid %s', (allowInvalid) => {
    const report = gateFiles(baseline, 'demo', [file], { allowInvalid });
    expect(report.invalid).toEqual([`cannot judge: run 1 (${file}) was interrupted at 6.0 s of 12 s`]);
    expect(report.pass).toBe(false);
    expect(gateExitCode(report)).toBe(3);
    expect(formatGate(report)[0]).toMatch(/: CANNOT JUDGE — the candidate's measurement is invalid, or its run did not go to its end$/);
  });

  it('does not compare the phase that never ran, and shows its SLO checks as not run', () => {
    const report = gateFiles(baseline, 'demo', [file], { allowInvalid: true });
    expect(report.warnings).toContain('phase burst did not run in the candidate: not compared');
    expect(report.checks.filter((c) => c.phase === 'burst' && c.kind === 'verdict')).toEqual([]);
    const slo = report.checks.flatMap((c) => (c.phase === 'burst' && c.kind === 'slo' ? [c] : []));
    expect(slo.length).toBeGreaterThan(0);
    for (const c of slo) expect(c).toMatchObject({ notRun: true, pass: true, actual: null });
    expect(formatGate(report).filter((l) => l.includes('burst SLO'))).toEqual(slo.map((c) => `  -    burst SLO ${c.metric}: not run (the phase did not run; threshold ${valueText(c.metric, c.threshold, c.unit)})`));
    // Error rates read in percent, never as a bare ratio.
    expect(formatGate(report).join('\n')).not.toMatch(/\bratio\b/);
    expect(gateJunit(report)).toMatch(/classname="demo\.burst" name="SLO p99"><skipped message="p99: not run/);
    expect(gateMarkdown(report)).toMatch(/\| burst \| SLO p99 \| .* \| not run \| \| ➖ not run \|/);
    expect(gateMarkdown(report)).toMatch(/^## gauntlet gate: ⛔ cannot judge \(invalid measurement\)$/m);
  });
});
