/**
 * A baseline from repetitions the generator's lag made invalid for one metric only: saved from the valid ones,
 * metric by metric, with a note per repetition left out (the old rule refused the whole baseline). A metric
 * with no valid repetition left is UNKNOWN at the gate, with the reason; a run invalid as a whole is still
 * refused without --allow-invalid.
 */
import { describe, expect, it } from 'vitest';
import { runSave } from '../../../src/cli/gate-command.js';
import { makeBaseline, readBaseline } from '../../../src/compare/baseline.js';
import { gate } from '../../../src/compare/gate.js';
import { gateExitCode } from '../../../src/compare/gate-headline.js';
import { six, writeRepeat } from './hand-made.js';

const BASE = { p50: 2.3, p99: 8 };
// rep-2 and rep-5: 3 % of sends late, their p99 half lag (invalid for p99); p50 and the rest untouched.
const lateP99 = { p99: 16, serviceP99: 8, lagP99: 8, late: 0.03 };

describe('baseline save with repetitions invalid for p99 only', () => {
  const { dir, files } = writeRepeat(six(BASE, { 1: lateP99, 4: lateP99 }), 'base');

  it('keeps every metric from the repetitions valid for it, and names the two left out of p99', () => {
    const b = makeBaseline('hand', files);
    const p = b.phases[0]!;
    expect(p.repetitions.p99).toHaveLength(4);
    expect(p.repetitions.p50).toHaveLength(6);
    expect(p.repetitions.throughput).toHaveLength(6);
    expect(p.intervalRuns?.p99).toHaveLength(4);
    expect(p.intervals.p99).toHaveLength(40);
    expect(p.intervals.p50).toHaveLength(60);
    expect(p.dropped).toEqual({ p99: [expect.stringMatching(/^rep-2: p99 16\.\d ms, of which up to 8\.\d+ ms \((49\.\d|50\.0) %\)/), expect.stringMatching(/^rep-5: p99 16\.\d ms/)] });
    expect(Math.max(...p.repetitions.p99)).toBeLessThan(9);
    expect(b.validityRule).toBe('effect');
  });

  it('is refused whole by the strict rule, as before (and kept whole with --allow-invalid)', () => {
    expect(() => makeBaseline('hand', files, false, 'strict')).toThrow(/these results cannot make one baseline/);
    expect(makeBaseline('hand', files, true, 'strict').phases[0]!.repetitions.p99).toHaveLength(6);
  });

  it('is saved by the command from the --repeat folder, which prints what was left out', () => {
    const lines: string[] = [];
    const out = `${dir}/../baseline.json`;
    expect(runSave({ results: [dir], out, allowInvalid: false }, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toMatch(/^baseline 'hand' from 6 run\(s\) of 'hand', 1 phase\(s\): /);
    expect(lines[1]).toBe('  steady p99: 2 repetition(s) left out, 4 kept (the gate compares it per second, or says UNKNOWN below 3 values)');
    expect(lines[2]).toMatch(/^ {4}rep-2: p99 16/);
    expect(readBaseline(out).phases[0]!.dropped?.p99).toHaveLength(2);
  });

  it('gates against it: p99 from the four kept, with a note', () => {
    const b = makeBaseline('hand', files);
    const cand = six(BASE);
    const report = gate(b, 'hand', cand, writeRepeat(cand, 'cand').files);
    const p99 = report.checks.find((c) => c.kind === 'verdict' && c.metric === 'p99');
    expect(p99?.kind === 'verdict' && p99.notes).toEqual(["the baseline left 2 repetition(s) out of p99 (the generator's lag made the figure invalid): 4 kept"]);
    expect(p99?.kind === 'verdict' && p99.verdict).not.toBe('REGRESSED');
    expect(gateExitCode(report)).toBe(0);
  });
});

describe('a metric with no valid repetition left', () => {
  const all = six(BASE, Object.fromEntries([0, 1, 2, 3, 4, 5].map((i) => [i, lateP99])));

  it('is saved empty, and the gate says UNKNOWN for it with the reason, not a refused baseline', () => {
    const b = makeBaseline('hand', writeRepeat(all, 'base').files);
    expect(b.phases[0]!.repetitions.p99).toEqual([]);
    expect(b.phases[0]!.dropped?.p99).toHaveLength(6);
    const cand = six(BASE);
    const report = gate(b, 'hand', cand, writeRepeat(cand, 'cand').files);
    const p99 = report.checks.find((c) => c.kind === 'verdict' && c.metric === 'p99');
    expect(p99).toMatchObject({ verdict: 'UNKNOWN', pass: true });
    expect(p99?.kind === 'verdict' && p99.notes).toEqual(["the baseline left 6 repetition(s) out of p99 (the generator's lag made the figure invalid): 0 kept"]);
    expect(report.checks.find((c) => c.kind === 'verdict' && c.metric === 'p50')).toMatchObject({ verdict: 'SAME' });
  });

  it('still refuses a run invalid as a whole (lost requests) without --allow-invalid', () => {
    const runs = six(BASE);
    runs[3]!.totals.lost = 2;
    const { files } = writeRepeat(runs, 'lost');
    expect(() => makeBaseline('hand', files)).toThrow(/these results cannot make one baseline/);
    expect(makeBaseline('hand', files, true).phases[0]!.repetitions.p50).toHaveLength(6);
  });
});
