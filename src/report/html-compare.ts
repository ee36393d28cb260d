/**
 * The HTML comparison of several runs (and baselines): who served the most within the SLO and at what cost per
 * million inferences, then the phases they share side by side at equal load, with their percentile spectra and
 * p99 over time overlaid.
 */
import type { ChartSpec, SeriesSpec } from './chart-spec.js';
import { colorAt } from './chart-spec.js';
import { type Compared, type Comparison, compare, type Contender } from './comparison.js';
import { money, msValue, pct, rps } from './format.js';
import { chartFigure } from './html-page.js';
import { type Html, html, table } from './html.js';
import type { RunInput } from './load-inputs.js';
import { mergedHistogram, repeatWarnings } from './repeat-view.js';
import { runWarnings, type Warning } from './run-facts.js';
import { spikeRows } from './scale-data.js';
import { spectrumChart } from './spectrum-data.js';
import { p99Limit, secondsOf } from './timeline-data.js';
import { TOKEN_FIGURE_HEADER, tokenFigureCells } from './token-facts.js';

/** MAX_SPECTRUM_PHASES bounds how many shared phases get an overlaid spectrum. */
export const MAX_SPECTRUM_PHASES = 8;

/** comparisonWarnings gathers every contender's warnings, each prefixed with its name. */
export function comparisonWarnings(inputs: Compared[]): Warning[] {
  return inputs.flatMap((i) => (i.kind === 'run' ? runWarnings(i.results) : i.kind === 'repeat' ? repeatWarnings(i) : []).map((w) => ({ ...w, text: `${i.label}: ${w.text}` })));
}

/** comparisonHeadline names the best at the SLO and the cheapest per million. */
export function comparisonHeadline(c: Comparison): string[] {
  const runs = c.contenders.filter((x) => x.atSlo);
  const out: string[] = [];
  const best = runs.reduce<Contender | undefined>((a, x) => (!a || x.atSlo!.throughputRps > a.atSlo!.throughputRps ? x : a), undefined);
  if (best && best.atSlo!.throughputRps > 0) out.push(`Highest throughput at the SLO: ${best.label}, ${rps(best.atSlo!.throughputRps)} requests/s${best.valid ? '' : ' (measurement INVALID)'}.`);
  else if (runs.length) out.push('No run met the SLO in any checked phase.');
  const priced = runs.filter((x) => x.costPerMillion !== null);
  const cheapest = priced.reduce<Contender | undefined>((a, x) => (!a || x.costPerMillion! < a.costPerMillion! ? x : a), undefined);
  if (cheapest) out.push(`Lowest cost per million inferences at the SLO: ${cheapest.label}, ${money(cheapest.costPerMillion)} (at ${money(cheapest.costPerHour)} per hour).`);
  return out;
}

/** comparisonSections renders the comparison part of a page (the runs' own sections follow it). */
export function comparisonSections(inputs: Compared[], charts: ChartSpec[]): Html {
  const c = compare(inputs);
  const parts: Html[] = [];
  parts.push(html`<h2 id="at-slo">At the maximum throughput within the SLO</h2>`);
  parts.push(
    html`<p>For each run, the highest throughput (successful requests per second) of a phase that met every SLO check, with that phase's latency. Cost per million inferences = cost per hour ÷ (throughput × 3600) × 1 000 000, from each target's <code>cost_per_hour</code>, in its currency${c.priced === 0 ? ' (no target file here sets it, so there is no cost column to fill)' : ''}.</p>`,
  );
  // The target column only says something when the runs are not already named after their targets.
  const targetColumn = c.contenders.some((x) => x.label !== x.target);
  parts.push(
    table(
      ['run', ...(targetColumn ? ['target'] : []), 'verdict', 'rps at SLO', 'phase', 'p50 ms', 'p99 ms', 'error rate', 'cost per hour', 'cost per million'],
      c.contenders.map((x) => [
        x.label,
        ...(targetColumn ? [x.target] : []),
        x.verdict,
        x.atSlo ? rps(x.atSlo.throughputRps) : '-',
        x.atSlo?.phase ?? (x.atSlo ? 'none met the SLO' : '-'),
        x.atSlo ? msValue(x.atSlo.p50Ms) : '-',
        x.atSlo ? msValue(x.atSlo.p99Ms) : '-',
        x.atSlo ? pct(x.atSlo.errorRate) : '-',
        money(x.costPerHour),
        money(x.costPerMillion),
      ]),
      { numeric: (targetColumn ? [3, 5, 6, 7, 8, 9] : [2, 4, 5, 6, 7, 8]) },
    ),
  );
  // A table of its own beside the one above: both in one would not fit a 1000 px page.
  if (c.tokens) {
    parts.push(html`<p>LLM runs at the same phase: TTFT p99, ITL p99, output tokens per second, and goodput (the share of requests that met every per-request token threshold); "-" where a run has no token figures.</p>`);
    parts.push(table(['run', 'phase', ...TOKEN_FIGURE_HEADER], c.contenders.map((x) => [x.label, x.atSlo?.phase ?? '-', ...tokenFigureCells(x.tokens)]), { numeric: [2, 3, 4, 5] }));
  }
  parts.push(bars(c.contenders.filter((x) => x.atSlo), (x) => x.atSlo!.throughputRps, (v) => `${rps(v)} /s`, 'Throughput at the SLO (longer is better)', false));
  if (c.priced) parts.push(bars(c.contenders.filter((x) => x.costPerMillion !== null), (x) => x.costPerMillion!, (v) => money(v), 'Cost per million inferences at the SLO (shorter is better)', true));
  if (c.equalLoad.length) {
    parts.push(html`<h2 id="equal-load">At equal load</h2><p>The phases the runs share, side by side: in one scenario a phase offers every target the same rate, so latency and errors compare directly. ${c.equalLoad.some((r) => r.loadsDiffer) ? 'Rows marked ≠ offered rates more than 5 % apart: not the same load.' : ''} Baselines and repeated runs show the median of their repetitions.</p>`);
    parts.push(
      table(
        ['phase', 'run', 'offered/s', 'ok/s', 'p50 ms', 'p99 ms', 'error rate', ...(c.tokens ? TOKEN_FIGURE_HEADER : [])],
        c.equalLoad.flatMap((row) =>
          row.entries.map((e, i) => [i === 0 ? `${row.phase}${row.loadsDiffer ? ' ≠' : ''}` : '', `${e.label}${e.valid ? '' : ' (invalid)'}`, e.offeredRps === null ? '-' : rps(e.offeredRps), rps(e.throughputRps), msValue(e.p50Ms), msValue(e.p99Ms), pct(e.errorRate), ...(c.tokens ? tokenFigureCells(e.tokens) : [])]),
        ),
        { numeric: c.tokens ? [2, 3, 4, 5, 6, 7, 8, 9, 10] : [2, 3, 4, 5, 6] },
      ),
    );
    c.equalLoad.slice(0, MAX_SPECTRUM_PHASES).forEach((row, n) => {
      const entries = inputs.flatMap((i, k) => {
        const hist = i.kind === 'run' ? i.results.phases.find((p) => p.name === row.phase)?.histogram : i.kind === 'repeat' ? mergedHistogram(i, row.phase) : i.baseline.phases.find((p) => p.name === row.phase)?.histogram;
        return hist ? [{ label: i.label, histogram: hist, color: colorAt(k) }] : [];
      });
      const first = inputs.find((i): i is RunInput => i.kind === 'run');
      const limit = first ? p99Limit(first.results) : undefined;
      const spec = spectrumChart(`cmp-spectrum-${n + 1}`, entries, limit !== undefined ? { y: limit, label: `SLO p99 ${limit} ms` } : undefined);
      if (spec) charts.push(spec);
      parts.push(chartFigure(spec, `Percentile spectrum of ${row.phase}, every run`, 'One line per run (or baseline, or a run\'s repetitions merged) for this phase: the latency (log scale) below which a share of requests finished, on HdrHistogram\'s percentile axis (90 %, 99 %, 99.9 % equally spaced). The lower line is faster at that percentile; lines that cross trade median speed for tail latency.'));
    });
  }
  const scaled = inputs.filter((i): i is RunInput => i.kind === 'run' && (i.results.spikes?.length ?? 0) > 0);
  if (scaled.length) {
    parts.push(html`<h2 id="autoscaler">The autoscaler against the spike</h2><p>For each run with an autoscaler, each step up in load: the first scale-up decision after it, the lag until enough replicas were ready, and the requests shed (503), timed out, failed otherwise or late (over the phase's p99 SLO) during the lag (docs/drills.md#the-spike-drill).</p>`);
    parts.push(table(['run', 'phase', 'step at', 'decided after', 'lag', 'replicas', 'sent', 'shed', 'timed out', 'other failed', 'late'], scaled.flatMap((i) => spikeRows(i.results).map((row) => [i.label, ...row])), { numeric: [2, 3, 4, 6, 7, 8, 9, 10] }));
  }
  const over = p99OverTime(inputs.filter((i): i is RunInput => i.kind === 'run'));
  if (over) {
    charts.push(over);
    parts.push(chartFigure(over, 'p99 per second, every run', 'The p99 of each second of each run (log scale), from each run\'s start: where in the scenario each target slowed down. Runs of the same scenario line up phase by phase.'));
  }
  return html`${parts}`;
}

function bars(items: Contender[], value: (c: Contender) => number, fmt: (v: number) => string, title: string, alt: boolean): Html {
  if (items.length === 0) return html``;
  const max = items.reduce((m, x) => Math.max(m, value(x)), 0);
  return html`<h3>${title}</h3><div class="bars">${items.map((x) => {
    const v = value(x);
    const width = max > 0 ? Math.max(0.5, (v / max) * 100) : 0;
    return html`<div>${x.label}</div><div class="bar-row"><div class="bar${alt ? ' alt' : ''}" style="width: ${width.toFixed(1)}%"></div><span>${fmt(v)}</span></div>`;
  })}</div>`;
}

function p99OverTime(runs: RunInput[]): ChartSpec | undefined {
  if (runs.length < 2) return undefined;
  const perRun = runs.map((r) => new Map(secondsOf(r.results.intervals).map((s) => [s.t, s.p99Us])));
  let last = 0;
  for (const m of perRun) for (const t of m.keys()) last = Math.max(last, t);
  const xs: number[] = [];
  for (let t = 0; t <= last; t++) xs.push(t);
  const series: SeriesSpec[] = runs.map((r, i) => ({ label: r.label, values: xs.map((t) => { const v = perRun[i]!.get(t); return v ? v / 1000 : null; }), color: colorAt(i), unit: 'ms' }));
  const limit = p99Limit(runs[0]!.results);
  return {
    id: 'cmp-p99-time',
    x: { kind: 'time', label: 'seconds since the start', values: xs.map((t) => t + 0.5) },
    y: { label: 'p99 (ms)', log: true },
    series,
    lines: limit !== undefined ? [{ y: limit, label: `SLO p99 ${limit} ms`, color: '#B00020' }] : [],
  };
}
