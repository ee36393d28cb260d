/**
 * The characterization pages in a real headless Chromium at 1400 and 1000 px, in one browser launch: the 2-hour
 * fixture (rate with bursts, gaps with their fit, latency against load, both payload sizes) and the sparse one (no
 * latency, sizes, routes or bursts: two charts only). No console error and nothing fetched, every chart drawn on a
 * canvas of non-zero size, the page does not scroll sideways and no table outside a chart's folded numbers does
 * either. Screenshots go to test-output/report/. Skipped, loudly, without /usr/bin/chromium.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCharacterization } from '../../../src/report/characterize-load.js';
import { renderCharacterizationHtml } from '../../../src/report/html-characterize.js';
import { CHROMIUM, HAVE_CHROMIUM, withBrowser } from '../../helpers/chromium.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../../..', 'test-output', 'report');

if (!HAVE_CHROMIUM) process.stderr.write(`\n!!! SKIPPING the characterization report browser tests: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium !!!\n\n`);

const PAGES = [
  { name: 'characterize-2h', charts: ['characterize-rate', 'characterize-gaps', 'characterize-load', 'characterize-request-bytes', 'characterize-response-bytes'] },
  { name: 'characterize-sparse', charts: ['characterize-rate', 'characterize-gaps'] },
];

const READ = `(() => {
  const s = window.gauntletReport;
  const canvases = [...document.querySelectorAll('[data-chart]')].map((el) => { const c = el.querySelector('canvas'); return { id: el.dataset.chart, drawn: Number(el.dataset.drawn || 0), w: c ? c.getBoundingClientRect().width : 0, h: c ? c.getBoundingClientRect().height : 0 }; });
  const wide = [...document.querySelectorAll('.table-wrap')].filter((d) => !d.closest('details')).filter((d) => d.scrollWidth > d.clientWidth + 1).map((d) => d.querySelector('th').textContent);
  return { failed: s.failed, empty: s.empty, canvases, wide, pageScroll: document.scrollingElement.scrollWidth, viewport: window.innerWidth };
})()`;

interface Read {
  failed: string[];
  empty: string[];
  canvases: { id: string; drawn: number; w: number; h: number }[];
  wide: string[];
  pageScroll: number;
  viewport: number;
}

describe.skipIf(!HAVE_CHROMIUM)('characterization report in Chromium', () => {
  const browser = withBrowser(OUT);

  it('draws every chart and nothing overflows at 1400 and 1000 px', async () => {
    const errors: string[] = [];
    for (const p of PAGES) {
      const file = path.join(OUT, `${p.name}.html`);
      writeFileSync(file, renderCharacterizationHtml(readCharacterization(path.join(HERE, 'fixtures', p.name, 'characterization.json')), `fixtures/${p.name}/characterization.json`));
      for (const width of [1400, 1000]) {
        const page = await browser().newPage({ viewport: { width, height: 900 } });
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('request', (r) => !r.url().startsWith('file:') && errors.push(`fetched ${r.url()}`));
        await page.goto(`file://${file}`);
        await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
        const s = (await page.evaluate(READ)) as Read;
        await page.screenshot({ path: path.join(OUT, `${p.name}-${width}.png`), fullPage: true });
        const at = `${p.name} at ${width} px`;
        expect([s.failed, s.empty], at).toEqual([[], []]);
        expect(s.canvases.map((c) => c.id), at).toEqual(p.charts);
        for (const c of s.canvases) {
          expect(c.drawn, `${at}: ${c.id} series drawn`).toBeGreaterThan(0);
          expect(c.w > 300 && c.h > 100, `${at}: ${c.id} canvas ${c.w}x${c.h}`).toBe(true);
          expect(c.w, `${at}: ${c.id} wider than the page`).toBeLessThanOrEqual(width);
        }
        expect(s.pageScroll, `${at}: the page scrolls sideways`).toBeLessThanOrEqual(s.viewport);
        expect(s.wide, `${at}: tables that scroll sideways`).toEqual([]);
        await page.close();
      }
    }
    expect(errors).toEqual([]);
  });
});
