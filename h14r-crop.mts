import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: Number(process.argv[2]), height: 900 } });
await p.goto('file:///tmp/h14r-page.html');
const sel = process.argv[3] ?? '.table-wrap:has(th:text("goodput"))';
console.log(JSON.stringify(await p.evaluate(`[...document.querySelectorAll('.table-wrap')].filter(d=>d.textContent.includes('goodput')).map(d=>[...d.querySelectorAll('thead th')].map(t=>t.textContent+':'+Math.round(t.getBoundingClientRect().width)))`)));
await p.locator(sel).first().screenshot({ path: `/tmp/h14r-crop.png` });
await b.close();
