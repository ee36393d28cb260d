/**
 * The HTML reports opened in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the page
 * loads nothing from the network, logs no error, and every chart has drawn (uPlot's series count on its
 * container, and a canvas that is not one flat colour). Screenshots go to test-output/report/ for a look.
 * Without /usr/bin/chromium (`.ci/run` installs it; `apt-get install -y chromium`) the suite is skipped, loudly.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { CHROMIUM, HAVE_CHROMIUM, withBrowser } from '../../helpers/chromium.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const OUT = path.join(ROOT, 'test-output', 'report');

if (!HAVE_CHROMIUM) {
  process.stderr.write(`\n!!! SKIPPING the HTML report browser tests: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium !!!\n\n`);
}

const PAGES: { name: string; inputs: string[]; charts: number }[] = [
  { name: 'run-demo', inputs: ['demo.json'], charts: 6 },
  { name: 'run-drill', inputs: ['drill.json'], charts: 7 },
  { name: 'compare-targets', inputs: ['cmp-http.json', 'cmp-grpc.json'], charts: 15 },
  { name: 'sweep-search', inputs: ['sweep-search'], charts: 3 },
  { name: 'sweep-precision', inputs: ['sweep-precision'], charts: 3 },
  { name: 'repeat', inputs: ['repeat'], charts: 2 },
  { name: 'sweep-llm-precision', inputs: ['sweep-llm-precision'], charts: 3 },
  { name: 'repeat-llm', inputs: ['llm-repeat'], charts: 3 },
];

interface PageState {
  charts: number;
  drawn: number;
  failed: string[];
  containers: { id: string; series: number; colours: number }[];
  plots: { id: string; kind: string; left: number; width: number; xMin: number; xMax: number }[];
  labels: { chart: string; text: string; x0: number; x1: number; y: number; own: number | null; lines: number[] }[];
}

/**
 * PAGE_STATE reads the client's summary and, per chart, uPlot's series count and the number of distinct colours
 * in a sample of the plot canvas's pixels (one colour means nothing was drawn).
 */
const PAGE_STATE = `(() => {
  const s = window.gauntletReport;
  const containers = [...document.querySelectorAll('[data-chart]')].map((el) => {
    const canvas = el.querySelector('canvas');
    const colours = new Set();
    if (canvas) {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4 * 7) colours.add(data[i] + ',' + data[i + 1] + ',' + data[i + 2] + ',' + data[i + 3]);
    }
    return { id: el.dataset.chart || '', series: Number(el.dataset.drawn || 0), colours: colours.size };
  });
  return { charts: s.charts, drawn: s.drawn, failed: s.failed, containers, plots: s.plots, labels: s.labels };
})()`;

/** The time charts of one run stacked on its page (a fault's close-up has its own, narrower, time axis). */
const STACKED = /-(latency|rate|errors|server-time|batch)$/;

/** drillWithTimedFault is the drill fixture with a short timed fault added: its label and its end line are close. */
function drillWithTimedFault(): string {
  const r = JSON.parse(readFileSync(path.join(HERE, 'fixtures', 'drill.json'), 'utf8')) as ResultsFile;
  r.faults.push({ index: 2, action: 'network', params: { latencyMs: 200, jitterMs: 50 } as ResultsFile['faults'][number]['params'], atS: 12, durationS: 1.5, startedAtS: 12.0, endedAtS: 13.5, outcome: 'ok', detail: 'added 200 ms ± 50 ms' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-report-labels-'));
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify(r));
  return path.join(dir, 'results.json');
}

describe.skipIf(!HAVE_CHROMIUM)('HTML report in Chromium', () => {
  const browser = withBrowser(OUT);

  it.each(PAGES)('$name draws every chart, with no error and no network', async ({ name, inputs, charts }) => {
    const file = path.join(OUT, `${name}.html`);
    writeFileSync(file, renderHtml(loadInputs(inputs.map((i) => path.join(HERE, 'fixtures', i)))));
    const page = await browser().newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    // In-page code is plain JavaScript (this project type-checks without the DOM library).
    await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
    const state = (await page.evaluate(PAGE_STATE)) as PageState;
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(state.failed).toEqual([]);
    expect(state.charts).toBe(charts);
    expect(state.drawn).toBe(charts);
    for (const c of state.containers) {
      expect(c.series, `${c.id}: series drawn`).toBeGreaterThan(0);
      expect(c.colours, `${c.id}: canvas has more than one colour`).toBeGreaterThan(2);
    }
  });

  /** open renders inputs to a page of that width, waits for the charts, and returns the page state and a screenshot. */
  async function open(name: string, inputs: string[], width: number): Promise<PageState> {
    const file = path.join(OUT, `${name}.html`);
    writeFileSync(file, renderHtml(loadInputs(inputs)));
    const page = await browser().newPage({ viewport: { width, height: 900 } });
    await page.goto(`file://${file}`);
    await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
    const state = (await page.evaluate(PAGE_STATE)) as PageState;
    await page.screenshot({ path: path.join(OUT, `${name}-${width}.png`), fullPage: true });
    await page.close();
    return state;
  }

  it.each([1400, 1000])('stacks the time charts of a run on one time axis, at %i px', async (width) => {
    for (const [name, inputs] of [['run-drill', ['drill.json']], ['run-demo', ['demo.json']], ['compare-targets', ['cmp-http.json', 'cmp-grpc.json']]] as const) {
      const state = await open(`${name}-axes`, inputs.map((i) => path.join(HERE, 'fixtures', i)), width);
      const groups = new Map<string, PageState['plots']>();
      for (const p of state.plots.filter((x) => STACKED.test(x.id))) {
        const key = p.id.replace(STACKED, '');
        groups.set(key, [...(groups.get(key) ?? []), p]);
      }
      expect(groups.size, name).toBeGreaterThan(0);
      for (const [run, plots] of groups) {
        expect(plots.length, `${name} ${run}: stacked time charts`).toBeGreaterThanOrEqual(2);
        const first = plots[0]!;
        for (const p of plots) {
          expect({ id: p.id, left: p.left, width: p.width, xMin: p.xMin, xMax: p.xMax }, `${name}: ${p.id} against ${first.id}`).toEqual({ id: p.id, left: first.left, width: first.width, xMin: first.xMin, xMax: first.xMax });
        }
      }
    }
  });

  it.each([1400, 1000])('writes no chart label across another marker line or over another label, at %i px', async (width) => {
    const state = await open('run-drill-timed-fault', [drillWithTimedFault()], width);
    expect(state.labels.some((l) => l.text.startsWith('#3 net'))).toBe(true);
    expect(state.labels.some((l) => l.text === '#3 ends')).toBe(true);
    for (const l of state.labels) {
      const crossed = l.lines.filter((x) => x !== l.own && x > l.x0 - 1 && x < l.x1 + 1);
      expect(crossed, `${l.chart}: '${l.text}' (${l.x0.toFixed(0)}–${l.x1.toFixed(0)} px) crosses a marker line`).toEqual([]);
      const overlapping = state.labels.filter((o) => o !== l && o.chart === l.chart && o.y === l.y && o.x0 < l.x1 && l.x0 < o.x1);
      expect(overlapping.map((o) => o.text), `${l.chart}: '${l.text}' overlaps`).toEqual([]);
    }
  });

  it.each(PAGES)('$name shows every chart\'s numbers in a table with JavaScript off', async ({ name, inputs }) => {
    const file = path.join(OUT, `${name}-nojs.html`);
    writeFileSync(file, renderHtml(loadInputs(inputs.map((i) => path.join(HERE, 'fixtures', i)))));
    const context = await browser().newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`file://${file}`);
    const figures = (await page.evaluate(`[...document.querySelectorAll('figure:has([data-chart])')].map((f) => {
      const chart = f.querySelector('[data-chart]');
      const data = f.querySelector('details.chart-data');
      const table = data && data.querySelector('table');
      return { id: chart.dataset.chart, open: !!data && data.open, rows: table ? table.querySelectorAll('tbody tr').length : 0, height: table ? table.getBoundingClientRect().height : 0, chartHeight: chart.getBoundingClientRect().height };
    })`)) as { id: string; open: boolean; rows: number; height: number; chartHeight: number }[];
    const notice = await page.locator('noscript').count();
    await page.screenshot({ path: path.join(OUT, `${name}-nojs.png`), fullPage: true });
    await context.close();
    expect(figures.length).toBeGreaterThan(0);
    expect(notice).toBe(1);
    for (const f of figures) expect(f, f.id).toMatchObject({ open: true, rows: expect.any(Number) as number, chartHeight: 0 });
    for (const f of figures) {
      expect(f.rows, `${f.id}: rows`).toBeGreaterThan(0);
      expect(f.height, `${f.id}: table shown`).toBeGreaterThan(20);
    }
  });
});
