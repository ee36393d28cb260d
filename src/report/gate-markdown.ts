/**
 * A Markdown summary of a gate, for $GITHUB_STEP_SUMMARY and pull-request comments: the verdict first, then one
 * table row per phase and metric. Kept under 64 KB (GitHub's limit for a step summary's 1 MiB is generous, a
 * comment's 65,536 characters is not): rows beyond the budget are summarised in a line.
 */
import type { GateCheck, GateReport } from '../compare/gate.js';
import { gateHeadline } from '../compare/gate-headline.js';
import { valueText } from './gate-view.js';

/** MARKDOWN_LIMIT is the largest summary written, in characters. */
export const MARKDOWN_LIMIT = 60_000;

const ICON: Record<string, string> = { SAME: '✅ same', IMPROVED: '🟢 improved', REGRESSED: '❌ regressed', UNKNOWN: '❔ unknown' };

function num(x: number | null, unit = ''): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  return `${+x.toPrecision(4)}${unit}`;
}

function row(c: GateCheck): string {
  if (c.kind === 'slo') {
    const state = c.notRun ? '➖ not run' : c.inDoubt && c.pass ? "❔ violated, but the generator's lag could explain it" : c.pass ? '✅ met' : `❌ violated${c.baselineFails ? ' (the baseline too)' : ''}`;
    return `| ${c.phase} | SLO ${c.metric} | ${valueText(c.metric, c.threshold, c.unit)} | ${c.notRun ? 'not run' : valueText(c.metric, c.actual, c.unit)} | | ${state}${c.partial ? ' (partial phase)' : ''} |`;
  }
  const unit = c.metric === 'throughput' ? '/s' : c.metric === 'output_tokens_per_s' ? ' tokens/s' : ' ms';
  // Error rates in percent and their change in percentage points (an absolute rule); the others relative.
  const absolute = c.metric === 'error_rate' || c.metric === 'goodput';
  const change = !Number.isFinite(c.change) ? 'n/a' : absolute ? `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(2)} pp` : `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)} %`;
  if (absolute) return `| ${c.phase} | ${c.metric} | ${valueText(c.metric, c.baseline)} | ${valueText(c.metric, c.candidate)} | ${change} | ${verdictText(c)} |`;
  return `| ${c.phase} | ${c.metric} | ${num(c.baseline, unit)} | ${num(c.candidate, unit)} | ${change} | ${verdictText(c)} |`;
}

function verdictText(c: Extract<GateCheck, { kind: 'verdict' }>): string {
  return `${ICON[c.verdict]}${c.undecided ? " (the generator's lag could explain it)" : c.verdict === 'UNKNOWN' && c.needed ? ` (≈${c.needed} more runs)` : ''}${!c.pass && c.verdict === 'UNKNOWN' ? ' → fails' : ''}`;
}

/** clip keeps one note to 600 characters, so a few long reasons cannot take the whole budget. */
function clip(text: string): string {
  return text.length > 600 ? `${text.slice(0, 599)}…` : text;
}

/** gateMarkdown renders a gate report as Markdown. */
export function gateMarkdown(report: GateReport): string {
  const h = gateHeadline(report);
  const head = [
    `## gauntlet gate: ${h.status === 'PASSED' ? '✅ passed' : h.status === 'CANNOT JUDGE' ? `⛔ cannot judge (${h.short})` : `❌ failed (${h.short})`}`,
    '',
    `**${h.status}**: ${h.summary}.`,
    ...h.meaning.map((m) => `- ${m}`),
    '',
    `Scenario **${report.scenario}** against baseline **${report.baseline}** (${report.candidates.length} candidate run${report.candidates.length > 1 ? 's' : ''}): ` +
      `${report.counts.regressed} regressed, ${report.counts.improved} improved, ${report.counts.same} same, ${report.counts.unknown} unknown, ${report.counts.sloFailed} SLO check(s) failed.`,
    '',
  ];
  for (const reason of [...report.invalid, ...report.undecided.map((u) => `undecided: ${u}`), ...report.warnings]) head.push(`> ⚠️ ${clip(reason)}`);
  if (report.invalid.length + report.undecided.length + report.warnings.length) head.push('');
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
  const notes = ordered.flatMap((c) => (c.kind === 'verdict' ? (c.notes ?? []).map((n) => `- ${c.phase} ${c.metric}: ${clip(n)}`) : c.inDoubt ? [`- ${c.phase} SLO ${c.metric}: ${clip(c.inDoubt)}`] : []));
  if (notes.length) lines.push('', 'Notes on the generator\'s lag:');
  let skipped = 0;
  for (const n of notes) {
    if (size + n.length + 300 > MARKDOWN_LIMIT) skipped++;
    else {
      lines.push(n);
      size += n.length + 1;
    }
  }
  if (skipped) lines.push(`- …and ${skipped} more notes (see the JUnit report).`);
  const rule = report.rule === 'strict' ? 'strict validity: over 1 % of sends more than 1 ms late invalidates a run' : "validity per metric, by what the generator's lag could add";
  lines.push('', `<sub>Verdicts: Mann-Whitney U and Kolmogorov-Smirnov at α = 0.01 with a minimum effect; ${rule}; see docs/gates.md.</sub>`);
  return `${lines.join('\n')}\n`;
}
