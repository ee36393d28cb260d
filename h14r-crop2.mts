import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1400, height: 900 } });
await p.goto('file:///tmp/h14r-page.html');
await p.waitForFunction('(() => { const s = window.gauntletReport; return !!s && s.charts > 0 && s.drawn + s.empty.length + s.failed.length === s.charts; })()');
let i = 0;
for (const id of process.argv.slice(2)) await p.locator(`figure:has([data-chart="${id}"])`).screenshot({ path: `/tmp/h14r-fig-${i++}.png` });
await b.close();
