/**
 * The Markdown of one profile or several side by side, for a pull request or a CI step summary: the headline,
 * warnings (BROKEN variants first), what happened, the recommendation with its rule, the variants, the cells, the
 * top ops and, for several profiles, latency per batch and the cost of a million inferences.
 */
import type { ProfileRecord } from '../profile/profile-record.js';
import { escapeMarkdown as esc } from './format.js';
import type { ProfileInput } from './load-profile.js';
import type { RepeatMarkdownParts } from './markdown-repeat.js';
import { COST_HEADER, comparisonHeadlines, costRows, latencyRows } from './profile-compare.js';
import { CELL_HEADER, OP_HEADER, opRows, VARIANT_HEADER, cellRows, variantRows } from './profile-tables.js';
import { profileSubtitle, profileSummary, profileTitle, profileWarnings, recommendedVariant } from './profile-view.js';
import { sig } from './format.js';

/** profileMarkdownBlocks renders profiles as Markdown blocks. */
export function profileMarkdownBlocks(inputs: ProfileInput[], md: RepeatMarkdownParts): string[] {
  if (inputs.length === 1) return oneProfile(inputs[0]!.record, 2, md);
  const l = latencyRows(inputs);
  const blocks = [
    `## gauntlet: profiles side by side — ${esc(inputs.map((i) => i.label).join(' vs '))}`,
    `**In short**\n\n${md.bullets(comparisonHeadlines(inputs))}`,
    `### Latency per batch size\n\n${md.mdTable(l.header, l.rows, l.header.map((_, k) => k))}`,
    `### Cost per 1M inferences\n\nAt each precision's best throughput: $/hour ÷ (samples/s × 3600) × 1,000,000.\n\n${md.mdTable(COST_HEADER, costRows(inputs).map((c) => c.row), [2, 3, 4, 5, 6])}`,
  ];
  for (const i of inputs) {
    const [, ...rest] = oneProfile(i.record, 3, md);
    blocks.push(`### ${esc(i.label)}: ${esc(profileTitle(i.record))}`, ...rest);
  }
  return blocks;
}

function oneProfile(r: ProfileRecord, level: 2 | 3, md: RepeatMarkdownParts): string[] {
  const h = '#'.repeat(level);
  const blocks = [`${h} gauntlet profile: ${esc(profileTitle(r))}`, esc(profileSubtitle(r))];
  const ws = profileWarnings(r);
  if (ws.length) blocks.push(md.warningLines(ws));
  blocks.push(`**What happened**\n\n${md.bullets(profileSummary(r))}`);
  const rec = r.recommendation;
  if (rec) {
    const best = recommendedVariant(r);
    blocks.push(`**${best && best.precision !== 'fp32' ? '✅' : '➖'} Recommendation: ${esc(best?.precision ?? '-')}.** Rule: ${esc(rec.rule)}`);
    blocks.push(md.mdTable(['precision', 'best batch', 'samples/s', 'p99 ms', 'why'], rec.perPrecision.map((p) => [p.precision, p.bestBatch === null ? '-' : String(p.bestBatch), p.throughputSamplesPerS === null ? '-' : sig(p.throughputSamplesPerS), p.p99Ms === null ? '-' : sig(p.p99Ms), p.why]), [1, 2, 3]));
    blocks.push(md.mdTable(['variant', 'speed-up', 'accuracy loss', 'worth it', 'why'], rec.variants.map((v) => [v.precision, v.speedup === null ? '-' : `${sig(v.speedup)}x`, v.accuracyLoss === null ? '-' : sig(v.accuracyLoss), r.variants.some((x) => x.precision === v.precision && x.broken) ? '⛔ BROKEN' : v.worthIt ? '✅ yes' : 'no', v.why]), [1, 2]));
  } else blocks.push(`**➖ No recommendation**: the profile ${r.status === 'complete' ? 'made none' : `is ${r.status}`}.`);
  blocks.push(`${h}# Variants\n\n${md.mdTable(VARIANT_HEADER, variantRows(r).map((row) => row.map((c, k) => (k === 6 && c === 'BROKEN' ? '⛔ BROKEN' : c))), [1, 2, 3, 4])}`);
  blocks.push(`${h}# Cells\n\n${md.mdTable(CELL_HEADER, cellRows(r), [1, 2, 3, 4, 7, 8, 9])}`);
  for (const p of (r.roof ? r.ops ?? [] : []).slice(0, 4)) blocks.push(`${h}# Top ops of ${esc(p.precision)} at batch ${p.batch}\n\n${md.mdTable(OP_HEADER, opRows(p, 10), [2, 3, 4, 5, 6, 8])}`);
  return blocks;
}
