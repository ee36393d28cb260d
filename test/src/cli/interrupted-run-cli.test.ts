/**
 * Runs that did not go to their end, as a user meets them (the compiled CLI in child processes, a real reference
 * server on port 0):
 * - `kill -9` mid-run: the snapshot on disk is not judged (`valid: null`) and carries a heartbeat; afterwards
 *   `gauntlet report` shows it as INCOMPLETE (exit 0, percentiles and histograms rebuilt from latency.hlog),
 *   `gauntlet baseline save` refuses it with a reason (unless --allow-invalid), `gauntlet gate` cannot judge it
 *   (exit 3);
 * - SIGINT mid-phase: the cut phase's offered rate is the plan's (per second of the time it ran), and the phase
 *   after it says "not run" in its SLO checks, the summary and JUnit (skipped), instead of FAIL.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gauntlet, ROOT } from '../../helpers/cli.js';
import { startTestServer, type TestServer, waitUntil } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

/** finishedSeconds counts the (second, phase) lines in a run's latency.hlog. */
function finishedSeconds(out: string): number {
  const file = path.join(out, 'latency.hlog');
  return existsSync(file) ? readFileSync(file, 'utf8').split('Tag=').length - 1 : 0;
}

describe('runs that did not go to their end (CLI)', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-stopped-'));
  });
  afterAll(() => server.close());

  const scenario = (name: string, phases: string): string => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `
name: ${name}
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}
target: {name: t, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
phases:
${phases}`,
    );
    return file;
  };

  it('after kill -9: report shows it INCOMPLETE (exit 0), baseline save refuses it, gate cannot judge it (exit 3)', async () => {
    const out = path.join(dir, 'killed');
    let snapshot: Record<string, any> | undefined;
    const file = scenario('killed', '  - {name: steady, duration: 30s, rate: 50, slo: {p99_ms: 2000}}\n  - {name: later, duration: 10s, rate: 50, slo: {p99_ms: 2000}}\n');
    const run = await gauntlet(['run', file, '--out', out], (child) => {
      void waitUntil(() => finishedSeconds(out) >= 4 && existsSync(path.join(out, 'results.json')), 'four finished seconds', 30_000).then(() => {
        snapshot = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
        child.kill('SIGKILL');
      });
    });
    expect(run.signal).toBe('SIGKILL');

    const md = await gauntlet(['report', out, '--format', 'md', '--out', '-']);
    expect(md.stderr).toBe('');
    expect(md.code).toBe(0);
    const lines = md.stdout.split('\n');
    expect(lines[0]).toMatch(/^## gauntlet: killed — ⛔ INCOMPLETE at .* of 40 s \(its writer stopped\) · .* · ⚠️ measurement not judged$/);
    // The first thing after the title and subtitle is the warning.
    expect(lines.slice(1, 5).filter((l) => l !== '')[1]).toMatch(/^> ⛔ INCOMPLETE: the run stopped updating its results at .*, and process \d+ on .* is gone — killed\?/);
    expect(md.stdout).toMatch(/Latency histograms were rebuilt from latency\.hlog \(\d+ finished seconds and phases/);
    expect(md.stdout).not.toMatch(/measurement valid/);
    // What was measured is shown: the steady phase's requests and real percentiles.
    const steady = md.stdout.split('\n').find((l) => l.startsWith('| steady (partial: '));
    expect(steady).toBeDefined();
    const cells = steady!.split('|').map((c) => c.trim());
    // The rate is per second of what the snapshot covers (the plan's 50/s), and p50 and p99 are real.
    expect(Math.abs(Number(cells[2]) - 50) / 50).toBeLessThan(0.05);
    expect(cells[5]).toMatch(/^\d/);
    expect(cells[7]).toMatch(/^\d/);
    expect(md.stdout).toMatch(/\| later \(not run\) \|.*➖ not run \|/);

    const html = await gauntlet(['report', out]);
    expect(html.code).toBe(0);
    const page = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(page).toMatch(/<h1>killed: INCOMPLETE at /);
    // The percentile spectrum has the rebuilt histogram of the phase that ran.
    expect(page).toContain('Percentile spectrum per phase');

    const junit = await gauntlet(['report', out, '--format', 'junit', '--out', '-']);
    expect(junit.code).toBe(0);
    expect(junit.stdout).toMatch(/name="measurement valid"><failure message="INCOMPLETE: /);
    expect(junit.stdout).toMatch(/classname="killed\.later" name="SLO p99"><skipped message="phase later did not run"/);

    const baseline = path.join(dir, 'killed-baseline.json');
    const refused = await gauntlet(['baseline', 'save', out, '--out', baseline]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/results\.json: the run was interrupted: the run stopped updating its results at .* — killed\?, so it does not cover its plan; --allow-invalid uses the phases it ran anyway/);
    expect(existsSync(baseline)).toBe(false);
    const saved = await gauntlet(['baseline', 'save', out, '--out', baseline, '--allow-invalid']);
    expect(saved.code).toBe(0);
    expect(JSON.parse(readFileSync(baseline, 'utf8')).phases.map((p: { name: string }) => p.name)).toEqual(['steady']);

    const gated = await gauntlet(['gate', out, '--baseline', baseline]);
    expect(gated.code).toBe(3);
    expect(gated.stdout).toMatch(/CANNOT JUDGE/);
    expect(gated.stdout).toMatch(/invalid: cannot judge: run 1 \(.*results\.json\) was interrupted: the run stopped updating its results at .* — killed\?/);
    const allowed = await gauntlet(['gate', out, '--baseline', baseline, '--allow-invalid']);
    expect(allowed.code).toBe(3);

    // While the run went, the snapshot was not judged, and said who was writing it.
    expect(snapshot!['status']).toBe('running');
    expect(snapshot!['valid']).toBeNull();
    expect(snapshot!['heartbeat'].host).toBe(os.hostname());
    expect(snapshot!['heartbeat'].pid).toBeGreaterThan(0);
  }, 120_000);

  it('after SIGINT mid-phase: rates per second of the time the phase ran, later phases not run (exit 3)', async () => {
    const out = path.join(dir, 'sigint');
    const file = scenario('sigint', '  - {name: first, duration: 15s, rate: 100, slo: {p99_ms: 2000}}\n  - {name: second, duration: 10s, rate: 100, slo: {p99_ms: 2000, error_rate: 0.01}}\n');
    const run = await gauntlet(['run', file, '--out', out], (child) => {
      void waitUntil(() => finishedSeconds(out) >= 4, 'four finished seconds', 30_000).then(() => child.kill('SIGINT'));
    });
    expect(run.code).toBe(3);
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const [first, second] = r.phases;
    // The plan offered 100 requests per second while the phase ran: so does the result (planned duration: ~30).
    expect(Math.abs(first.offeredRps - 100) / 100).toBeLessThan(0.05);
    expect(r.schemaVersion).toBe(3);
    expect(r.status).toBe('interrupted');
    expect(first.state).toBe('partial');
    expect(first.elapsedS).toBeGreaterThan(3);
    expect(first.elapsedS).toBeLessThan(15);
    expect(r.measuredS).toBeCloseTo(first.elapsedS, 9);
    expect(first.achievedRps).toBeGreaterThan(90);
    expect(second.state).toBe('not-run');
    expect(second.offeredRps).toBe(0);
    const secondChecks = r.slo.checks.filter((c: { phase: string }) => c.phase === 'second');
    expect(secondChecks).toHaveLength(2);
    for (const c of secondChecks) expect(c.pass).toBeNull();
    expect(r.slo.checks.find((c: { phase: string }) => c.phase === 'first').partial).toBe(true);
    expect(r.slo.pass).toBe(true);

    expect(run.stdout).toMatch(/^second \(not run\) .* not run$/m);
    expect(run.stdout).toMatch(/^first \(ran \d+\.\d of 15 s\) +1\d\d\.\d|^first \(ran \d+\.\d of 15 s\) +9\d\.\d/m);
    expect(run.stdout).toMatch(/Run INTERRUPTED at \d+\.\d s of 25 s/);
    expect(run.stdout).toMatch(/SLO met \(1 checks; 2 check\(s\) of phases that did not run: not run\)/);
    expect(run.stdout).not.toMatch(/FAIL/);

    const junit = await gauntlet(['report', out, '--format', 'junit', '--out', '-']);
    expect(junit.code).toBe(0);
    expect(junit.stdout).toMatch(/classname="sigint\.second" name="SLO p99"><skipped message="phase second did not run"/);
    expect(junit.stdout).toMatch(/classname="sigint\.second" name="SLO error_rate"><skipped/);
    const csv = await gauntlet(['report', out, '--format', 'csv', '--out', '-']);
    expect(csv.stdout).toMatch(/,second,open,15,10,0,0,0,.*,not_run,.*,not-run,0,interrupted(,[^\r\n]*)?\r\n/);
  }, 120_000);
});
