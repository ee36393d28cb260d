/**
 * Units as readers see them: error rates in percent in the Markdown, HTML and JUnit reports (never the SLO's
 * internal unit "ratio"), and in the CSV as numbers from 0 to 1 under a header that says so. And the tables that
 * stand for charts: every point, or spans of seconds for long runs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../../src/report/chart-spec.js';
import { chartTable, MAX_CHART_ROWS } from '../../../src/report/chart-table.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { type ReportFormat, renderReport } from '../../../src/report/write-reports.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = ['demo.json', 'drill.json', 'cmp-http.json', 'sweep-search', 'sweep-precision', 'repeat'];

/** visibleText drops the page's scripts and style (uPlot's code speaks of pixel ratios) and its markup. */
const visibleText = (page: string): string => page.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ');

describe('error rates', () => {
  it.each(FIXTURES.flatMap((f) => (['md', 'html', 'junit'] as ReportFormat[]).map((format) => [f, format] as const)))('%s as %s: in percent, never "ratio"', (fixture, format) => {
    const text = renderReport(loadInputs([path.join(HERE, 'fixtures', fixture)]), format);
    const shown = format === 'html' ? visibleText(text) : text;
    expect(shown).not.toMatch(/\bratio\b/i);
    if (/error rate \d/.test(shown)) expect(shown).toMatch(/error rate [\d.]+ %/);
  });

  it.each(FIXTURES)('%s as CSV: a number from 0 to 1 under a header that says ratio', (fixture) => {
    const csv = renderReport(loadInputs([path.join(HERE, 'fixtures', fixture)]), 'csv').split('\r\n');
    const header = csv[0]!.split(',');
    expect(header).toContain('error_rate_ratio');
    expect(header).not.toContain('error_rate');
    const col = header.indexOf('error_rate_ratio');
    for (const line of csv.slice(1).filter(Boolean)) {
      const cell = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''))[col]!;
      if (cell !== '') expect(Number(cell)).toBeGreaterThanOrEqual(0);
      if (cell !== '') expect(Number(cell)).toBeLessThanOrEqual(1);
    }
  });
});

describe('chartTable', () => {
  const timeChart = (n: number): ChartSpec => ({
    id: 't',
    x: { kind: 'time', label: 'seconds since the start', values: Array.from({ length: n }, (_, t) => t + 0.5) },
    y: { label: 'ms', log: true },
    series: [
      { label: 'p99', values: Array.from({ length: n }, (_, t) => (t === 7 ? 900 : 10)), color: '#000', unit: 'ms' },
      { label: 'sent', values: Array.from({ length: n }, (_, t) => t), color: '#000', unit: '/s' },
    ],
    markers: [{ x: 3, label: '#1 kill-replica any', color: '#000' }],
  });
  const rows = (markup: string): string[][] => [...markup.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!));

  it('has a row per second for a short run, and names what the chart marks', () => {
    const t = chartTable(timeChart(20)).markup;
    expect(rows(t)).toHaveLength(20);
    expect(rows(t)[7]).toEqual(['7', '900', '7.00']);
    expect(t).toContain('Marked: #1 kill-replica any at 3 s.');
    expect(t).toContain('<details class="chart-data" open>');
  });

  it('tells a long run in spans: the highest latency, the mean rate', () => {
    const n = MAX_CHART_ROWS * 3;
    const r = rows(chartTable(timeChart(n)).markup);
    expect(r).toHaveLength(MAX_CHART_ROWS);
    expect(r[2]).toEqual(['6–8', '900', '7.00']);
    expect(chartTable(timeChart(n)).markup).toContain('Spans of 3 seconds');
  });

  it('has nothing for a chart without points', () => {
    expect(chartTable({ ...timeChart(3), series: [{ label: 'p99', values: [null, null, null], color: '#000' }] }).markup).toBe('');
  });
});
