/**
 * The gate's headline says what failed, the same in the terminal, Markdown and JUnit: regressions against the
 * baseline, the candidate's own SLO checks, or both, and what each means. An unchanged candidate whose own SLO
 * failed used to read "FAILED" above "0 regressed", as if it had regressed.
 */
import { describe, expect, it } from 'vitest';
import { formatGate } from '../../../src/cli/gate-command.js';
import { makeBaseline } from '../../../src/compare/baseline.js';
import { gate } from '../../../src/compare/gate.js';
import { gateExitCode } from '../../../src/compare/gate-headline.js';
import { gateJunit } from '../../../src/report/junit.js';
import { gateMarkdown } from '../../../src/report/gate-markdown.js';
import { type RunSpec, six, writeRepeat } from './hand-made.js';

const BASE = { p50: 2.3, p99: 8 };
const SLOW = { p50: 5.4, p99: 11.2 };

function gated(base: RunSpec, cand: RunSpec, lost = 0): ReturnType<typeof gate> {
  const baseline = makeBaseline('hand', writeRepeat(six(base), 'base').files);
  const runs = six(cand);
  runs[0]!.totals.lost = lost;
  return gate(baseline, 'hand', runs, writeRepeat(runs, 'cand').files);
}

describe('the gate headline', () => {
  it.each([
    {
      what: 'an unchanged candidate whose own SLO fails (and the baseline would too)',
      report: () => gated({ ...BASE, sloP99: 5 }, { ...BASE, sloP99: 5 }),
      code: 1,
      line: "FAILED — nothing regressed against the baseline; 6 of the candidate's 6 SLO checks failed",
      meaning: /^ {2}SLO: the candidate missed the scenario's absolute thresholds, whatever the baseline did; the baseline misses them too, so the thresholds, not this change, are what fail\.$/,
      heading: '## gauntlet gate: ❌ failed (SLO checks failed, no regression)',
    },
    {
      what: 'a regression whose SLO checks pass',
      report: () => gated(BASE, SLOW),
      code: 1,
      line: "FAILED — 3 metrics regressed against the baseline; the candidate's SLO checks passed",
      meaning: /^ {2}Regressed: worse than the baseline by at least the minimum effect, statistically significant, and more than the generator's lag could explain\.$/,
      heading: '## gauntlet gate: ❌ failed (regressed)',
    },
    {
      what: 'a regression that also fails the SLO (the baseline met it)',
      report: () => gated({ ...BASE, sloP99: 10 }, { ...SLOW, sloP99: 10 }),
      code: 1,
      line: "FAILED — 3 metrics regressed against the baseline; 6 of the candidate's 6 SLO checks failed",
      meaning: /^ {2}SLO: the candidate missed the scenario's absolute thresholds, whatever the baseline did\.$/,
      heading: '## gauntlet gate: ❌ failed (regressed and SLO checks failed)',
    },
    {
      what: 'an unchanged candidate',
      report: () => gated(BASE, BASE),
      code: 0,
      line: 'PASSED — nothing regressed against the baseline and the candidate met its SLO checks',
      meaning: undefined,
      heading: '## gauntlet gate: ✅ passed',
    },
    {
      what: 'a candidate invalid as a whole (lost requests)',
      report: () => gated(BASE, SLOW, 3),
      code: 3,
      line: "CANNOT JUDGE — the candidate's measurement is invalid, or its run did not go to its end",
      meaning: /^ {2}Exit 3: rerun on a quieter runner/,
      heading: '## gauntlet gate: ⛔ cannot judge (invalid measurement)',
    },
  ])('$what', ({ report: make, code, line, meaning, heading }) => {
    const report = make();
    expect(gateExitCode(report)).toBe(code);
    const lines = formatGate(report);
    expect(lines[0]).toBe(`gate 'hand' against baseline 'hand': ${line}`);
    if (meaning) expect(lines.some((l) => meaning.test(l))).toBe(true);
    const md = gateMarkdown(report).split('\n');
    expect(md[0]).toBe(heading);
    expect(md[2]).toBe(`**${line.replace(' — ', '**: ')}.`);
    expect(gateJunit(report)).toContain(`<testsuites name="gauntlet gate: hand vs hand: ${line.replace(/'/g, '&apos;')}"`);
  });
});
