/**
 * A Markdown summary of a gate, for $GITHUB_STEP_SUMMARY and pull-request comments: the verdict first, then one
 * table row per phase and metric. Kept under 64 KB (GitHub's limit for a step summary's 1 MiB is generous, a
 * comment's 65,536 characters is not): rows beyond the budget are summarised in a line.
 */
import type { GateCheck, GateReport } from '../compare/gate.js';

/** MARKDOWN_LIMIT is the largest summary written, in characters. */
export const MARKDOWN_LIMIT = 60_000;

const ICON: Record<string, string> = { SAME: '✅ same', IMPROVED: '🟢 improved', REGRESSED: '❌ regressed', UNKNOWN: '❔ unknown' };

function num(x: number | null, unit = ''): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  return `${+x.toPrecision(4)}${unit}`;
}

function row(c: GateCheck): string {
  if (c.kind === 'slo') return `| ${c.phase} | SLO ${c.metric} | ${c.threshold} ${c.unit} | ${c.notRun ? 'not run' : num(c.actual, ` ${c.unit}`)} | | ${c.notRun ? '➖ not run' : c.pass ? `✅ met${c.partial ? ' (partial phase)' : ''}` : `❌ violated${c.partial ? ' (partial phase)' : ''}`} |`;
  const unit = c.metric === 'throughput' ? '/s' : c.metric === 'error_rate' ? '' : ' ms';
  const change = c.metric === 'error_rate' ? num(c.change) : Number.isFinite(c.change) ? `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)} %` : 'n/a';
  const verdict = `${ICON[c.verdict]}${c.verdict === 'UNKNOWN' && c.needed ? ` (≈${c.needed} more runs)` : ''}${!c.pass && c.verdict === 'UNKNOWN' ? ' → fails' : ''}`;
  return `| ${c.phase} | ${c.metric} | ${num(c.baseline, unit)} | ${num(c.candidate, unit)} | ${change} | ${verdict} |`;
}

/** gateMarkdown renders a gate report as Markdown. */
export function gateMarkdown(report: GateReport): string {
  const head = [
    `## gauntlet gate: ${report.pass ? '✅ passed' : report.invalid.length ? '⛔ cannot judge' : '❌ failed'}`,
    '',
    `Scenario **${report.scenario}** against baseline **${report.baseline}** (${report.candidates.length} candidate run${report.candidates.length > 1 ? 's' : ''}): ` +
      `${report.counts.regressed} regressed, ${report.counts.improved} improved, ${report.counts.same} same, ${report.counts.unknown} unknown, ${report.counts.sloFailed} SLO check(s) failed.`,
    '',
  ];
  for (const reason of [...report.invalid, ...report.warnings]) head.push(`> ⚠️ ${reason}`);
  if (report.invalid.length + report.warnings.length) head.push('');
  head.push('| phase | metric | baseline | candidate | change | verdict |', '|---|---|---|---|---|---|');
  const lines = [...head];
  let size = lines.join('\n').length;
  const ordered = [...report.checks].sort((a, b) => Number(a.pass) - Number(b.pass));
  let left = 0;
  for (const c of ordered) {
    const r = row(c);
    if (size + r.length + 200 > MARKDOWN_LIMIT) {
      left++;
      continue;
    }
    lines.push(r);
    size += r.length + 1;
  }
  if (left) lines.push('', `…and ${left} more passing checks (see the JUnit report).`);
  lines.push('', '<sub>Verdicts: Mann-Whitney U and Kolmogorov-Smirnov at α = 0.01 with a minimum effect; see docs/gates.md.</sub>');
  return `${lines.join('\n')}\n`;
}
