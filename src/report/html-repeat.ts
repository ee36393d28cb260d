/**
 * The HTML of a repetitions folder (`gauntlet run --repeat N`): one run measured N times. The gate's verdict
 * (which part failed), then per phase the median and spread of each figure with every repetition's row under it,
 * then the repetitions overlaid: p99 per second and each phase's percentile spectrum, one line per repetition.
 * Each repetition's own report stays in its folder and is linked.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ChartSpec, SeriesSpec } from './chart-spec.js';
import { colorAt } from './chart-spec.js';
import { chartFigure } from './html-page.js';
import { type Html, html, raw, table } from './html.js';
import { MAX_SPECTRUM_PHASES } from './html-compare.js';
import { gateHeadline, gateRows } from './gate-view.js';
import type { RepeatInput } from './load-inputs.js';
import { FIGURES, repeatPhases, type Spread, TOKEN_FIGURES } from './repeat-view.js';
import { runVerdict } from './run-facts.js';
import { spectrumChart } from './spectrum-data.js';
import { p99Limit, secondsOf } from './timeline-data.js';

/** MAX_GATE_ROWS bounds the gate table (a gate has a few checks per phase and repetition). */
export const MAX_GATE_ROWS = 200;

/** RepeatPageOptions: where the page is written, so links to each repetition's report resolve from there. */
export interface RepeatPageOptions {
  pageDir?: string;
}

/** repeatBadges shows the gate's verdict and the repetitions' SLO and validity as badges. */
export function repeatBadges(input: RepeatInput): Html {
  const n = input.reps.length + input.missing.length;
  const verdicts = input.reps.map((r) => runVerdict(r.results));
  const met = verdicts.filter((v) => v.slo === 'met').length;
  const valid = verdicts.filter((v) => v.valid).length;
  const checked = verdicts.some((v) => v.slo !== 'none');
  const g = input.gate ? gateHeadline(input.gate) : undefined;
  return html`<div class="verdict">${g ? html`<span class="badge ${g.status === 'passed' ? 'good' : 'bad'}">${g.status === 'passed' ? '✓' : '✗'} ${g.text.replace(/:.*$/, '')} (exit ${g.exitCode})</span>` : ''}${checked ? html`<span class="badge ${met === n ? 'good' : 'bad'}">SLO met in ${met} of ${n}</span>` : ''}<span class="badge ${valid === n ? 'good' : 'bad'}">measurement valid in ${valid} of ${n}</span></div>`;
}

/** repeatSections renders a repetitions folder; `prefix` keeps chart ids unique in a page. */
export function repeatSections(input: RepeatInput, prefix: string, charts: ChartSpec[], opts: RepeatPageOptions & { level: 2 | 3 }): Html {
  const h = (text: string, id?: string): Html => html`<${raw(`h${opts.level}`)}${id ? html` id="${id}"` : ''}>${text}</${raw(`h${opts.level}`)}>`;
  const parts: Html[] = [];
  if (input.gate) parts.push(h(`Gate against baseline ${input.gate.baseline}`, `${prefix}-gate`), gateSection(input));
  parts.push(h('Repetitions', `${prefix}-repetitions`), spreadTable(input));
  if (repeatPhases(input).some((p) => p.tokenSpread)) parts.push(h('Tokens, each repetition', `${prefix}-tokens`), tokenSpreadTable(input));
  const over = p99PerRepetition(`${prefix}-p99`, input);
  if (over) {
    charts.push(over);
    parts.push(chartFigure(over, 'p99 per second, each repetition', 'The p99 of each second, one line per repetition (log scale), from each repetition\'s start: lines that stay together mean the run measures the same each time; one that stands apart had something else going on (a busy machine, a cold start).'));
  }
  const phases = repeatPhases(input).filter((p) => p.spread.p99).slice(0, MAX_SPECTRUM_PHASES);
  phases.forEach((p, n) => {
    const entries = input.reps.flatMap((r, k) => {
      const hist = r.results.phases.find((x) => x.name === p.name && x.state !== 'not-run')?.histogram;
      return hist ? [{ label: r.label, histogram: hist, color: colorAt(k) }] : [];
    });
    const limit = p99Limit(input.reps[0]!.results);
    const spec = spectrumChart(`${prefix}-spectrum-${n + 1}`, entries, limit !== undefined ? { y: limit, label: `SLO p99 ${limit} ms` } : undefined);
    if (spec) charts.push(spec);
    parts.push(chartFigure(spec, `Percentile spectrum of ${p.name}, each repetition`, 'One line per repetition: the latency (log scale) below which a share of its requests finished, on HdrHistogram\'s percentile axis. Where the lines fan out is where the repetitions disagree: usually the tail.'));
  });
  parts.push(h('Each repetition\'s report'), repLinks(input, opts.pageDir));
  return html`${parts}`;
}

function gateSection(input: RepeatInput): Html {
  const g = input.gate!;
  const head = gateHeadline(g);
  const all = gateRows(g);
  // Every metric verdict; of the candidate's SLO checks (one per repetition) only those not met.
  const rows = all.filter((r) => !r.check.startsWith('SLO ') || r.verdict !== 'met');
  const met = all.length - rows.length;
  const cls = head.status === 'passed' ? 'recommendation' : 'recommendation none';
  return html`<div class="${cls}"><strong>${head.text}</strong> (exit ${head.exitCode}).</div>${
    g.invalid.length ? html`<ul>${g.invalid.map((x) => html`<li class="fail">cannot judge: ${x}</li>`)}</ul>` : ''
  }${g.warnings.length ? html`<details><summary>The gate's notes (${g.warnings.length})</summary><ul>${g.warnings.map((x) => html`<li>${x}</li>`)}</ul></details>` : ''}${table(
    ['phase', 'check', 'baseline', 'candidate', 'change', 'verdict', 'why'],
    rows.slice(0, MAX_GATE_ROWS).map((r) => [r.phase, r.check, r.baseline, r.candidate, r.change, r.pass ? r.verdict : html`<span class="fail">${r.verdict}</span>`, r.reason]),
    { numeric: [2, 3, 4] },
  )}${rows.length > MAX_GATE_ROWS ? html`<p class="muted">…and ${rows.length - MAX_GATE_ROWS} more checks (gate.json has them all).</p>` : ''}${met ? html`<p class="muted">The other ${met} SLO checks of the repetitions were met.</p>` : ''}`;
}

function spreadTable(input: RepeatInput): Html {
  const rows: (string | Html)[][] = [];
  for (const p of repeatPhases(input)) {
    const n = p.reps.filter((x) => x.figures).length;
    const met = p.reps.filter((x) => x.slo === 'pass').length;
    const checked = p.reps.filter((x) => x.slo === 'pass' || x.slo === 'FAIL').length;
    const valid = p.reps.filter((x) => x.figures && x.valid).length;
    rows.push([html`<strong>${p.name}</strong><br><span class="muted">median of ${n},<br>lowest–highest</span>`, ...FIGURES.map((f) => spreadCell(p.spread[f.key], f.fmt)), html`${checked ? `met ${met}/${checked}` : 'unchecked'}<br>valid ${valid}/${n}`]);
    for (const r of p.reps) {
      const fig = r.figures;
      rows.push([
        html`<span class="muted">${r.label}</span>`,
        ...FIGURES.map((f) => (fig ? f.fmt(fig[f.key]) : 'not run')),
        html`${r.slo === 'FAIL' ? html`<span class="fail" title="${r.failed.join('; ')}">FAIL</span>` : r.slo === 'pass' ? html`<span class="pass">pass</span>` : r.slo}, ${r.valid ? 'valid' : html`<span class="fail">INVALID</span>`}`,
      ]);
    }
  }
  return html`${table(['phase / repetition', ...FIGURES.map((f) => f.label), 'verdict'], rows, { numeric: FIGURES.map((_, i) => i + 1), className: 'compact' })}<p class="muted">Latency in milliseconds, of successful requests; rates per second. The first row of each phase is the median over the repetitions that ran it, with the lowest and highest under it; a failed SLO names its thresholds on hover.</p>`;
}

/** tokenSpreadTable is the token figures of an LLM target's phases: the median and range, then each repetition. */
function tokenSpreadTable(input: RepeatInput): Html {
  const rows: (string | Html)[][] = [];
  for (const p of repeatPhases(input)) {
    if (!p.tokenSpread) continue;
    const spread = p.tokenSpread;
    const n = p.reps.filter((x) => x.tokens).length;
    rows.push([html`<strong>${p.name}</strong><br><span class="muted">median of ${n},<br>lowest–highest</span>`, ...TOKEN_FIGURES.map((f) => spreadCell(spread[f.key], f.fmt))]);
    for (const r of p.reps) rows.push([html`<span class="muted">${r.label}</span>`, ...TOKEN_FIGURES.map((f) => (r.tokens ? f.fmt(r.tokens[f.key]) : r.figures ? '-' : 'not run'))]);
  }
  return html`${table(['phase / repetition', ...TOKEN_FIGURES.map((f) => f.label)], rows, { numeric: TOKEN_FIGURES.map((_, i) => i + 1), className: 'compact' })}<p class="muted">From each repetition's successful responses that streamed tokens, from intended send times: TTFT to the first token, ITL every gap between tokens, TPOT per request (last − first token) ÷ (output tokens − 1); output tok/s over the phase's run; goodput the share of the requests sent that met every per-request token threshold.</p>`;
}

function spreadCell(s: Spread | null, fmt: (v: number) => string): Html {
  if (!s) return html`-`;
  return s.n === 1 || s.min === s.max ? html`<strong>${fmt(s.median)}</strong>` : html`<strong>${fmt(s.median)}</strong><br><span class="muted">${fmt(s.min)}–${fmt(s.max)}</span>`;
}

function p99PerRepetition(id: string, input: RepeatInput): ChartSpec | undefined {
  if (input.reps.length < 2) return undefined;
  const perRep = input.reps.map((r) => new Map(secondsOf(r.results.intervals).map((s) => [s.t, s.p99Us])));
  let last = -1;
  for (const m of perRep) for (const t of m.keys()) last = Math.max(last, t);
  if (last < 0) return undefined;
  const xs = Array.from({ length: last + 1 }, (_, t) => t);
  const series: SeriesSpec[] = input.reps.map((r, i) => ({ label: r.label, values: xs.map((t) => { const v = perRep[i]!.get(t); return v ? v / 1000 : null; }), color: colorAt(i), unit: 'ms' }));
  const limit = p99Limit(input.reps[0]!.results);
  return {
    id,
    x: { kind: 'time', label: 'seconds since the repetition\'s start', values: xs.map((t) => t + 0.5), min: 0, max: last + 1 },
    y: { label: 'p99 (ms)', log: true },
    series,
    lines: limit !== undefined ? [{ y: limit, label: `SLO p99 ${limit} ms`, color: '#B00020' }] : [],
  };
}

function repLinks(input: RepeatInput, pageDir: string | undefined): Html {
  const items = input.reps.map((r) => {
    const report = path.join(path.dirname(r.path), 'report.html');
    if (!existsSync(report)) return html`<li>${r.label}: ${r.path}</li>`;
    const href = pageDir !== undefined ? path.relative(pageDir, report).split(path.sep).join('/') : report;
    return html`<li><a href="${href}">${r.label}</a> <span class="muted">(${r.path})</span></li>`;
  });
  return html`<ul>${items}</ul>`;
}
