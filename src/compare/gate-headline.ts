/**
 * A gate's headline and exit code, the same in the terminal, Markdown and JUnit: whether it passed, failed on
 * regressions against the baseline, on the candidate's own SLO checks, or both (and what each means), or could
 * not judge the candidate (and why).
 */
import type { GateReport } from './gate.js';

/** GateStatus is a gate's outcome in one word. */
export type GateStatus = 'PASSED' | 'FAILED' | 'CANNOT JUDGE';

/** GateHeadline is what a gate's first line says, and the lines that explain it. */
export interface GateHeadline {
  status: GateStatus;
  /** A few words for headings: "regressed", "SLO checks failed, no regression", "invalid measurement". */
  short: string;
  /** What failed or why it cannot judge: "2 metrics regressed against the baseline; the candidate's SLO checks passed". */
  summary: string;
  /** What each failure means, one sentence each. */
  meaning: string[];
}

/** gateExitCode is 3 for a candidate that cannot be judged, 1 for a failed gate, 0 for a passed one (docs/gates.md). */
export function gateExitCode(report: GateReport): number {
  if (report.invalid.length) return 3;
  if (report.checks.some((c) => !c.pass)) return 1;
  return report.undecided.length ? 3 : 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** gateHeadline sums a gate report up (see GateHeadline). */
export function gateHeadline(r: GateReport): GateHeadline {
  const code = gateExitCode(r);
  if (code === 0) {
    const unknown = r.counts.unknown ? `; ${plural(r.counts.unknown, 'metric')} UNKNOWN (not enough evidence either way: passes unless --unknown fail)` : '';
    return { status: 'PASSED', short: 'passed', summary: `nothing regressed against the baseline and the candidate met its SLO checks${unknown}`, meaning: [] };
  }
  if (code === 3) {
    const why = r.invalid.length
      ? 'the candidate\'s measurement is invalid, or its run did not go to its end'
      : `the generator's own lag could explain what changed (${plural(r.undecided.length, 'check')}): a change of the target cannot be told from the generator's lateness`;
    return { status: 'CANNOT JUDGE', short: r.invalid.length ? 'invalid measurement' : "the generator's lag could explain the change", summary: why, meaning: ['Exit 3: rerun on a quieter runner (see the advice in the runs\' results), or pass --allow-invalid to judge what was measured anyway.'] };
  }
  const regressed = r.checks.filter((c) => c.kind === 'verdict' && c.verdict === 'REGRESSED').length;
  const unknownFailed = r.checks.filter((c) => c.kind === 'verdict' && c.verdict === 'UNKNOWN' && !c.pass).length;
  const slo = r.checks.filter((c) => c.kind === 'slo' && !c.pass);
  const sloTotal = r.checks.filter((c) => c.kind === 'slo' && !c.notRun).length;
  const parts: string[] = [];
  const meaning: string[] = [];
  if (regressed) {
    parts.push(`${plural(regressed, 'metric')} regressed against the baseline`);
    meaning.push('Regressed: worse than the baseline by at least the minimum effect, statistically significant, and more than the generator\'s lag could explain.');
  } else parts.push('nothing regressed against the baseline');
  if (slo.length) {
    parts.push(`${slo.length} of the candidate's ${plural(sloTotal, 'SLO check')} failed`);
    const also = slo.filter((c) => c.kind === 'slo' && c.baselineFails === true).length;
    meaning.push(
      `SLO: the candidate missed the scenario's absolute thresholds, whatever the baseline did${also === slo.length ? '; the baseline misses them too, so the thresholds, not this change, are what fail' : also ? `; the baseline misses ${also} of them too` : ''}.`,
    );
  } else if (sloTotal) parts.push("the candidate's SLO checks passed");
  if (unknownFailed) {
    parts.push(`${plural(unknownFailed, 'metric')} UNKNOWN, which fails with --unknown fail`);
    meaning.push('UNKNOWN: neither a change nor its absence could be shown with these samples; the rows say how many more runs would decide.');
  }
  const short = [regressed ? 'regressed' : '', slo.length ? (regressed ? 'SLO checks failed' : 'SLO checks failed, no regression') : '', unknownFailed ? 'UNKNOWN with --unknown fail' : ''].filter(Boolean).join(' and ');
  return { status: 'FAILED', short, summary: parts.join('; '), meaning };
}
