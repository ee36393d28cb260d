/**
 * The HTML sections of a sweep: the recommendation and its reason, the Pareto chart of throughput at the SLO
 * against p99, the configuration table (with accuracy against fp32 and cost where known), latency against
 * throughput for every combination, and their latency spectra.
 */
import type { ChartSpec } from './chart-spec.js';
import { chartFigure } from './html-page.js';
import { type Html, html, raw, table } from './html.js';
import type { SweepInput } from './load-inputs.js';
import { plural } from './format.js';
import { comboRows, curveChart, paretoChart, SETTING_NAMES, sweepSpectrum, sweptSettings, sweepVerdict } from './sweep-view.js';

/** sweepSummary says what the sweep did in a few sentences (the recommendation's reason is shown on its own). */
export function sweepSummary(s: SweepInput): string[] {
  const r = s.record;
  const settings = sweptSettings(r).map((k) => SETTING_NAMES[k]);
  const done = r.combinations.filter((c) => c.status === 'done').length;
  const failed = r.combinations.filter((c) => c.status === 'failed').length;
  const out = [
    `${r.sweep.name} measured ${plural(r.combinations.length, 'combination')} ${r.sweep.mode === 'targets' ? 'of external targets' : `of ${settings.length ? settings.join(', ') : 'the base configuration'} for ${r.sweep.model ?? 'the model'}`} with the scenario ${r.sweep.scenario}: ${done} done${failed ? `, ${failed} failed` : ''}.`,
  ];
  const search = r.sweep.search;
  if (search) out.push(`Each combination's throughput at the SLO is the highest Poisson rate between ${search.fromRps} and ${search.toRps} requests/s whose measurement was valid with p99 <= ${search.p99Ms} ms and error rate <= ${(search.errorRate * 100).toFixed(2)} % (${search.steps} bisection steps of ${search.stepDurationS} s).`);
  else out.push('Each combination ran the scenario\'s phases; its throughput at the SLO is the highest throughput of a checked phase that met every SLO check.');
  const frontier = r.recommendation?.frontier ?? [];
  if (frontier.length) out.push(`Pareto frontier (no other combination has more throughput at a lower p99): ${frontier.join(', ')}.`);
  return out;
}

/** sweepSections renders a sweep (its headline is the caller's). */
export function sweepSections(s: SweepInput, prefix: string, charts: ChartSpec[]): Html {
  const r = s.record;
  const add = (c: ChartSpec | undefined): ChartSpec | undefined => {
    if (c) charts.push(c);
    return c;
  };
  const rec = r.recommendation;
  const parts: Html[] = [];
  parts.push(
    rec?.id
      ? html`<div class="recommendation"><strong>Recommended: ${rec.id}</strong><br>${rec.reason}</div>`
      : html`<div class="recommendation none"><strong>No recommendation.</strong> ${rec?.reason ?? 'The sweep has not finished.'}</div>`,
  );
  parts.push(html`<div class="summary"><strong>What happened</strong><ul>${sweepSummary(s).map((x) => html`<li>${x}</li>`)}</ul></div>`);
  parts.push(
    chartFigure(
      add(paretoChart(`${prefix}-pareto`, s)),
      'Throughput at the SLO against p99',
      html`Each point is a combination (numbered as in the table): up is more requests per second within the SLO, left is a lower p99 at that rate. The green line joins the Pareto frontier, the combinations no other beats on both; the ringed point is the recommendation, the frontier's best that also meets every constraint. Grey points were measured invalidly or inconclusively (the load generator fell behind), so their throughput is a lower bound.${r.sweep.search || r.sweep.constraints.maxP99Ms !== undefined ? ' The red dashed line is the p99 bound.' : ''}`,
    ),
  );
  parts.push(html`<h3>Configurations</h3>`);
  parts.push(configTable(s));
  parts.push(
    chartFigure(
      add(curveChart(`${prefix}-curve`, s)),
      'Latency against throughput',
      r.sweep.search
        ? 'Every step of each combination\'s search: the p99 (log scale) it measured at the throughput it reached. Where a line crosses the red bound is that configuration\'s capacity within the SLO; a line that turns up steeply has little headroom beyond it.'
        : 'Each combination\'s checked phases: the p99 (log scale) at each phase\'s throughput. Where a line crosses the red bound is that configuration\'s capacity within the SLO.',
    ),
  );
  parts.push(
    chartFigure(
      add(sweepSpectrum(`${prefix}-spectrum`, s)),
      'Percentile spectrum at the throughput at the SLO',
      'For each combination, the latency distribution of the run its figures come from (the best feasible step, or the best phase), on HdrHistogram\'s percentile axis: lower is faster; compare the tails (99 % and beyond) as much as the medians.',
    ),
  );
  const cons = Object.entries(r.sweep.constraints).map(([k, v]) => `${k} ${v}`);
  parts.push(
    html`<details><summary>Sweep details</summary>${table(['', ''], [
      ['sweep file', r.sweep.file ?? '-'],
      ['scenario', r.sweep.scenario],
      ['mode', r.sweep.mode],
      ['model', r.sweep.model ?? '-'],
      ['constraints', cons.length ? cons.join(', ') : 'none'],
      ['allow invalid', String(r.sweep.allowInvalid)],
      ['duration scale', String(r.sweep.durationScale)],
      ['started, ended', `${r.startedAt} – ${r.endedAt ?? '(not ended)'}`],
      ['status', r.status],
      ['folder', s.dir],
    ])}</details>`,
  );
  return html`${parts}`;
}

function configTable(s: SweepInput): Html {
  const r = s.record;
  const rows = comboRows(s);
  const settings = sweptSettings(r).map((k) => SETTING_NAMES[k]);
  const accuracy = rows.some((x) => x.cosine !== '-' && x.cosine !== 'ref');
  const top1 = rows.some((x) => x.top1 !== '-');
  const cost = rows.some((x) => x.costPerHour !== '-');
  const targets = r.sweep.mode === 'targets';
  const header = ['#', 'combination', ...settings, ...(targets ? ['target'] : []), 'rps at SLO', 'p50 ms', 'p99 ms', 'errors', 'MiB', ...(accuracy ? ['cosine vs fp32', 'max abs error'] : []), ...(top1 ? ['top-1 agreement'] : []), ...(cost ? ['cost per hour', 'cost per million'] : []), 'valid', 'constraints', ''];
  const body = rows.map((x) => [
    String(x.index),
    x.id,
    ...x.settings,
    ...(targets ? [x.target] : []),
    x.rpsAtSlo,
    x.p50,
    x.p99,
    x.errorRate,
    x.memoryMib,
    ...(accuracy ? [x.cosine, x.maxAbsError] : []),
    ...(top1 ? [x.top1] : []),
    ...(cost ? [x.costPerHour, x.costPerMillion] : []),
    x.state === 'yes' ? x.state : html`<span class="fail">${x.state}</span>`,
    x.constraints === 'ok' ? html`<span class="pass">ok</span>` : x.constraints,
    [x.recommended ? '★ recommended' : '', x.pareto ? 'Pareto' : ''].filter(Boolean).join(', '),
  ]);
  const first = 2 + settings.length + (targets ? 1 : 0);
  const numeric = [0, ...Array.from({ length: 5 + (accuracy ? 2 : 0) + (top1 ? 1 : 0) + (cost ? 2 : 0) }, (_, i) => first + i)];
  const t = table(header, body, { numeric });
  // Mark the recommended row (the id is matched on the escaped markup of its row).
  const recommended = rows.find((x) => x.recommended);
  const marked = recommended ? t.markup.replace(`<tr><td class="num">${recommended.index}</td>`, `<tr class="recommended"><td class="num">${recommended.index}</td>`) : t.markup;
  return html`${raw(marked)}<p class="muted">Throughput at the SLO and the latency and errors beside it come from the same measurement. ${accuracy ? 'Cosine and max abs error compare each precision variant\'s outputs with the fp32 model\'s (ref: the fp32 model itself). ' : ''}Valid: yes, INVALID (the load generator fell behind), LOWER BOUND (a search step above the rate shown stayed invalid after its retry: the rate shown was measured validly, and the combination may sustain more), INCONCLUSIVE (invalid steps and no valid feasible rate), FAILED (did not run).</p>`;
}

/** sweepTitle is the page title of a sweep. */
export function sweepTitle(s: SweepInput): string {
  return `Sweep ${s.record.sweep.name}: ${sweepVerdict(s.record)}`;
}

/** sweepSubtitle is the one-line context of a sweep. */
export function sweepSubtitle(s: SweepInput): string {
  const r = s.record.sweep;
  return `${r.mode === 'targets' ? 'targets' : `model ${r.model ?? '-'}`} · scenario ${r.scenario} · ${s.record.combinations.length} combinations · started ${s.record.startedAt}`;
}
