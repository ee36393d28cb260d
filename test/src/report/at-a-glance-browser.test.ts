/**
 * Reports read at a glance, in a real headless Chromium at 1400 and 1000 px. No table of a run, comparison or
 * repetitions report scrolls sideways (an LLM run's tokens table and a comparison's token columns included; the
 * LLM run's token charts draw at 1400 px). Sweep reports: the combinations table shows the recommended (or
 * tied) combinations without a sideways scroll, the Pareto chart's numbers overlap neither each other nor the p99
 * bound's text, and combinations without a place on its scale (failed, 0 rps at the SLO) are listed beside it,
 * not drawn. Screenshots go to test-output/report/. Skipped, loudly, without /usr/bin/chromium.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { CHROMIUM, HAVE_CHROMIUM, withBrowser } from '../../helpers/chromium.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../../..', 'test-output', 'report');

if (!HAVE_CHROMIUM) process.stderr.write(`\n!!! SKIPPING the sweep report browser tests: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium !!!\n\n`);

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

interface SweepPage {
  viewport: number;
  pageScroll: number;
  tables: { scroll: number; client: number }[];
  /** The first cell of each marked row (recommended or tied): its box in the viewport and its text. */
  marked: { text: string; left: number; right: number }[];
  notPlotted: string;
  labels: ({ chart: string; kind: string; text: string } & Box)[];
  points: { chart: string; text: string; x: number; y: number; plot: Box }[];
}

const READ = `(() => {
  const s = window.gauntletReport;
  const tables = [...document.querySelectorAll('table.combos')].map((t) => ({ scroll: t.parentElement.scrollWidth, client: t.parentElement.clientWidth }));
  const marked = [...document.querySelectorAll('table.combos tr.recommended, table.combos tr.tied')].map((tr) => {
    const r = tr.cells[0].getBoundingClientRect();
    return { text: tr.cells[0].textContent, left: r.left, right: r.right };
  });
  const np = document.querySelector('.not-plotted');
  return { viewport: window.innerWidth, pageScroll: document.scrollingElement.scrollWidth, tables, marked, notPlotted: np ? np.textContent : '', labels: s.labels, points: s.points };
})()`;

/** CASES: each sweep fixture, what its table marks, and which combinations the chart must leave out. */
const CASES: { name: string; marked: string[]; left: string[] }[] = [
  { name: 'sweep-search', marked: ['★ recommended'], left: [] },
  { name: 'sweep-precision', marked: ['★ recommended'], left: [] },
  { name: 'sweep-vendors', marked: ['02-vendor-b-standard★ recommended'], left: ['4', '5'] },
  { name: 'sweep-tie', marked: ['02-replicas2tie', '01-replicas1tie', '03-replicas3tie'], left: [] },
  { name: 'sweep-ceiling', marked: [], left: [] },
  // An LLM sweep ranked on tokens/s: token columns in the table, tokens/s against TTFT p99 in the chart.
  { name: 'sweep-llm-precision', marked: ['02-fp16tieceiling too low', '01-fp32tieceiling too low'], left: ['4'] },
];

const overlap = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

describe.skipIf(!HAVE_CHROMIUM)('sweep report in Chromium', () => {
  const browser = withBrowser(OUT);

  it.each([1400, 1000])('reads at a glance at %i px', async (width) => {
    const page = await browser().newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    for (const c of CASES) {
      const file = path.join(OUT, `${c.name}-glance.html`);
      writeFileSync(file, renderHtml(loadInputs([path.join(HERE, 'fixtures', c.name)])));
      await page.goto(`file://${file}`);
      await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
      const s = (await page.evaluate(READ)) as SweepPage;
      await page.screenshot({ path: path.join(OUT, `${c.name}-glance-${width}.png`), fullPage: true });
      const at = `${c.name} at ${width} px`;

      // The table fits: nothing scrolls sideways, so the marked rows and every column are in view.
      expect(s.pageScroll, `${at}: page scrolls sideways`).toBeLessThanOrEqual(s.viewport);
      expect(s.tables.length, at).toBe(1);
      for (const t of s.tables) expect(t.scroll, `${at}: table scrolls sideways`).toBeLessThanOrEqual(t.client);
      expect(s.marked.map((m) => m.text.replace(/^\d+\s*/, '').replace(/Pareto$/, '').trim()), at).toEqual(c.marked.map((m) => (m === '★ recommended' ? expect.stringContaining(m) : m)));
      for (const m of s.marked) expect(m.left >= 0 && m.right <= s.viewport, `${at}: '${m.text}' (${m.left}–${m.right} px) in view`).toBe(true);

      // The Pareto chart: every label in the plot, none over another, none over a point.
      const pareto = s.labels.filter((l) => l.chart.endsWith('-pareto'));
      const points = s.points.filter((p) => p.chart.endsWith('-pareto'));
      expect(points.length, at).toBeGreaterThan(0);
      const plot = points[0]!.plot;
      for (const l of pareto) {
        expect(l.x0 >= plot.x0 - 0.5 && l.x1 <= plot.x1 + 0.5 && l.y0 >= plot.y0 - 0.5 && l.y1 <= plot.y1 + 0.5, `${at}: '${l.text}' inside the plot`).toBe(true);
        const over = pareto.filter((o) => o !== l && overlap(l, o)).map((o) => o.text);
        expect(over, `${at}: '${l.text}' (${l.kind}) overlaps`).toEqual([]);
        const hidden = points.filter((p) => overlap(l, { x0: p.x - 3, x1: p.x + 3, y0: p.y - 3, y1: p.y + 3 })).map((p) => p.text);
        expect(hidden, `${at}: '${l.text}' (${l.kind}) covers points`).toEqual([]);
      }
      expect(pareto.some((l) => l.kind === 'marker' && /^(TTFT )?p99 bound/.test(l.text)), `${at}: the bound's text is drawn`).toBe(true);

      // Combinations without a place on the scale are listed beside the chart, and not drawn in it.
      for (const p of points) expect(p.x >= plot.x0 && p.x <= plot.x1 && p.y >= plot.y0 && p.y <= plot.y1, `${at}: point ${p.text} inside the plot`).toBe(true);
      const drawn = points.map((p) => p.text.split(' ')[0]);
      for (const n of c.left) {
        expect(drawn, `${at}: ${n} is not drawn`).not.toContain(n);
        expect(s.notPlotted, at).toContain(n);
      }
      if (!c.left.length) expect(s.notPlotted, at).toBe('');
    }
    await page.close();
    expect(errors).toEqual([]);
  });

  it.each([1400, 1000])('keeps the recommended combination in view when a very wide table scrolls sideways, at %i px', async (width) => {
    // Every setting swept, with long values: wider than the page, so the table scrolls and its first column stays.
    const r = JSON.parse(readFileSync(path.join(HERE, 'fixtures', 'sweep-vendors', 'sweep.json'), 'utf8')) as { combinations: { config: object }[] };
    for (const c of r.combinations) c.config = { dynamicBatching: true, maxBatchSize: 64, maxQueueDelayUs: 2000, precision: 'fp16', instanceCount: 4, intraOpThreads: 8, replicas: 3, executionProvider: 'CUDAExecutionProvider,TensorrtExecutionProvider' };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-wide-sweep-'));
    writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(r));
    const file = path.join(OUT, 'sweep-wide.html');
    writeFileSync(file, renderHtml(loadInputs([dir])));
    const page = await browser().newPage({ viewport: { width, height: 900 } });
    await page.goto(`file://${file}`);
    const at = (await page.evaluate(`(() => {
      const wrap = document.querySelector('table.combos').parentElement;
      wrap.scrollLeft = wrap.scrollWidth;
      const w = wrap.getBoundingClientRect();
      const c = document.querySelector('table.combos tr.recommended').cells[0].getBoundingClientRect();
      return { scrolls: wrap.scrollWidth > wrap.clientWidth, scrolled: wrap.scrollLeft, wrap: [w.left, w.right], cell: [c.left, c.right], page: document.scrollingElement.scrollWidth, viewport: window.innerWidth };
    })()`)) as { scrolls: boolean; scrolled: number; wrap: number[]; cell: number[]; page: number; viewport: number };
    await page.locator('.table-wrap:has(table.combos)').screenshot({ path: path.join(OUT, `sweep-wide-${width}.png`) });
    await page.close();
    expect(at.page, 'the page itself does not scroll sideways').toBeLessThanOrEqual(at.viewport);
    if (width === 1000) expect(at.scrolls && at.scrolled > 0, 'the table scrolls at 1000 px').toBe(true);
    expect(at.cell[0]! >= at.wrap[0]! - 0.5 && at.cell[1]! <= at.wrap[1]! + 0.5, `recommended cell ${at.cell.join('–')} inside the table's box ${at.wrap.join('–')}`).toBe(true);
  });

  it.each([1400, 1000])('no table of a run, comparison or repetitions report scrolls sideways at %i px', async (width) => {
    const page = await browser().newPage({ viewport: { width, height: 900 } });
    const pages: [string, string[]][] = [['run-demo', ['demo.json']], ['run-drill', ['drill.json']], ['compare-repeat-run', ['repeat', 'demo.json']], ['compare-targets', ['cmp-http.json', 'cmp-grpc.json']], ['repeat', ['repeat']], ['run-llm', ['llm-steady.json']], ['repeat-llm', ['llm-repeat']], ['compare-llm-kserve', ['llm-steady.json', 'demo.json']]];
    for (const [name, inputs] of pages) {
      const file = path.join(OUT, `${name}-tables.html`);
      writeFileSync(file, renderHtml(loadInputs(inputs.map((i) => path.join(HERE, 'fixtures', i)))));
      await page.goto(`file://${file}`);
      // The tables of a chart's numbers fold away under the chart and scroll on their own: not these.
      const wide = (await page.evaluate(`[...document.querySelectorAll('.table-wrap')].filter((d) => !d.closest('details.chart-data')).filter((d) => d.scrollWidth > d.clientWidth + 1).map((d) => [...d.querySelectorAll('thead th')].map((t) => t.textContent).join('|'))`)) as string[];
      expect(wide, `${name} at ${width} px: tables that scroll sideways`).toEqual([]);
      if (name === 'run-llm' && width === 1400) {
        // The LLM run's token charts draw (uPlot's series on each container) and the page does not scroll sideways.
        await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
        const llm = (await page.evaluate(`(() => ({ failed: window.gauntletReport.failed, page: document.scrollingElement.scrollWidth, viewport: window.innerWidth, drawn: Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((el) => [el.dataset.chart, Number(el.dataset.drawn || 0)])) }))()`)) as { failed: string[]; page: number; viewport: number; drawn: Record<string, number> };
        await page.screenshot({ path: path.join(OUT, `run-llm-${width}.png`), fullPage: true });
        expect(llm.failed).toEqual([]);
        expect(llm.page, 'the LLM page does not scroll sideways').toBeLessThanOrEqual(llm.viewport);
        expect(llm.drawn).toMatchObject({ 'run-ttft-time': 3, 'run-tokens-rate': 2, 'run-llm-server': 3, 'run-ttft-spectrum': 4, 'run-itl-spectrum': 4 });
      }
    }
    await page.close();
  });
});
