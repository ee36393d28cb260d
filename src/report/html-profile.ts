/**
 * The HTML sections of a profile (`gauntlet profile`'s profile.json): the recommendation and its rule, latency,
 * throughput and memory against batch, accuracy against speed-up, the roofline with the top ops, and the table of
 * every cell; and two or more profiles (machines or EPs) side by side with the cost of a million inferences.
 */
import type { ProfileRecord } from '../profile/profile-record.js';
import type { ChartSpec } from './chart-spec.js';
import { msValue, plural, sig } from './format.js';
import { chartFigure, htmlPage } from './html-page.js';
import { warningsBox } from './html-run.js';
import { type Html, html, table } from './html.js';
import type { ProfileInput } from './load-profile.js';
import { profileComparison } from './profile-compare.js';
import { accuracyChart, cosineText, latencyChart, memoryChart, profileSubtitle, profileSummary, profileTitle, profileWarnings, recommendedVariant, rooflineChart, throughputChart } from './profile-view.js';
import { bytesText, cellRows, opRows, variantRows, CELL_HEADER, OP_HEADER, VARIANT_HEADER } from './profile-tables.js';

/** renderProfileHtml renders one profile, or several side by side, as one page. */
export function renderProfileHtml(inputs: ProfileInput[]): string {
  const charts: ChartSpec[] = [];
  const parts: Html[] = [];
  let title: string;
  if (inputs.length === 1) {
    const r = inputs[0]!.record;
    title = profileTitle(r);
    parts.push(html`<header><h1>${title}</h1><p class="subtitle">${profileSubtitle(r)}</p>${badges(r)}</header>`);
    parts.push(warningsBox(profileWarnings(r)));
    parts.push(profileSections(r, 'profile', charts));
  } else {
    title = `Profiles side by side: ${inputs.map((i) => i.label).join(' vs ')}`;
    parts.push(html`<header><h1>${title}</h1><p class="subtitle">${plural(inputs.length, 'profile')} of ${[...new Set(inputs.map((i) => i.record.model.name))].join(', ')}: ${inputs.map((i) => `${i.label} (${i.record.machine.cpu}, ${i.record.options.ep})`).join('; ')}</p></header>`);
    parts.push(warningsBox(inputs.flatMap((i) => profileWarnings(i.record).map((w) => ({ ...w, text: `${i.label}: ${w.text}` })))));
    parts.push(profileComparison(inputs, charts));
    inputs.forEach((i, n) => parts.push(html`<section class="run-section"><h2 id="profile-${n + 1}">${i.label}: ${profileTitle(i.record)}</h2><p class="subtitle">${profileSubtitle(i.record)}</p>${badges(i.record)}${profileSections(i.record, `profile-${n + 1}`, charts)}</section>`));
  }
  parts.push(html`<footer>Made by gauntlet ${inputs[0]!.record.tool.version} from ${inputs.map((i) => i.path).join(', ')}. This page is self-contained: it loads nothing from the network.</footer>`);
  return htmlPage({ title: `gauntlet · ${title}`, body: html`${parts}`, charts });
}

function badges(r: ProfileRecord): Html {
  const ok = r.cells.filter((c) => c.error === undefined);
  const rec = recommendedVariant(r);
  return html`<div class="verdict">${rec ? html`<span class="badge good">use ${rec.precision}</span>` : ''}<span class="badge ${r.status === 'complete' ? 'neutral' : 'bad'}">${r.status}</span><span class="badge ${ok.every((c) => c.converged) ? 'neutral' : 'bad'}">${ok.filter((c) => c.converged).length}/${r.cells.length} cells converged</span>${r.variants.filter((v) => v.broken).map((v) => html`<span class="badge bad">${v.precision} BROKEN</span>`)}</div>`;
}

/** profileSections renders one profile's body (its headline is the caller's); `prefix` keeps chart ids unique. */
export function profileSections(r: ProfileRecord, prefix: string, charts: ChartSpec[]): Html {
  const add = (c: ChartSpec | undefined): ChartSpec | undefined => {
    if (c) charts.push(c);
    return c;
  };
  const parts: Html[] = [recommendationBox(r)];
  parts.push(html`<div class="summary"><strong>What happened</strong><ul>${profileSummary(r).map((s) => html`<li>${s}</li>`)}</ul></div>`);
  parts.push(chartFigure(add(latencyChart(`${prefix}-latency`, r)), 'Latency against batch size', 'Each precision\'s median (solid) and p99 (dashed) for one inference of a whole batch, both axes logarithmic: a line that rises slower than the batch grows is batching paying off.'));
  parts.push(chartFigure(add(throughputChart(`${prefix}-throughput`, r)), 'Throughput against batch size', 'Samples per second (batch ÷ mean latency): up is better. Where a line flattens, a bigger batch only adds latency.'));
  parts.push(html`<h3>Memory by precision</h3>${modelBars(r)}`);
  parts.push(chartFigure(add(memoryChart(`${prefix}-memory`, r)), 'Memory against batch size', r.cells.some((c) => typeof c.deviceMemoryBytes === 'number') ? 'The process\'s device memory (nvidia-smi) with each precision loaded and running.' : 'The process\'s resident memory growth from loading each precision\'s session and running it at each batch size.'));
  parts.push(chartFigure(add(accuracyChart(`${prefix}-accuracy`, r)), 'Accuracy against speed-up', html`Each precision's cosine against fp32 on the fixed evaluation set (up is closer to fp32) against its speed-up over fp32 (right is faster). A variant below the grey dashed line (min cosine ${r.options.minCosine}) is not worth it; <span class="fail">red</span> is BROKEN, never recommended.`));
  if (r.roof && r.ops?.length) {
    const roof = r.roof;
    parts.push(html`<h3>Roofline</h3><p>The ${roof.ep} roof ${roof.cached ? `(cached from ${roof.measuredAt})` : `(measured ${roof.measuredAt})`}: ${roof.kernels.map((k) => `${k.what}: ${rate(k.value, k.unit)}`).join('; ')}. Ops with an intensity above the ridge (${sig(roof.ridgeIntensity)} FLOP/byte) are compute-bound.</p>`);
    r.ops.slice(0, 4).forEach((p, n) => {
      parts.push(chartFigure(add(rooflineChart(`${prefix}-roof-${n + 1}`, roof, p)), `Roofline of ${p.precision} at batch ${p.batch}`, 'Each op at its arithmetic intensity (FLOPs ÷ bytes moved, from the graph\'s shapes) and the FLOP/s it reached (ORT\'s profiler), both axes logarithmic; the bigger the ring, the bigger its share of op time. Blue ops are compute-bound, orange memory-bound: an op far below its roof has room to speed up; one on its roof needs less work or fewer bytes.'));
      parts.push(html`<h3>Top ops of ${p.precision} at batch ${p.batch}</h3>`, table(OP_HEADER, opRows(p, 10), { numeric: [2, 3, 4, 5, 6, 8], className: 'compact' }));
    });
  }
  parts.push(html`<h3>Variants</h3>`, table(VARIANT_HEADER, variantRows(r).map((row, i) => (r.variants[i]?.broken ? row.map((c, k) => (k === 6 ? html`<span class="fail">${c}</span>` : c)) : row)), { numeric: [1, 2, 3, 4, 5] }));
  parts.push(html`<h3>Cells</h3>`, table(CELL_HEADER, cellRows(r).map((row) => (row[0]!.endsWith(' BROKEN') ? [html`<span class="fail">${row[0]}</span>`, ...row.slice(1)] : row)), { numeric: [1, 2, 3, 4, 5, 7, 8, 9], className: 'compact' }));
  parts.push(
    html`<details><summary>Profile options</summary>${table(['', ''], [
      ['batch sizes', r.options.batchSizes.join(', ')],
      ['precisions', r.options.precisions.join(', ')],
      ['execution provider', r.options.ep],
      ['threads', r.options.threads === null ? 'ORT default' : String(r.options.threads)],
      ['shapes', Object.entries(r.options.shapes).map(([k, v]) => `${k}=${v.join('x')}`).join(', ') || 'none'],
      ['p99 bound', r.options.p99Ms === null ? 'none' : `${r.options.p99Ms} ms`],
      ['min cosine, max accuracy drop', `${r.options.minCosine}, ${r.options.maxAccuracyDrop ?? 'none'}`],
      ['interval target, time bound per cell', `±${sig(r.options.targetCiShare * 100)} %, ${r.options.maxSecondsPerCell} s`],
      ['evaluation data', r.options.evalData ?? 'the fixed, seeded set'],
    ])}</details>`,
  );
  return html`${parts}`;
}

/** rate shows a kernel's figure: FLOP/s as GFLOP/s, bytes/s as GB/s, anything else as it is. */
function rate(v: number, unit: string): string {
  return unit === 'FLOP/s' ? `${sig(v / 1e9)} GFLOP/s` : unit === 'bytes/s' ? `${sig(v / 1e9)} GB/s` : `${sig(v)} ${unit}`;
}

function recommendationBox(r: ProfileRecord): Html {
  const rec = r.recommendation;
  if (!rec) return html`<div class="recommendation none"><strong>No recommendation</strong>: the profile ${r.status === 'complete' ? 'made none' : `is ${r.status}`}.</div>`;
  const best = recommendedVariant(r);
  const per = rec.perPrecision.map((p) => [p.precision, p.bestBatch === null ? '-' : String(p.bestBatch), p.throughputSamplesPerS === null ? '-' : sig(p.throughputSamplesPerS), msValue(p.p99Ms), p.why]);
  const variants = rec.variants.map((v) => {
    const broken = r.variants.some((x) => x.precision === v.precision && x.broken);
    return [v.precision, v.speedup === null ? '-' : `${sig(v.speedup)}x`, v.accuracyLoss === null ? '-' : sig(v.accuracyLoss), broken ? html`<span class="fail">BROKEN</span>` : v.worthIt ? html`<span class="pass">yes</span>` : 'no', v.why];
  });
  return html`<div class="recommendation${best && best.precision !== 'fp32' ? '' : ' none'}"><strong>Recommendation: ${best ? best.precision : '-'}</strong>. <em>Rule:</em> ${rec.rule}</div>${table(['precision', 'best batch', 'samples/s', 'p99 ms', 'why'], per, { numeric: [1, 2, 3] })}${table(['variant', 'speed-up', 'accuracy loss', 'worth it', 'why'], variants, { numeric: [1, 2] })}`;
}

function modelBars(r: ProfileRecord): Html {
  const max = Math.max(1, ...r.variants.map((v) => v.bytes));
  return html`<div class="bars">${r.variants.map((v) => html`<span>${v.precision}${v.broken ? html` <span class="fail">BROKEN</span>` : ''}</span><div class="bar-row"><div class="bar" style="width:${String(Math.max(0.5, (100 * v.bytes) / max).toFixed(1))}%"></div><span>${bytesText(v.bytes)} on disk${v.accuracy ? ` · cosine ${cosineText(v.accuracy.cosine)}` : ''}</span></div>`)}</div>`;
}

