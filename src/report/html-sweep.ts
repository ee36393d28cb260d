/**
 * The HTML sections of a sweep: the recommendation and its reason, the Pareto chart of throughput at the SLO
 * against p99, the configuration table (with accuracy against fp32 and cost where known), latency against
 * throughput for every combination, and their latency spectra.
 */
import { boundsText } from '../sweep/sweep-table.js';
import type { ChartSpec } from './chart-spec.js';
import { chartFigure } from './html-page.js';
import { type Html, html, table } from './html.js';
import type { SweepInput } from './load-inputs.js';
import { plural } from './format.js';
import { paretoChart, tokenFrontier, unplotted } from './sweep-pareto.js';
import { hasTokenRanking, tokenColumns } from './sweep-tokens.js';
import { type ComboRow, curveChart, figureColumns, orderedRows, recommendationView, SETTING_NAMES, sweepSpectrum, sweptSettings, sweepVerdict } from './sweep-view.js';

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
  if (search) {
    const ceiling = search.toRps !== undefined ? `${search.toRps} requests/s` : `a ceiling of 1.5x what a ${search.probeS ?? 2} s closed-loop probe of that combination sustained`;
    out.push(`Each combination's throughput at the SLO is the highest Poisson rate from ${search.fromRps} requests/s up to ${ceiling} whose measurement was valid with ${boundsText(search)} (${search.steps} bisection steps of ${search.stepDurationS} s).`);
  } else out.push('Each combination ran the scenario\'s phases; its throughput at the SLO is the highest throughput of a checked phase that met every SLO check.');
  if (r.sweep.repeats) out.push(`The run each figure comes from was repeated ${r.sweep.repeats} time(s): a rate not met again is not counted, and the spread of p99 is the run-to-run noise a margin must beat.`);
  const frontier = r.recommendation?.frontier ?? [];
  if (frontier.length) out.push(`Pareto frontier (no other combination has more throughput at a lower p99): ${frontier.join(', ')}.`);
  const tokens = tokenFrontier(s);
  if (tokens.length) out.push(`Pareto frontier of output tokens/s against TTFT p99 (the chart's; no other combination has more tokens/s at a lower TTFT p99): ${tokens.join(', ')}.`);
  return out;
}

/** sweepSections renders a sweep (its headline is the caller's). */
export function sweepSections(s: SweepInput, prefix: string, charts: ChartSpec[]): Html {
  const r = s.record;
  const add = (c: ChartSpec | undefined): ChartSpec | undefined => {
    if (c) charts.push(c);
    return c;
  };
  const parts: Html[] = [recommendationBox(s)];
  parts.push(html`<div class="summary"><strong>What happened</strong><ul>${sweepSummary(s).map((x) => html`<li>${x}</li>`)}</ul></div>`);
  const view = recommendationView(r);
  const left = unplotted(s);
  const tokens = hasTokenRanking(s);
  parts.push(
    chartFigure(
      add(paretoChart(`${prefix}-pareto`, s)),
      tokens ? 'Output tokens/s against TTFT p99' : 'Throughput at the SLO against p99',
      html`${tokens ? 'The sweep ranks on output tokens/s, so each point is a combination (numbered as in the table) at the output tokens/s and TTFT p99 of the run its figures come from: up is more tokens per second, left is a lower time to first token. The green line joins the combinations no other beats on both (the table\'s Pareto mark is on requests/s against p99)' : 'Each point is a combination (numbered as in the table): up is more requests per second within the SLO, left is a lower p99 at that rate. The green line joins the Pareto frontier, the combinations no other beats on both'}; ${view.outcome === 'tie' ? 'the pink ringed points are tied (no single winner)' : 'the ringed point is the recommendation, the frontier\'s best that also meets every constraint'}. Grey points were measured invalidly or inconclusively (the load generator fell behind), so their ${tokens ? 'figures are indicative only' : 'throughput is a lower bound'}.${tokens ? ' The red dashed line, where the base scenario sets one, is its TTFT p99 bound.' : r.sweep.search || r.sweep.constraints.maxP99Ms !== undefined ? ' The red dashed line is the p99 bound.' : ''}${left.length ? html`<span class="not-plotted"><strong>Not on the chart</strong> (no place on its scale): ${left.map((u, i) => html`${i ? '; ' : ''}<span class="idx">${String(u.index)}</span> ${u.id}: ${u.why}`)}.</span>` : ''}`,
    ),
  );
  parts.push(html`<h3>Configurations</h3>`);
  parts.push(configTable(s));
  parts.push(tokenTable(s));
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

/** recommendationBox states the outcome: one winner, a tie (every tied combination, the margin and the noise), or none. */
function recommendationBox(s: SweepInput): Html {
  const rec = s.record.recommendation;
  const view = recommendationView(s.record);
  const basis = html`<br><span class="muted">Ranked on ${view.basis}.</span>`;
  if (view.winner) return html`<div class="recommendation"><strong>Recommended: ${view.winner}</strong><br>${rec?.reason ?? ''}${basis}</div>`;
  if (view.outcome === 'tie') return html`<div class="recommendation tie"><strong>Tie: ${view.tied.join(', ')}</strong> (no single winner)<br>${view.tieText}${rec?.reason ? html` ${rec.reason}` : ''}${basis}</div>`;
  const what = view.outcome === 'ceiling-too-low' ? 'No recommendation: the search ceiling was too low.' : 'No recommendation.';
  return html`<div class="recommendation none"><strong>${what}</strong> ${rec?.reason ?? 'The sweep has not finished.'}${rec ? basis : ''}</div>`;
}

const MARK_CLASS: Record<string, string> = { recommended: 'recommended', tie: 'tie', 'ceiling too low': 'ceiling', Pareto: 'pareto' };

/** comboCell is the table's first (sticky) column: the chart's number, the id and the combination's marks. */
function comboCell(x: ComboRow): Html {
  const marks = x.marks.map((m) => html`<span class="mark ${MARK_CLASS[m] ?? ''}">${m === 'recommended' ? '★ recommended' : m}</span>`);
  return html`<span class="idx">${String(x.index)}</span> ${x.id}${marks.length ? html`<br>${marks}` : ''}`;
}

/**
 * configTable has a row per combination, the recommended (or tied) ones first, its name and marks in a first
 * column that stays in view when the table scrolls sideways; headers wrap and carry the units.
 */
function configTable(s: SweepInput): Html {
  const r = s.record;
  const rows = orderedRows(s);
  const settings = sweptSettings(r).map((k) => SETTING_NAMES[k]);
  const targets = r.sweep.mode === 'targets';
  const figures = figureColumns(rows, 'html');
  const numbers = figures.headers;
  const cost = numbers.includes('$/h');
  const accuracy = numbers.includes('cosine vs fp32');
  const header = ['combination', ...settings, ...(targets ? ['target'] : []), ...numbers, 'valid', 'constraints'];
  const body = rows.map((x) => [
    comboCell(x),
    ...x.settings,
    ...(targets ? [html`<span class="any">${x.targetShort}</span>`] : []),
    ...figures.cells(x),
    x.state === 'yes' ? x.state : html`<span class="fail">${x.state}</span>`,
    x.constraints === 'ok' ? html`<span class="pass">ok</span>` : x.constraints,
  ]);
  const first = 1 + settings.length + (targets ? 1 : 0);
  const numeric = numbers.map((_, i) => first + i);
  const rowClasses = rows.map((x) => (x.recommended ? 'recommended' : x.tied ? 'tied' : undefined));
  const t = table(header, body, { numeric, className: 'combos', rowClasses });
  return html`${t}<p class="muted">Throughput at the SLO and the latency and errors beside it come from the same measurement; missed at is the lowest rate measured validly above it that missed the bounds (the capacity lies between the two; - when none did), and p99 noise the spread of p99 when that run was repeated.${cost ? ' Cost per 1M at the SLO is the cost per hour spread over an hour at the throughput at the SLO.' : ''} ${accuracy ? 'Cosine and max abs error compare each precision variant\'s outputs with the fp32 model\'s (ref: the fp32 model itself). ' : ''}Valid: yes, INVALID (the load generator fell behind), LOWER BOUND (a search step above the rate shown stayed invalid after its retry: the rate shown was measured validly, and the combination may sustain more), INCONCLUSIVE (invalid steps and no valid feasible rate), FAILED (did not run). Ceiling too low: the combination passed the search's top step, so its capacity lies above what was tried and its throughput ranks nothing.</p>`;
}

/**
 * tokenTable gives an LLM sweep's combinations their token figures, in the configuration table's order (a table
 * of its own: beside the configuration's columns they would not fit a page); nothing without token figures.
 */
function tokenTable(s: SweepInput): Html {
  const rows = orderedRows(s);
  const cols = tokenColumns(rows, 'html');
  if (cols.headers.length === 0) return html``;
  const agreement = cols.headers.includes('token agreement vs fp32');
  const t = table(['combination', ...cols.headers], rows.map((x) => [comboCell(x), ...cols.cells(x)]), { numeric: cols.headers.map((_, i) => i + 1), className: 'compact', rowClasses: rows.map((x) => (x.recommended ? 'recommended' : x.tied ? 'tied' : undefined)) });
  return html`<h3>Tokens</h3>${t}<p class="muted">Output tok/s, TTFT p99, ITL p99 and goodput (the share of the requests sent that met every per-request token threshold) come from the run behind each combination's figures, from intended send times.${agreement ? ' Token agreement is the share of a precision variant\'s greedy tokens equal to fp32\'s at the same position, and first divergence the mean position of the first token that differs (of the tokens generated per prompt).' : ''}</p>`;
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
