/**
 * Chromium for the report browser tests: where it is (GAUNTLET_CHROMIUM, else /usr/bin/chromium), whether it is
 * there, and a suite hook that launches it headless once for the suite and closes it after.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** CHROMIUM is the browser the report tests drive. */
export const CHROMIUM = process.env['GAUNTLET_CHROMIUM'] ?? '/usr/bin/chromium';
/** HAVE_CHROMIUM: the browser is installed (the suites are skipped, loudly, when it is not). */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** withBrowser launches Chromium before the suite's tests (making `outDir` first) and closes it after; call the getter in tests. */
export function withBrowser(outDir: string): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not running (withBrowser hooks did not run)');
    return browser;
  };
}
