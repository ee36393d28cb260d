/**
 * Makes the screenshots in docs/reports.md from the committed fixtures, with the same Chromium the browser test
 * uses: `npx tsx test/src/report/screenshots.ts` writes docs/img/report-*.png (one per chart kind, cropped to
 * the figure, at 1x, so each stays well under 200 KB); SHOTS_ONLY=profile makes only those whose name has it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../../src/report/html-report.js';
import { loadInputs } from '../../../src/report/load-inputs.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const IMG = path.join(ROOT, 'docs', 'img');
const TMP = path.join(ROOT, 'test-output', 'screenshots');

/** SHOTS: page (fixtures), then the element to capture and the file it becomes. */
const SHOTS: { inputs: string[]; parts: { selector: string; file: string }[] }[] = [
  {
    inputs: ['demo.json'],
    parts: [
      { selector: 'header, .warnings, .summary', file: 'report-top.png' },
      { selector: 'figure:has([data-chart="run-latency"])', file: 'report-latency.png' },
      { selector: 'figure:has([data-chart="run-rate"])', file: 'report-rate.png' },
      { selector: 'figure:has([data-chart="run-errors"])', file: 'report-errors.png' },
      { selector: 'figure:has([data-chart="run-spectrum"])', file: 'report-spectrum.png' },
      { selector: 'figure:has([data-chart="run-server-time"])', file: 'report-server-time.png' },
      { selector: 'figure:has([data-chart="run-batch"])', file: 'report-batch.png' },
    ],
  },
  { inputs: ['drill.json'], parts: [{ selector: 'figure:has([data-chart="run-fault-1"])', file: 'report-fault.png' }] },
  {
    inputs: ['cmp-http.json', 'cmp-grpc.json'],
    parts: [
      { selector: '#at-slo, #at-slo ~ p:first-of-type, #at-slo ~ .table-wrap:first-of-type, #at-slo ~ h3, #at-slo ~ .bars', file: 'report-compare.png' },
      { selector: 'figure:has([data-chart="cmp-spectrum-3"])', file: 'report-compare-spectrum.png' },
    ],
  },
  {
    inputs: ['repeat'],
    parts: [
      { selector: 'header, .warnings, .summary, #repeat-gate, #repeat-gate + div', file: 'report-repeat-top.png' },
      { selector: '#repeat-repetitions, #repeat-repetitions + .table-wrap', file: 'report-repeat.png' },
    ],
  },
  { inputs: ['sweep-search'], parts: [{ selector: 'figure:has([data-chart="sweep-curve"])', file: 'report-sweep-curve.png' }] },
  {
    inputs: ['sweep-vendors'],
    parts: [
      { selector: 'figure:has([data-chart="sweep-pareto"])', file: 'report-pareto.png' },
      { selector: 'table.combos, table.combos + p', file: 'report-sweep-table.png' },
    ],
  },
  {
    inputs: ['profile-mlp-cpu'],
    parts: [
      { selector: 'header, .warnings, .recommendation', file: 'report-profile-top.png' },
      { selector: 'figure:has([data-chart="profile-latency"])', file: 'report-profile-latency.png' },
      { selector: 'figure:has([data-chart="profile-accuracy"])', file: 'report-profile-accuracy.png' },
      { selector: 'figure:has([data-chart="profile-roof-1"])', file: 'report-profile-roofline.png' },
    ],
  },
  { inputs: ['profile-mlp-cpu', 'profile-mlp-16c'], parts: [{ selector: 'h3:has(+ p + .table-wrap), h3 + p + .table-wrap', file: 'report-profiles-cost.png' }] },
];
/** SHOTS_ONLY=word makes only the screenshots whose file name contains it. */
const ONLY = process.env['SHOTS_ONLY'];

process.chdir(ROOT);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
mkdirSync(IMG, { recursive: true });
mkdirSync(TMP, { recursive: true });
for (const [n, shot] of SHOTS.entries()) {
  const file = path.join(TMP, `page-${n}.html`);
  // Fixture paths relative to the repository, as a user's would be: the pages print them.
  writeFileSync(file, renderHtml(loadInputs(shot.inputs.map((i) => path.relative(ROOT, path.join(HERE, 'fixtures', i))))));
  const page = await browser.newPage({ viewport: { width: 960, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`file://${file}`);
  await page.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
  for (const part of shot.parts) {
    if (ONLY && !part.file.includes(ONLY)) continue;
    // Several elements: capture the box around them all.
    const box = (await page.evaluate(`(() => {
      const els = [...document.querySelectorAll(${JSON.stringify(part.selector)})];
      if (!els.length) return null;
      const rs = els.map((e) => e.getBoundingClientRect());
      const top = Math.min(...rs.map((r) => r.top)) + window.scrollY, bottom = Math.max(...rs.map((r) => r.bottom)) + window.scrollY;
      const left = Math.min(...rs.map((r) => r.left)), right = Math.max(...rs.map((r) => r.right));
      return { x: Math.max(0, left - 8), y: Math.max(0, top - 8), width: right - left + 16, height: bottom - top + 16 };
    })()`)) as { x: number; y: number; width: number; height: number } | null;
    if (!box) throw new Error(`no element for ${part.selector}`);
    await page.screenshot({ path: path.join(IMG, part.file), clip: box, fullPage: true });
    console.log(`docs/img/${part.file}`);
  }
  await page.close();
}
await browser.close();
