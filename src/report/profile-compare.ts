/**
 * Two or more profiles (machines or EPs) side by side: latency per batch and throughput for the precisions every
 * profile has (BROKEN ones left out), and the cost of a million inferences at each precision's best throughput
 * given each machine's $/hour (machine.costPerHour).
 */
import type { ChartSpec, SeriesSpec } from './chart-spec.js';
import { colorAt } from './chart-spec.js';
import { money, sig } from './format.js';
import { chartFigure } from './html-page.js';
import { type Html, html, table } from './html.js';
import type { ProfileInput } from './load-profile.js';
import { batchAxis, batchesOf, bestCell, cellAt, isBroken, precisionsOf } from './profile-view.js';
import { costPerMillion } from '../util/cost.js';

const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]];

/** commonPrecisions are the precisions every profile measured and none found BROKEN. */
export function commonPrecisions(inputs: ProfileInput[]): string[] {
  return precisionsOf(inputs[0]!.record).filter((p) => inputs.every((i) => !isBroken(i.record, p) && i.record.cells.some((c) => c.precision === p && c.error === undefined)));
}

/** COST_HEADER heads the cost table. */
export const COST_HEADER = ['profile', 'precision', 'best batch', 'samples/s', 'p99 ms', '$/hour', '$ per 1M inferences'];

/** costRows is a row per profile and usable precision: its best throughput and what a million inferences cost there. */
export function costRows(inputs: ProfileInput[]): { row: string[]; cost: number | null; label: string }[] {
  return inputs.flatMap((i) =>
    precisionsOf(i.record)
      .filter((p) => !isBroken(i.record, p))
      .flatMap((p) => {
        const c = bestCell(i.record, p);
        if (!c) return [];
        const hour = i.record.machine.costPerHour;
        const cost = costPerMillion(hour, c.throughputSamplesPerS);
        return [{ label: `${i.label} ${p}`, cost, row: [i.label, p, String(c.batch), sig(c.throughputSamplesPerS), sig(c.latencyMs.p99), hour === undefined ? '-' : money(hour), cost === null ? '- (no $/hour)' : money(cost)] }];
      }),
  );
}

/** latencyRows is a row per batch size: the p50 (ms) of each profile at each common precision. */
export function latencyRows(inputs: ProfileInput[]): { header: string[]; rows: string[][] } {
  const ps = commonPrecisions(inputs);
  const batches = [...new Set(inputs.flatMap((i) => batchesOf(i.record)))].sort((a, b) => a - b);
  const header = ['batch', ...inputs.flatMap((i) => ps.map((p) => `${i.label} ${p} p50 ms`))];
  const rows = batches.map((b) => [String(b), ...inputs.flatMap((i) => ps.map((p) => { const c = cellAt(i.record, p, b); return c ? sig(c.latencyMs.p50) : '-'; }))]);
  return { header, rows };
}

/** comparisonHeadlines says which profile is fastest at batch 1, which has the most throughput and which is cheapest. */
export function comparisonHeadlines(inputs: ProfileInput[]): string[] {
  const out: string[] = [];
  const ps = commonPrecisions(inputs);
  for (const p of ps.slice(0, 2)) {
    const one = inputs.flatMap((i) => { const c = cellAt(i.record, p, 1); return c ? [{ i, v: c.latencyMs.p50 }] : []; }).sort((a, b) => a.v - b.v);
    if (one.length > 1) out.push(`${p} at batch 1: ${one[0]!.i.label} is fastest (p50 ${sig(one[0]!.v)} ms against ${one.slice(1).map((x) => `${sig(x.v)} ms on ${x.i.label}`).join(', ')}).`);
    const best = inputs.flatMap((i) => { const c = bestCell(i.record, p); return c ? [{ i, c }] : []; }).sort((a, b) => b.c.throughputSamplesPerS - a.c.throughputSamplesPerS);
    if (best.length > 1) out.push(`${p}, best throughput: ${best.map((x) => `${x.i.label} ${sig(x.c.throughputSamplesPerS)} samples/s (batch ${x.c.batch})`).join(', ')}.`);
  }
  const costs = costRows(inputs).filter((c) => c.cost !== null).sort((a, b) => a.cost! - b.cost!);
  if (costs.length > 1) out.push(`Cheapest per 1M inferences: ${costs[0]!.label} at $${money(costs[0]!.cost)} (the dearest, ${costs[costs.length - 1]!.label}, costs $${money(costs[costs.length - 1]!.cost)}).`);
  else if (!costs.length) out.push('No profile states its machine\'s $/hour (gauntlet profile --cost-per-hour), so no costs are shown.');
  return out;
}

function compareChart(id: string, inputs: ProfileInput[], y: ChartSpec['y'], pick: (i: ProfileInput, p: string, b: number) => number | null, unit: string): ChartSpec {
  const ps = commonPrecisions(inputs);
  const xs = [...new Set(inputs.flatMap((i) => batchesOf(i.record)))].sort((a, b) => a - b);
  const series: SeriesSpec[] = inputs.flatMap((i, n) =>
    ps.map((p, k) => ({ label: `${i.label} ${p}`, values: xs.map((b) => pick(i, p, b)), color: colorAt(n), unit, points: true, spanGaps: true, width: 2, ...(DASHES[k % DASHES.length] ? { dash: DASHES[k % DASHES.length]! } : {}) })),
  );
  return { id, x: batchAxis(xs), y, series };
}

/** profileComparison renders the side-by-side sections (charts are added to `charts`). */
export function profileComparison(inputs: ProfileInput[], charts: ChartSpec[]): Html {
  const lat = compareChart('profiles-latency', inputs, { label: 'p50 latency (ms)', log: true }, (i, p, b) => cellAt(i.record, p, b)?.latencyMs.p50 ?? null, 'ms');
  const thr = compareChart('profiles-throughput', inputs, { label: 'samples/s', fromZero: true }, (i, p, b) => cellAt(i.record, p, b)?.throughputSamplesPerS ?? null, '/s');
  charts.push(lat, thr);
  const ps = commonPrecisions(inputs);
  const l = latencyRows(inputs);
  return html`<section class="summary"><strong>In short</strong><ul>${comparisonHeadlines(inputs).map((s) => html`<li>${s}</li>`)}</ul></section>
<nav class="toc">Jump to: ${inputs.map((i, n) => html`<a href="#profile-${n + 1}">${i.label}</a>`)}</nav>
<h2>Side by side</h2>
<p>Precisions every profile has and none found BROKEN: ${ps.length ? ps.join(', ') : 'none'}. One colour per profile, one dash per precision.</p>
${chartFigure(lat, 'Latency per batch size', 'The median latency of one inference of a whole batch on each machine or EP, both axes logarithmic: lower is faster.')}
${table(l.header, l.rows, { numeric: l.header.map((_, k) => k) })}
${chartFigure(thr, 'Throughput against batch size', 'Samples per second on each machine or EP: up is better.')}
<h3>Cost per 1M inferences</h3>
<p>At each precision's best throughput (the recommendation's batch, within its p99 bound), what a million inferences cost on a machine billed at its $/hour: $/hour ÷ (samples/s × 3600) × 1,000,000.</p>
${table(COST_HEADER, costRows(inputs).map((c) => c.row), { numeric: [2, 3, 4, 5, 6] })}`;
}
