/**
 * The HTML reports opened in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the page
 * loads nothing from the network, logs no error, and every chart has drawn (uPlot's series count on its
 * container, and a canvas that is not one flat colour). Screenshots go to test-output/report/ for a look.
 * Without /usr/bin/chromium (`.ci/run` installs it; `apt-get install -y chromium`) the suite is skipped, loudly.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs } from '../../../src/report/load-inputs.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const OUT = path.join(ROOT, 'test-output', 'report');
const CHROMIUM = process.env['GAUNTLET_CHROMIUM'] ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

if (!HAVE_CHROMIUM) {
  process.stderr.write(`\n!!! SKIPPING the HTML report browser tests: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium !!!\n\n`);
}

const PAGES: { name: string; inputs: string[]; charts: number }[] = [
  { name: 'run-demo', inputs: ['demo.json'], charts: 6 },
  { name: 'run-drill', inputs: ['drill.json'], charts: 7 },
  { name: 'compare-targets', inputs: ['cmp-http.json', 'cmp-grpc.json'], charts: 15 },
  { name: 'sweep-search', inputs: ['sweep-search'], charts: 3 },
  { name: 'sweep-precision', inputs: ['sweep-precision'], charts: 3 },
];

interface PageState {
  charts: number;
  drawn: number;
  failed: string[];
  containers: { id: string; series: number; colours: number }[];
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
  return { charts: s.charts, drawn: s.drawn, failed: s.failed, containers };
})()`;

describe.skipIf(!HAVE_CHROMIUM)('HTML report in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(PAGES)('$name draws every chart, with no error and no network', async ({ name, inputs, charts }) => {
    const file = path.join(OUT, `${name}.html`);
    writeFileSync(file, renderHtml(loadInputs(inputs.map((i) => path.join(HERE, 'fixtures', i)))));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
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
});
