/**
 * The gate judges the generator's lag per metric (hand-made results; docs/gates.md "Validity at the gate"): a
 * regression far beyond what a late repetition's lag could add is REGRESSED (exit 1), with a note naming the
 * repetition and why it did not matter, where the old rule exited 3; a change within the lag is not REGRESSED
 * (undecided, exit 3); a repetition the lag made invalid for p99 leaves p99's sample alone; the strict rule keeps
 * the old behaviour.
 */
import { describe, expect, it } from 'vitest';
import { formatGate } from '../../../src/cli/gate-command.js';
import { makeBaseline } from '../../../src/compare/baseline.js';
import { gate, gateFiles } from '../../../src/compare/gate.js';
import { gateExitCode } from '../../../src/compare/gate-headline.js';
import { gateJunit } from '../../../src/report/junit.js';
import { gateMarkdown } from '../../../src/report/gate-markdown.js';
import { six, writeRepeat } from './hand-made.js';

const BASE = { p50: 2.3, p99: 8 };
const baseline = makeBaseline('hand', writeRepeat(six(BASE), 'base').files);
const verdict = (r: ReturnType<typeof gate>, metric: string) => r.checks.find((c) => c.kind === 'verdict' && c.metric === metric);

describe('a regression far beyond the lag of a late repetition', () => {
  // Slowed by 3 ms per execution: p50 +135 %, p99 +39 %. rep-3 was 1.1 % late (invalid by the strict rule), its
  // send lag p99 2.1 ms, up to 1.2 ms of its p99 the lag's (marginal).
  const cand = six({ p50: 5.4, p99: 11.2 }, { 2: { late: 0.011, lagP99: 2.1, serviceP99: 10 } });
  const { files } = writeRepeat(cand, 'slow');

  it('is REGRESSED with exit 1, and says which repetition was late and why it did not matter', () => {
    const report = gateFiles(baseline, 'hand', files);
    expect(report.invalid).toEqual([]);
    expect(report.undecided).toEqual([]);
    const p99 = verdict(report, 'p99')!;
    expect(p99).toMatchObject({ verdict: 'REGRESSED', pass: false });
    expect(verdict(report, 'p50')).toMatchObject({ verdict: 'REGRESSED' });
    expect(p99.kind === 'verdict' && p99.notes).toEqual([
      expect.stringMatching(/^rep-3: 1\.10 % of sends over 1 ms late, p99 send lag 2\.10 ms, up to 1\.\d+ ms of its p99 \(marginal\); p99 rose 3(\.\d+)? ms, more than the lag could add \(at most 1\.\d+ ms\): it did not matter$/),
    ]);
    expect(gateExitCode(report)).toBe(1);
    expect(formatGate(report).join('\n')).toMatch(/note: rep-3: 1\.10 % of sends over 1 ms late/);
    expect(gateMarkdown(report)).toMatch(/- steady p99: rep-3: 1\.10 % of sends over 1 ms late/);
    expect(gateJunit(report)).toMatch(/Notes: rep-3: 1\.10 % of sends/);
  });

  it('exits 3 by the strict rule, as before', () => {
    const report = gateFiles(baseline, 'hand', files, { strictValidity: true });
    expect(report.invalid).toEqual([expect.stringMatching(/rep-3\/results\.json: the measurement is invalid \(the load generator could not keep up: 1\.10 % of requests/)]);
    expect(gateExitCode(report)).toBe(3);
  });

  it('is accepted from the --repeat folder itself', async () => {
    const { expandResults } = await import('../../../src/cli/results-paths.js');
    const { dir } = writeRepeat(cand, 'slow');
    expect(expandResults([dir]).map((f) => f.slice(dir.length))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `/rep-${i}/results.json`));
  });
});

describe('a change within what the lag could add', () => {
  // p99 +19 % (1.5 ms), but every candidate repetition's lag could add 2 ms to its p99 (marginal, 21 %); p50 and
  // p95 unchanged.
  const cand = six({ p50: 2.3, p95: 7.15, p99: 9.5, serviceP99: 7.5, lagP99: 2, late: 0.02 });

  it('is not REGRESSED: undecided, exit 3, naming the lag', () => {
    const report = gate(baseline, 'hand', cand, writeRepeat(cand, 'lag').files);
    const p99 = verdict(report, 'p99')!;
    expect(p99).toMatchObject({ verdict: 'UNKNOWN', undecided: true, pass: true });
    expect(p99.kind === 'verdict' && p99.reason).toMatch(/p99 rose 1\.\d+ ms, no more than the generator's lag could account for \(up to 2(\.\d+)? ms in rep-\d/);
    expect(report.counts.regressed).toBe(0);
    expect(report.undecided).toEqual([expect.stringMatching(/^steady p99: /)]);
    expect(gateExitCode(report)).toBe(3);
    expect(formatGate(report)[0]).toMatch(/CANNOT JUDGE — the generator's own lag could explain what changed \(1 check\)/);
  });

  it('is UNKNOWN and passes with --allow-invalid (fails with --unknown fail)', () => {
    const names = writeRepeat(cand, 'lag').files;
    expect(gateExitCode(gate(baseline, 'hand', cand, names, { allowInvalid: true }))).toBe(0);
    expect(gateExitCode(gate(baseline, 'hand', cand, names, { allowInvalid: true, unknown: 'fail' }))).toBe(1);
  });

  it('is REGRESSED by the strict rule with --allow-invalid, as before (the lag is not weighed)', () => {
    const report = gate(baseline, 'hand', cand, writeRepeat(cand, 'lag').files, { strictValidity: true, allowInvalid: true });
    expect(verdict(report, 'p99')).toMatchObject({ verdict: 'REGRESSED' });
  });
});

describe('a repetition the lag made invalid for p99', () => {
  // rep-2's p99 is 60 % lag: it leaves p99's sample (5 runs are left), and nothing else.
  const cand = six(BASE, { 1: { p99: 20, serviceP99: 8, lagP99: 12, late: 0.03 } });

  it('is dropped from p99 with a note, and the rest decide', () => {
    const report = gate(baseline, 'hand', cand, writeRepeat(cand, 'drop').files);
    const p99 = verdict(report, 'p99')!;
    expect(p99.kind === 'verdict' && p99.notes?.[0]).toMatch(/^rep-2 dropped from p99: p99 20\.\d ms, of which up to 12\.\d ms \((59|60)\.\d %\) could be the generator's send lag/);
    expect(p99.kind === 'verdict' && p99.verdict).not.toBe('REGRESSED');
    expect(verdict(report, 'p50')!.kind === 'verdict' && (verdict(report, 'p50') as { notes?: string[] }).notes).toBeFalsy();
    expect(gateExitCode(report)).toBe(0);
  });
});
