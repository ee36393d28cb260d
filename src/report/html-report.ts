/**
 * The HTML report: one self-contained page for a run, a comparison of runs (and baselines), or a sweep, meant to
 * be read by someone who never saw the terminal: a title with the verdict, the warnings that limit the numbers,
 * "what happened" in a few sentences, then charts with captions on how to read them, and tables with every figure.
 * Pure: results files in, a string out.
 */
import type { ChartSpec } from './chart-spec.js';
import { comparisonHeadline, comparisonSections, comparisonWarnings } from './html-compare.js';
import { chartFigure, htmlPage } from './html-page.js';
import { renderProfileHtml } from './html-profile.js';
import { profilesOf } from './load-profile.js';
import { runSections, subtitle, verdictBadges, warningsBox } from './html-run.js';
import { sweepSections, sweepSubtitle, sweepTitle } from './html-sweep.js';
import { type Html, html, table } from './html.js';
import type { BaselineInput, RepeatInput, ReportInput, RunInput, SweepInput } from './load-inputs.js';
import { repeatBadges, type RepeatPageOptions, repeatSections } from './html-repeat.js';
import { repeatSubtitle, repeatSummary, repeatTitle, repeatWarnings } from './repeat-view.js';
import { runVerdict, runWarnings, whatHappened } from './run-facts.js';
import { spectrumChart } from './spectrum-data.js';
import { sweepVerdict, sweepWarnings } from './sweep-view.js';
import { type Compared, compare, median } from './comparison.js';
import { msValue, pct, rps } from './format.js';

/** renderHtml renders the inputs as one HTML document; `pageDir`, where it will be written, makes links relative to it. */
export function renderHtml(inputs: ReportInput[], opts: RepeatPageOptions = {}): string {
  const profiles = profilesOf(inputs);
  if (profiles) return renderProfileHtml(profiles);
  const charts: ChartSpec[] = [];
  const runs = inputs.filter((i): i is RunInput => i.kind === 'run');
  const baselines = inputs.filter((i): i is BaselineInput => i.kind === 'baseline');
  const sweeps = inputs.filter((i): i is SweepInput => i.kind === 'sweep');
  const repeats = inputs.filter((i): i is RepeatInput => i.kind === 'repeat');
  const compared = inputs.filter((i): i is Compared => i.kind !== 'sweep');
  const parts: Html[] = [];
  let title: string;
  if (runs.length === 1 && inputs.length === 1) {
    const run = runs[0]!;
    const r = run.results;
    title = `${r.scenario.name}: ${runVerdict(r).text}`;
    parts.push(html`<header><h1>${r.scenario.name}: ${runVerdict(r).text}</h1><p class="subtitle">${subtitle(r)}</p>${verdictBadges(r)}</header>`);
    parts.push(warningsBox(runWarnings(r)));
    parts.push(html`<section class="summary"><strong>What happened</strong><ul>${whatHappened(r).map((s) => html`<li>${s}</li>`)}</ul></section>`);
    parts.push(runSections(run, 'run', charts, { standalone: true }));
  } else if (sweeps.length === 1 && inputs.length === 1) {
    const s = sweeps[0]!;
    title = sweepTitle(s);
    parts.push(html`<header><h1>${title}</h1><p class="subtitle">${sweepSubtitle(s)}</p>${sweepBadges(s)}</header>`);
    parts.push(warningsBox(sweepWarnings(s)));
    parts.push(sweepSections(s, 'sweep', charts));
  } else if (repeats.length === 1 && inputs.length === 1) {
    const rep = repeats[0]!;
    const first = rep.reps[0]!.results;
    title = `${first.scenario.name}: ${repeatTitle(rep)}`;
    parts.push(html`<header><h1>${title}</h1><p class="subtitle">${repeatSubtitle(rep)}</p>${repeatBadges(rep)}</header>`);
    parts.push(warningsBox(repeatWarnings(rep)));
    parts.push(html`<section class="summary"><strong>What happened</strong><ul>${repeatSummary(rep).map((s) => html`<li>${s}</li>`)}</ul></section>`);
    parts.push(repeatSections(rep, 'repeat', charts, { ...opts, level: 2 }));
  } else if (baselines.length === 1 && inputs.length === 1) {
    const b = baselines[0]!;
    title = `Baseline ${b.baseline.name}`;
    parts.push(html`<header><h1>${title}</h1><p class="subtitle">${b.baseline.scenario} · ${b.baseline.target.name} · created ${b.baseline.createdAt} · ${b.baseline.sources.length} run(s)</p></header>`, baselineSection(b, charts));
  } else {
    title = compared.length ? `Comparison: ${compared.map((i) => i.label).join(' vs ')}` : `${sweeps.length} sweeps`;
    parts.push(html`<header><h1>${title}</h1><p class="subtitle">${plural(inputs.length, 'input')}: ${inputs.map((i) => `${i.label} (${i.kind})`).join(', ')}</p></header>`);
    const warnings = [...comparisonWarnings(compared), ...sweeps.flatMap((s) => sweepWarnings(s).map((w) => ({ ...w, text: `${s.label}: ${w.text}` })))];
    parts.push(warningsBox(warnings));
    if (compared.length > 1) {
      const headline = comparisonHeadline(compare(compared));
      parts.push(html`<section class="summary"><strong>In short</strong><ul>${headline.map((s) => html`<li>${s}</li>`)}${runs.map((r) => html`<li>${r.label}: ${runVerdict(r.results).text}.</li>`)}${repeats.map((r) => html`<li>${r.label}: ${repeatTitle(r)}.</li>`)}</ul></section>`);
      parts.push(html`<nav class="toc">Jump to: <a href="#at-slo">at the SLO</a><a href="#equal-load">at equal load</a>${runs.map((r, i) => html`<a href="#run-${i + 1}">${r.label}</a>`)}${repeats.map((r, i) => html`<a href="#repeat-${i + 1}">${r.label}</a>`)}</nav>`);
      parts.push(comparisonSections(compared, charts));
    }
    runs.forEach((r, i) => parts.push(html`<section class="run-section">${runSections(r, `run-${i + 1}`, charts, { standalone: false })}</section>`));
    repeats.forEach((r, i) =>
      parts.push(html`<section class="run-section"><h2 id="repeat-${i + 1}">${r.label}: ${repeatTitle(r)}</h2>${repeatBadges(r)}${warningsBox(repeatWarnings(r), `Warnings for ${r.label}`)}<div class="summary"><strong>What happened</strong><ul>${repeatSummary(r).map((s) => html`<li>${s}</li>`)}</ul></div>${repeatSections(r, `repeat-${i + 1}`, charts, { ...opts, level: 3 })}</section>`),
    );
    if (compared.length <= 1) baselines.forEach((b) => parts.push(html`<h2>${b.label}</h2>`, baselineSection(b, charts)));
    sweeps.forEach((s, i) => parts.push(html`<section class="run-section"><h2>${sweepTitle(s)}</h2><p class="subtitle">${sweepSubtitle(s)}</p>${sweepSections(s, `sweep-${i + 1}`, charts)}</section>`));
  }
  const tool = inputs.map((i) => (i.kind === 'run' ? i.results.tool.version : i.kind === 'sweep' ? i.record.tool.version : i.kind === 'repeat' ? i.reps[0]!.results.tool.version : i.kind === 'baseline' ? i.baseline.tool.version : i.record.tool.version))[0];
  parts.push(html`<footer>Made by gauntlet ${tool ?? ''} from ${inputs.map((i) => (i.kind === 'sweep' || i.kind === 'repeat' ? i.dir : i.path)).join(', ')}. This page is self-contained: it loads nothing from the network.</footer>`);
  return htmlPage({ title: `gauntlet · ${title}`, body: html`${parts}`, charts });
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function sweepBadges(s: SweepInput): Html {
  const v = sweepVerdict(s.record);
  const good = v.startsWith('recommended') && !sweepWarnings(s).some((w) => w.severity === 'error');
  const cls = v.startsWith('recommended') ? (good ? 'good' : 'neutral') : v.startsWith('tie') ? 'neutral' : 'bad';
  return html`<div class="verdict"><span class="badge ${cls}">${v}</span></div>`;
}

function baselineSection(b: BaselineInput, charts: ChartSpec[]): Html {
  const rows = b.baseline.phases.filter((p) => p.repetitions.throughput.length > 0);
  const spec = spectrumChart(`baseline-${charts.length}`, rows.map((p) => ({ label: p.name, histogram: p.histogram })));
  if (spec) charts.push(spec);
  return html`${table(
    ['phase', 'repetitions', 'ok/s (median)', 'p50 ms', 'p95 ms', 'p99 ms', 'error rate'],
    rows.map((p) => [p.name, String(p.repetitions.throughput.length), rps(median(p.repetitions.throughput)), msValue(median(p.repetitions.p50)), msValue(median(p.repetitions.p95)), msValue(median(p.repetitions.p99)), pct(median(p.repetitions.error_rate))]),
    { numeric: [1, 2, 3, 4, 5, 6] },
  )}${chartFigure(spec, `Percentile spectrum of ${b.label}`, 'Each phase\'s latency distribution, all repetitions merged, on HdrHistogram\'s percentile axis.')}`;
}
