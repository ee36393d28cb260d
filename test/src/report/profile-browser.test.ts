/**
 * The profile pages in a real headless Chromium at 1400 and 1000 px: one profile (mlp on a CPU, with a roofline)
 * and two machines side by side. No console error, every chart drawn (uPlot's series count on its container),
 * the page does not scroll sideways, and no table outside a chart's folded numbers does either. Screenshots go
 * to test-output/report/. Skipped, loudly, without /usr/bin/chromium.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs } from '../../../src/report/load-inputs.js';
import { CHROMIUM, HAVE_CHROMIUM, withBrowser } from '../../helpers/chromium.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../../..', 'test-output', 'report');

if (!HAVE_CHROMIUM) process.stderr.write(`\n!!! SKIPPING the profile report browser tests: ${CHROMIUM} is missing. Install it with: apt-get install -y chromium !!!\n\n`);

const PAGES: { name: string; inputs: string[]; charts: string[] }[] = [
  { name: 'profile-mlp', inputs: ['profile-mlp-cpu'], charts: ['profile-latency', 'profile-throughput', 'profile-memory', 'profile-accuracy', 'profile-roof-1', 'profile-roof-2'] },
  { name: 'profiles-side-by-side', inputs: ['profile-mlp-cpu', 'profile-mlp-16c'], charts: ['profiles-latency', 'profiles-throughput'] },
];

const READ = `(() => {
  const s = window.gauntletReport;
  const drawn = [...document.querySelectorAll('[data-chart]')].filter((el) => Number(el.dataset.drawn || 0) > 0).map((el) => el.dataset.chart);
  const wide = [...document.querySelectorAll('.table-wrap')].filter((d) => !d.closest('details')).filter((d) => d.scrollWidth > d.clientWidth + 1).map((d) => d.querySelector('th').textContent);
  return { failed: s.failed, empty: s.empty, drawn, wide, pageScroll: document.scrollingElement.scrollWidth, viewport: window.innerWidth };
})()`;

describe.skipIf(!HAVE_CHROMIUM)('profile report in Chromium', () => {
  const browser = withBrowser(OUT);

  it.each([1400, 1000])('renders without errors and draws every chart at %i px', async (width) => {
    const page = await browser().newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => !r.url().startsWith('file:') && errors.push(`fetched ${r.url()}`));
    for (const p of PAGES) {
      const file = path.join(OUT, `${p.name}.html`);
      writeFileSync(file, renderHtml(loadInputs(p.inputs.map((i) => path.join(HERE, 'fixtures', i)))));
      await page.goto(`file://${file}`);
      await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
      const s = (await page.evaluate(READ)) as { failed: string[]; empty: string[]; drawn: string[]; wide: string[]; pageScroll: number; viewport: number };
      await page.screenshot({ path: path.join(OUT, `${p.name}-${width}.png`), fullPage: true });
      const at = `${p.name} at ${width} px`;
      expect([s.failed, s.empty], at).toEqual([[], []]);
      expect(s.drawn.filter((id) => p.charts.includes(id)).sort(), at).toEqual([...p.charts].sort());
      expect(s.pageScroll, `${at}: the page scrolls sideways`).toBeLessThanOrEqual(s.viewport);
      expect(s.wide, `${at}: tables that scroll sideways`).toEqual([]);
    }
    await page.close();
    expect(errors).toEqual([]);
  });
});
