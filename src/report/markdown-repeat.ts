/**
 * The Markdown of a repetitions folder (`gauntlet run --repeat N`), for a pull request or a CI step summary: the
 * gate's verdict saying which part failed, then per phase the median and spread of each figure with each
 * repetition's row under it. Same words as the HTML (src/report/repeat-view.ts, gate-view.ts).
 */
import { escapeMarkdown as esc } from './format.js';
import { gateHeadline, gateRows } from './gate-view.js';
import type { RepeatInput } from './load-inputs.js';
import { FIGURES, repeatPhases, repeatSubtitle, repeatSummary, repeatTitle, repeatWarnings, spreadText, TOKEN_FIGURES } from './repeat-view.js';
import type { Warning } from './run-facts.js';

/** RepeatMarkdownParts are the helpers of the Markdown report that these blocks share. */
export interface RepeatMarkdownParts {
  mdTable: (header: string[], rows: string[][], numeric?: number[]) => string;
  warningLines: (ws: Warning[]) => string;
  bullets: (lines: string[]) => string;
}

/** repeatBlocks renders a repetitions folder as Markdown blocks (level 2: the whole report; 3: one of several inputs). */
export function repeatBlocks(input: RepeatInput, level: 2 | 3, md: RepeatMarkdownParts): string[] {
  const h = '#'.repeat(level);
  const first = input.reps[0]!.results;
  const g = input.gate ? gateHeadline(input.gate) : undefined;
  const icon = g ? (g.status === 'passed' ? '✅' : g.status === 'failed' ? '❌' : '⛔') : '';
  const title = `${h} ${level === 2 ? `gauntlet: ${esc(first.scenario.name)}` : esc(input.label)} — ${icon ? `${icon} ` : ''}${esc(repeatTitle(input))}`;
  const blocks = [title, esc(repeatSubtitle(input))];
  const ws = repeatWarnings(input);
  if (ws.length) blocks.push(md.warningLines(ws));
  if (input.gate && g) {
    const rows = gateRows(input.gate);
    // Every metric verdict; of the candidate's SLO checks (one per repetition) only those not met.
    const shown = rows.filter((r) => !r.check.startsWith('SLO ') || r.verdict !== 'met');
    blocks.push(
      `${h}# Gate against baseline ${esc(input.gate.baseline)}\n\n**${icon} ${esc(g.text)}** (exit ${g.exitCode}).${
        input.gate.invalid.length ? `\n\n${md.bullets(input.gate.invalid.map((x) => `cannot judge: ${x}`))}` : ''
      }\n\n${md.mdTable(['phase', 'check', 'baseline', 'candidate', 'change', 'verdict', 'why'], shown.map((r) => [r.phase, r.check, r.baseline, r.candidate, r.change, r.pass ? r.verdict : `❌ ${r.verdict}`, r.reason]), [2, 3, 4])}${
        shown.length < rows.length ? `\n\nThe other ${rows.length - shown.length} SLO checks of the repetitions were met.` : ''
      }`,
    );
  }
  blocks.push(`**What happened**\n\n${md.bullets(repeatSummary(input))}`);
  const rows: string[][] = [];
  for (const p of repeatPhases(input)) {
    const met = p.reps.filter((x) => x.slo === 'pass').length;
    const checked = p.reps.filter((x) => x.slo === 'pass' || x.slo === 'FAIL').length;
    rows.push([`${p.name} (median, lowest–highest)`, ...FIGURES.map((f) => spreadText(p.spread[f.key], f.fmt)), checked ? `met in ${met} of ${checked}` : '-', '']);
    for (const r of p.reps) {
      rows.push([`↳ ${r.label}`, ...FIGURES.map((f) => (r.figures ? f.fmt(r.figures[f.key]) : 'not run')), r.slo === 'FAIL' ? `❌ ${r.failed.join('; ')}` : r.slo === 'pass' ? '✅' : r.slo, r.valid ? 'valid' : '⚠️ INVALID']);
    }
  }
  blocks.push(`${h}# Repetitions\n\n${md.mdTable(['phase / repetition', ...FIGURES.map((f) => f.label), 'SLO', 'measurement'], rows, FIGURES.map((_, i) => i + 1))}`);
  const tokenRows: string[][] = [];
  for (const p of repeatPhases(input)) {
    if (!p.tokenSpread) continue;
    const spread = p.tokenSpread;
    tokenRows.push([`${p.name} (median, lowest–highest)`, ...TOKEN_FIGURES.map((f) => spreadText(spread[f.key], f.fmt))]);
    for (const r of p.reps) tokenRows.push([`↳ ${r.label}`, ...TOKEN_FIGURES.map((f) => (r.tokens ? f.fmt(r.tokens[f.key]) : r.figures ? '-' : 'not run'))]);
  }
  if (tokenRows.length) blocks.push(`${h}# Tokens, each repetition\n\n${md.mdTable(['phase / repetition', ...TOKEN_FIGURES.map((f) => f.label)], tokenRows, TOKEN_FIGURES.map((_, i) => i + 1))}`);
  return blocks;
}
