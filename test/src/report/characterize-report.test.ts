/**
 * The characterization's reports (src/report/*characterize*): Markdown against golden files for the two hand-made
 * fixtures (fixtures/make-characterizations.ts; refresh with UPDATE_GOLDEN=1 and review the diff), the charts the
 * HTML page draws and those it must leave out, `gauntlet report` on a characterization (where it writes, exit 2 on
 * a wrong or mixed input), the reports written for the command, and the gamma CDF behind the fitted arrivals.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Characterization } from '../../../src/characterize/characterization.js';
import { runReport } from '../../../src/cli/report-command.js';
import { exitCodeOf } from '../../../src/errors.js';
import type { ChartSpec } from '../../../src/report/chart-spec.js';
import { interArrivalChart, MAX_BURST_BANDS, MAX_RATE_POINTS, rateChart } from '../../../src/report/characterize-charts.js';
import { gammaCdf } from '../../../src/report/characterize-fit.js';
import { readCharacterization } from '../../../src/report/characterize-load.js';
import { writeCharacterizationReport } from '../../../src/report/characterize-write.js';
import { renderCharacterizationHtml } from '../../../src/report/html-characterize.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { renderCharacterizationMarkdown } from '../../../src/report/markdown-characterize.js';
import { MARKDOWN_LIMIT } from '../../../src/report/markdown-report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const GOLDEN = path.join(HERE, 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const FIX = (name: string): string => path.join(HERE, 'fixtures', name);
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const BUILT = existsSync(path.join(ROOT, 'dist/src/report/characterize-load.js'));
const load = (name: string): Characterization => readCharacterization(path.join(FIX(name), 'characterization.json'));

function chartsOf(page: string): ChartSpec[] {
  const m = /<script type="application\/json" id="gauntlet-charts">(.*?)<\/script>/s.exec(page);
  return JSON.parse(m![1]!) as ChartSpec[];
}

function errorOf(f: () => unknown): { code: number; text: string } {
  try {
    f();
  } catch (err) {
    return { code: exitCodeOf(err), text: [(err as Error).message, ...((err as { details?: string[] }).details ?? [])].join('\n') };
  }
  throw new Error('expected an error');
}

function folderWith(doc: unknown, name = 'characterization.json'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-characterize-report-'));
  writeFileSync(path.join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc));
  return dir;
}

describe('characterization Markdown (golden)', () => {
  it.each(['characterize-2h', 'characterize-sparse'])('%s', (name) => {
    let text = '';
    const prev = process.cwd();
    process.chdir(ROOT);
    try {
      expect(runReport({ inputs: [path.relative(ROOT, FIX(name))], format: 'md' }, () => {}, (t) => (text += t))).toBe(0);
    } finally {
      process.chdir(prev);
    }
    const file = path.join(GOLDEN, `${name}.md`);
    if (UPDATE || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
      if (!UPDATE) throw new Error(`golden file ${name}.md was missing and has been written: review it, then run again`);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
    expect(text.length).toBeLessThan(MARKDOWN_LIMIT);
  });
});

describe('characterization HTML', () => {
  it('draws the rate with each burst shaded, the gaps with their fit, latency against load with the knee, and both payload sizes', () => {
    const c = load('characterize-2h');
    const charts = chartsOf(renderCharacterizationHtml(c, 'x/characterization.json'));
    expect(charts.map((s) => s.id)).toEqual(['characterize-rate', 'characterize-gaps', 'characterize-load', 'characterize-request-bytes', 'characterize-response-bytes']);
    const [rate, gaps, lat] = charts;
    expect(rate!.bands!.map((b) => [b.from, b.to])).toEqual(c.bursts.list.map((b) => [b.startS, b.startS + b.durationS]));
    expect(rate!.x.values).toHaveLength(c.rates.series.rps.length);
    expect(gaps!.x.log).toBe(true);
    expect(gaps!.series.map((s) => s.label)).toEqual(['gaps', 'gamma, shape 0.62 (fitted)']);
    // The fitted expectation sums to (nearly) the gaps counted: the fixture's gaps are that gamma's, ±5 %.
    const sum = (v: (number | null)[]): number => v.reduce<number>((a, x) => a + (x ?? 0), 0);
    expect(sum(gaps!.series[1]!.values) / sum(gaps!.series[0]!.values)).toBeCloseTo(1, 1);
    expect(lat!.markers).toEqual([{ x: 162.5, label: 'knee 163/s', color: '#CC79A7' }]);
    expect(lat!.lines![0]!.y).toBe(63);
  });

  it('says in one line what a log without latency, sizes, routes or bursts lacks, and draws no empty chart', () => {
    const page = renderCharacterizationHtml(load('characterize-sparse'), 'characterization.json');
    expect(chartsOf(page).map((s) => s.id)).toEqual(['characterize-rate', 'characterize-gaps']);
    expect(page.match(/<div class="chart" data-chart=/g)).toHaveLength(2);
    for (const line of ['The log carries no latency', 'The log carries no request or response sizes', 'The log carries no route or model', 'No bursts. Rule:', 'assumed, not measured']) expect(page).toContain(line);
    expect(page).not.toContain('<th>peak ÷ baseline</th>');
  });

  it('escapes names from the log, bounds the bursts it shades and the points it draws, and shows the hour of day when present', () => {
    const c = load('characterize-2h');
    c.routes[0]!.name = '/v2/<script>alert(1)</script>';
    expect(renderCharacterizationHtml(c, 'characterization.json')).toContain('&lt;script&gt;alert(1)');
    const many = Array.from({ length: 100 }, (_, i) => ({ ...c.bursts.list[0]!, startS: i * 60 }));
    const routes = Array.from({ length: 70 }, (_, i) => ({ ...c.routes[0]!, name: `/r/${i}` }));
    const big: Characterization = { ...c, routes, bursts: { ...c.bursts, count: 130, list: many }, rates: { ...c.rates, series: { bucketS: 1, rps: new Array<number>(3 * MAX_RATE_POINTS + 7).fill(5) }, hourOfDay: [{ hour: 7, meanRps: 12.5, requests: 45000 }] } };
    const page = renderCharacterizationHtml(big, 'characterization.json');
    expect(page).not.toContain('<script>alert(1)');
    const rate = rateChart('r', big)!;
    expect(rate.spec.bands).toHaveLength(MAX_BURST_BANDS);
    expect(rate.spec.x.values.length).toBeLessThanOrEqual(MAX_RATE_POINTS);
    expect(rate.bucketS).toBe(4);
    const md = renderCharacterizationMarkdown(big);
    expect(md).toContain('130 bursts (the first 20 shown)');
    expect(md).toMatch(/\| 07:00 \| 12\.5 \| 45 000 \|/);
    expect(md).not.toContain('<script>');
    expect(md).toContain('| /r/49 |');
    expect(md).not.toContain('| /r/50 |');
    expect(md).toContain('…and 20 more routes or models');
  });
});

describe('characterization charts', () => {
  it('draws gaps on a log axis without the bin of 0 ms gaps (same-tick stamps), and says how many it held', () => {
    const c = load('characterize-2h');
    c.arrivals.histogram = { edges: [0, 0.001, 0.01, 0.1, 1, 10, 100], counts: [2494, 0, 0, 0, 4724, 12899] };
    const chart = interArrivalChart('g', c)!;
    expect(chart.x.log).toBe(true);
    expect(chart.x.values).toHaveLength(2);
    expect(chart.series[0]!.values).toEqual([4724, 12899]);
    expect(renderCharacterizationHtml(c, 'characterization.json')).toContain('2494 gaps of 0 ms (requests stamped the same tick) are not drawn');
  });
});

describe('gauntlet report on a characterization', () => {
  it('writes report.html into its folder, and Markdown to stdout', () => {
    const dir = folderWith(JSON.parse(readFileSync(path.join(FIX('characterize-sparse'), 'characterization.json'), 'utf8')));
    const lines: string[] = [];
    expect(runReport({ inputs: [dir], format: 'html' }, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([`Report: ${path.join(dir, 'report.html')} (self-contained; open it in a browser)`]);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('<h1>Workload characterization: 3 030 requests over 9 min 59 s</h1>');
    let md = '';
    expect(runReport({ inputs: [path.join(dir, 'characterization.json')], format: 'md' }, () => {}, (t) => (md += t))).toBe(0);
    expect(md).toMatch(/^## gauntlet: Workload characterization/);
  });

  it.each([
    ['another version', { version: 2, rates: {}, arrivals: {}, bursts: {} }, /characterization version 2; this gauntlet reads 1/],
    ['not JSON', '{"version": 1, "rates"', /not JSON/],
    ['damaged', { ...JSON.parse(readFileSync(path.join(FIX('characterize-2h'), 'characterization.json'), 'utf8')), latency: { overall: { p50: 'fast' } }, status: null }, /latency\.overall: count, p50.*; status: requests/],
    ['a histogram off by one', (() => {
      const d = JSON.parse(readFileSync(path.join(FIX('characterize-sparse'), 'characterization.json'), 'utf8'));
      d.arrivals.histogram.counts.push(1, 2);
      d.rates.series.rps[3] = -1;
      return d;
    })(), /rates\.series\.rps\[3\]: must be a number >= 0.*arrivals\.histogram: edges must be one longer than counts/],
    ['an empty object', {}, /characterization version null/],
  ])('exits 2 on %s, naming what is wrong', (_what, doc, pattern) => {
    const e = errorOf(() => runReport({ inputs: [folderWith(doc)], format: 'html' }, () => {}));
    expect(e.code).toBe(2);
    expect(e.text).toMatch(pattern);
  });

  it('exits 2 for formats without a characterization report, and for a characterization mixed with runs', () => {
    const csv = errorOf(() => runReport({ inputs: [FIX('characterize-2h')], format: 'csv' }, () => {}, () => {}));
    expect([csv.code, csv.text]).toEqual([2, expect.stringMatching(/no CSV report: use --format html or md/)]);
    const mixed = errorOf(() => runReport({ inputs: [FIX('characterize-2h'), FIX('demo.json')], format: 'md' }, () => {}, () => {}));
    expect([mixed.code, mixed.text]).toEqual([2, expect.stringMatching(/reported on its own/)]);
    expect(errorOf(() => loadInputs([FIX('characterize-2h')])).code).toBe(2);
  });
});

describe.skipIf(!BUILT)('gauntlet report on a characterization, from the compiled CLI', () => {
  it('writes the page into the folder, and exits 2 with the problems (no stack) for a damaged file', () => {
    const good = folderWith(JSON.parse(readFileSync(path.join(FIX('characterize-2h'), 'characterization.json'), 'utf8')));
    const ok = spawnSync(process.execPath, [CLI, 'report', good], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(readFileSync(path.join(good, 'report.html'), 'utf8')).toContain('<h1>Workload characterization: 269 427 requests over 2 h</h1>');
    const bad = folderWith({ version: 1, rates: { requests: -1 }, arrivals: {}, bursts: {} });
    const r = spawnSync(process.execPath, [CLI, 'report', bad], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a gauntlet characterization\.json.*rates: requests, spanS/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('writeCharacterizationReport', () => {
  it('writes report.html and report.md beside characterization.json', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-characterize-write-'));
    const out = writeCharacterizationReport(load('characterize-2h'), dir);
    expect(out).toEqual({ html: path.join(dir, 'report.html'), md: path.join(dir, 'report.md') });
    expect(readFileSync(out.html, 'utf8')).toContain(`from ${path.join(dir, 'characterization.json')}`);
    expect(readFileSync(out.md, 'utf8')).toContain('<sub>Charts: report.html');
  });
});

describe('gammaCdf', () => {
  it.each([0.1, 0.5, 1, 3, 10, 40])('matches closed forms at x = %f', (x) => {
    expect(gammaCdf(1, x)).toBeCloseTo(1 - Math.exp(-x), 10);
    expect(gammaCdf(2, x)).toBeCloseTo(1 - Math.exp(-x) * (1 + x), 10);
    // Shape 1/2: P(1/2, x) = erf(√x); erf(1) = 0.8427007929497149.
    if (x === 1) expect(gammaCdf(0.5, x)).toBeCloseTo(0.8427007929497149, 10);
  });
  it('is 0 at and below 0, and 1 at infinity', () => {
    expect([gammaCdf(0.62, 0), gammaCdf(0.62, -1), gammaCdf(0.62, Infinity)]).toEqual([0, 0, 1]);
  });
});
