/**
 * The Markdown of a sweep, for a pull request or a CI step summary: the outcome (one winner, a tie with its margin
 * and noise, or none, and what the ranking was on), what happened, and the combinations, the recommended or tied
 * ones first with their marks next to their names, so a narrow view shows them before it scrolls.
 */
import { escapeMarkdown as esc } from './format.js';
import { sweepSubtitle, sweepSummary, sweepTitle } from './html-sweep.js';
import type { SweepInput } from './load-inputs.js';
import type { RepeatMarkdownParts } from './markdown-repeat.js';
import { figureColumns, orderedRows, recommendationView, SETTING_NAMES, sweptSettings, sweepWarnings } from './sweep-view.js';
import { tokenColumns } from './sweep-tokens.js';

/** sweepOutcomeLine states the sweep's outcome in one Markdown paragraph. */
export function sweepOutcomeLine(s: SweepInput): string {
  const rec = s.record.recommendation;
  const view = recommendationView(s.record);
  const basis = rec ? ` Ranked on ${view.basis}.` : '';
  if (view.winner) return `**✅ Recommended: ${esc(view.winner)}.** ${esc(rec?.reason ?? '')}${basis}`;
  if (view.outcome === 'tie') return `**🟰 Tie: ${esc(view.tied.join(', '))}** (no single winner). ${esc(view.tieText)}${rec?.reason ? ` ${esc(rec.reason)}` : ''}${basis}`;
  const what = view.outcome === 'ceiling-too-low' ? 'No recommendation: the search ceiling was too low.' : 'No recommendation.';
  return `**❌ ${what}** ${esc(rec?.reason ?? 'The sweep has not finished.')}${basis}`;
}

/** sweepBlocks renders a sweep as Markdown blocks (level 2: the whole report; 3: one of several inputs). */
export function sweepBlocks(s: SweepInput, level: 2 | 3, md: RepeatMarkdownParts): string[] {
  const h = '#'.repeat(level);
  const r = s.record;
  const blocks = [`${h} ${level === 2 ? 'gauntlet: ' : ''}${esc(sweepTitle(s))}`, esc(`${sweepSubtitle(s)} · ${s.dir}`)];
  const ws = sweepWarnings(s);
  if (ws.length) blocks.push(md.warningLines(ws));
  blocks.push(sweepOutcomeLine(s));
  blocks.push(`**What happened**\n\n${md.bullets(sweepSummary(s))}`);
  const rows = orderedRows(s);
  const settings = sweptSettings(r).map((k) => SETTING_NAMES[k]);
  const figures = figureColumns(rows, 'md');
  const numbers = figures.headers;
  const header = ['#', 'combination', 'mark', ...settings, ...numbers, 'valid', 'constraints'];
  const first = 3 + settings.length;
  blocks.push(
    md.mdTable(
      header,
      rows.map((x) => [
        String(x.index),
        x.id,
        x.marks.map((m) => (m === 'recommended' ? '⭐ recommended' : m)).join(', '),
        ...x.settings,
        ...figures.cells(x),
        x.state,
        x.constraints,
      ]),
      [0, ...numbers.map((_, i) => first + i)],
    ),
  );
  const tokens = tokenColumns(rows, 'md');
  if (tokens.headers.length) {
    blocks.push(`${h}# Tokens\n\n${md.mdTable(['#', 'combination', ...tokens.headers], rows.map((x) => [String(x.index), x.id, ...tokens.cells(x)]), [0, ...tokens.headers.map((_, i) => 2 + i)])}`);
  }
  return blocks;
}
