/**
 * `gauntlet run` as a user runs it (the compiled CLI in a child process): exit code 2 with every problem of a
 * broken scenario, --dry-run, SIGINT mid-run (results marked interrupted), kill -9 mid-run (the files stay
 * readable), and the embedded default target (with report.html and report.md next to its results).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gauntlet, ROOT } from '../../helpers/cli.js';
import { startTestServer, type TestServer, waitUntil } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

function writeScenario(dir: string, text: string): string {
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, text);
  return file;
}

describe('gauntlet run (CLI)', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-cli-'));
  });
  afterAll(() => server.close());

  const longScenario = (): string => `
name: long
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}
target: {name: t, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
phases:
  - {name: a, duration: 30s, rate: 50}
`;

  it('lists every problem of a broken scenario with its path and exits 2', async () => {
    const file = writeScenario(dir, `
name: broken
peak_rps: -5
request: {model: tiny, inputs: [{name: input, datatype: FP33, shape: [1, 16]}]}
phases:
  - {name: a, duration: 0s, rate: 10}
  - {name: a, duration: 5s, rate: 2x}
`);
    const r = await gauntlet(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/peak_rps/);
    expect(r.stderr).toMatch(/request\.inputs\[0\]\.datatype/);
    expect(r.stderr).toMatch(/phases\[0\]\.duration/);
    expect(r.stderr).toMatch(/phases\[1\]\.name/);
    expect(r.stderr).toMatch(/GAUNTLET_ERR_INVALID_CONFIG/);
  });

  it('prints the plan with --dry-run and sends nothing', async () => {
    const r = await gauntlet(['run', path.join(ROOT, 'scenarios/demo.yaml'), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/peak-5x/);
    expect(r.stdout).toMatch(/burst/);
  });

  it('on SIGINT stops, waits for replies and leaves results marked interrupted (exit 3)', async () => {
    const out = path.join(dir, 'sigint');
    const r = await gauntlet(['run', writeScenario(dir, longScenario()), '--out', out], (child) => {
      void waitUntil(() => existsSync(path.join(out, 'results.json')), 'results.json appears', 20_000).then(() => child.kill('SIGINT'));
    });
    expect(r.code).toBe(3);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.status).toBe('interrupted');
    expect(results.interrupted).toBe(true);
    expect(results.phases[0].sent).toBeGreaterThan(0);
    expect(results.phases[0].sent).toBeLessThan(1500);
    expect(results.totals.lost).toBe(0);
    expect(r.stdout).toMatch(/INTERRUPTED/);
  });

  it('after kill -9 leaves a results.json that parses and an interval log that reads', async () => {
    const out = path.join(dir, 'kill9');
    const r = await gauntlet(['run', writeScenario(dir, longScenario()), '--out', out], (child) => {
      // Wait for a few finished seconds in the log, then kill without warning.
      void waitUntil(() => existsSync(path.join(out, 'latency.hlog')) && readFileSync(path.join(out, 'latency.hlog'), 'utf8').split('Tag=').length > 3, 'the log has seconds', 20_000).then(() => child.kill('SIGKILL'));
    });
    expect(r.signal).toBe('SIGKILL');
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.status).toBe('running');
    const reader = new hdr.HistogramLogReader(readFileSync(path.join(out, 'latency.hlog'), 'utf8'));
    let lines = 0;
    for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
      expect(h.totalCount).toBeGreaterThan(0);
      lines++;
    }
    expect(lines).toBeGreaterThanOrEqual(2);
  });

  it('runs against the embedded reference server when the scenario names no target', async () => {
    const out = path.join(dir, 'embedded');
    const r = await gauntlet(['run', path.join(ROOT, 'scenarios/smoke.yaml'), '--duration-scale', '0.2', '--out', out]);
    expect([0, 3]).toContain(r.code);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.target.embedded).toBe(true);
    expect(results.phases[0].ok).toBeGreaterThan(50);
    expect(results.server.intervals.length).toBeGreaterThan(0);
    if (r.code === 3) expect(results.invalidReasons.join()).toMatch(/could not keep up/);
    expect(r.stdout).toMatch(/Results: /);
    // The reports land next to the results, and the summary's last line names the HTML one.
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^Report: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/report\\.html `));
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('<h1>smoke: ');
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/^## gauntlet: smoke/);
  }, 120_000);
});
