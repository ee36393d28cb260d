/**
 * A metrics scrape never waits or reads without a bound: an interrupted run's stop aborts a scrape in flight at
 * once, and an endless metrics page is cut at MAX_SCRAPE_BYTES.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerScraper } from '../../../src/metrics/server-scrape.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

async function metricsServer(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

describe('ServerScraper bounds', () => {
  it('stop({final: false}) aborts a scrape in flight at once and makes no last one', async () => {
    let requests = 0;
    const url = await metricsServer(() => void requests++);
    const scraper = new ServerScraper(url, undefined, Date.now());
    scraper.start();
    while (requests === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await scraper.stop({ final: false });
    expect(performance.now() - t0).toBeLessThan(200);
    expect(requests).toBe(1);
  });

  it('cuts an endless metrics page', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const url = await metricsServer((_req, res) => {
      res.writeHead(200);
      const more = (): void => {
        while (res.write(chunk));
        res.once('drain', more);
      };
      more();
    });
    const scraper = new ServerScraper(url, undefined, Date.now());
    await scraper.stop();
    expect(scraper.lastError).toMatch(/larger than/);
  });
});
