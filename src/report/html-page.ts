/**
 * The HTML page around a report's sections: one self-contained file (styles, uPlot, the client script and the
 * charts' data inlined; no fonts, images or scripts from anywhere else), readable printed and without
 * JavaScript (every chart has its numbers in a table in its place, src/report/chart-table.ts).
 */
import type { ChartSpec } from './chart-spec.js';
import { chartTable } from './chart-table.js';
import { clientAssets, jsonScript, scriptText } from './client-assets.js';
import { Html, html, raw } from './html.js';

const CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bad: #b00020; --bad-bg: #fdecee; --warn: #8a5300; --warn-bg: #fff4e0; --good: #0a7a35; --good-bg: #e6f4ea; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 4px; }
p, li { max-width: 80ch; }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.verdict { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0 16px; }
.badge { display: inline-block; padding: 3px 12px; border-radius: 14px; font-weight: 600; font-size: 14px; border: 1px solid transparent; }
.badge.good { color: var(--good); background: var(--good-bg); border-color: #b7dfc3; }
.badge.bad { color: var(--bad); background: var(--bad-bg); border-color: #f3b9c1; }
.badge.neutral { color: var(--muted); background: #f1f3f4; border-color: var(--line); }
.warnings { border: 2px solid var(--bad); background: var(--bad-bg); border-radius: 8px; padding: 10px 16px; margin: 16px 0; }
.warnings.soft { border-color: #e0a030; background: var(--warn-bg); }
.warnings h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 17px; color: var(--bad); }
.warnings.soft h2 { color: var(--warn); }
.warnings ul { margin: 4px 0; padding-left: 20px; }
.warnings li.warning { color: var(--warn); }
.warnings li.error { color: var(--bad); font-weight: 600; }
.summary { background: #f8f9fa; border-radius: 8px; padding: 10px 16px; margin: 12px 0; }
.summary ul { margin: 6px 0; padding-left: 20px; }
.recommendation { border-left: 5px solid var(--good); background: var(--good-bg); padding: 10px 16px; border-radius: 4px; margin: 12px 0; }
.recommendation.none { border-color: var(--bad); background: var(--bad-bg); }
.recommendation.tie { border-color: #CC79A7; background: #f8ecf3; }
figure { margin: 20px 0 28px; }
figure h3 { margin: 0 0 6px; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; max-width: 90ch; }
.chart { width: 100%; min-height: 120px; }
.chart:empty { min-height: 0; }
details.chart-data > summary { color: var(--muted); font-size: 13px; cursor: pointer; }
details.chart-data .table-wrap { max-height: 460px; overflow: auto; }
@media print { details.chart-data .table-wrap { max-height: none; } }
.chart-empty { color: var(--muted); font-style: italic; padding: 24px 0; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.compact th, table.compact td { padding: 4px 7px; }
tr.recommended td { background: var(--good-bg); font-weight: 600; }
tr.tied td { background: #f8ecf3; }
table.combos th { white-space: normal; vertical-align: bottom; }
table.combos th, table.combos td { padding: 4px 7px; }
table.combos td { overflow-wrap: break-word; }
table.combos td:first-child, table.combos .any { overflow-wrap: anywhere; }
table.combos .any { display: inline-block; min-width: 22ch; }
table.combos td:last-child { min-width: 10ch; }
table.combos th:first-child, table.combos td:first-child { position: sticky; left: 0; z-index: 1; min-width: 12ch; max-width: 22ch; background: #fff; box-shadow: inset -1px 0 0 var(--line); }
table.combos th:first-child { background: #f1f3f4; }
table.combos tr.recommended td:first-child { background: var(--good-bg); }
table.combos tr.tied td:first-child { background: #f8ecf3; }
.idx { display: inline-block; min-width: 1.6em; padding: 0 4px; border-radius: 9px; background: #e8eaed; text-align: center; font-size: 12px; font-weight: 600; font-variant-numeric: tabular-nums; }
.mark { display: inline-block; margin: 2px 4px 0 0; padding: 0 6px; border-radius: 8px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.mark.recommended { background: var(--good); color: #fff; }
.mark.tie { background: #a64d86; color: #fff; }
.mark.ceiling { background: var(--warn-bg); color: var(--warn); border: 1px solid #e0a030; }
.mark.pareto { background: var(--good-bg); color: var(--good); font-weight: 400; }
.not-plotted { display: block; margin-top: 4px; color: var(--fg); }
.pass { color: var(--good); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.bars { display: grid; grid-template-columns: minmax(120px, max-content) 1fr; gap: 4px 12px; align-items: center; margin: 8px 0 16px; max-width: 760px; }
.bar { height: 18px; background: #0072B2; border-radius: 3px; min-width: 2px; }
.bar.alt { background: #009E73; }
.bar-row { display: flex; align-items: center; gap: 8px; font-variant-numeric: tabular-nums; font-size: 14px; }
.bar-row span { white-space: nowrap; }
details { margin: 8px 0; }
pre { background: #f8f9fa; padding: 8px; overflow-x: auto; font-size: 13px; }
nav.toc { font-size: 14px; color: var(--muted); margin: 4px 0 12px; }
nav.toc a { color: inherit; margin-right: 12px; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; }
.run-section { margin-top: 48px; }
.u-legend { font-size: 13px; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
`;

/** PageParts are what a report puts in the page. */
export interface PageParts {
  title: string;
  body: Html;
  charts: ChartSpec[];
}

/** htmlPage assembles the whole self-contained document. */
export function htmlPage(parts: PageParts): string {
  const assets = clientAssets();
  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gauntlet">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${parts.title}</title>
<style>${raw(assets.uplotCss)}</style>
<style>${raw(CSS)}</style>
</head>
<body>
<main>
<noscript><p class="warnings soft">The charts need JavaScript (inlined in this file; nothing is fetched from the network). Without it, each chart's numbers are in the table in its place.</p></noscript>
${parts.body}
</main>
<script type="application/json" id="gauntlet-charts">${raw(jsonScript(parts.charts))}</script>
<script>${raw(scriptText(assets.uplotJs))}</script>
<script>${raw(scriptText(assets.clientJs))}</script>
</body>
</html>
`;
  return doc.markup;
}

/**
 * chartFigure is a chart's place in the page: a title, the canvas's container, how to read it, and its numbers in
 * a table (open until the chart is drawn, so a page read without JavaScript shows them in the chart's place).
 */
export function chartFigure(spec: ChartSpec | undefined, title: string, caption: Html | string): Html {
  if (!spec) return html``;
  return html`<figure><h3>${title}</h3><div class="chart" data-chart="${spec.id}" role="img" aria-label="${title}"></div><figcaption>${caption}</figcaption>${chartTable(spec)}</figure>`;
}
