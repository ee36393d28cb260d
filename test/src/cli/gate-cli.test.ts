/**
 * The gate as a user runs it (the compiled CLI, a real reference server on port 0): `run --gate` takes every
 * gate option (it rejected --min-effect, --samples and --allow-invalid with yargs' "Unknown arguments");
 * `baseline save` and `gate` take the folder of a `run --repeat` as its repetitions; --markdown appends, or
 * replaces with --markdown-mode replace; gate options without --gate are refused rather than ignored.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gauntlet } from '../../helpers/cli.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

describe('gate options through the CLI', () => {
  let server: TestServer;
  let dir: string;
  let scenario: string;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-gate-cli-'));
    scenario = path.join(dir, 'gated.yaml');
    writeFileSync(
      scenario,
      `name: gated
target: {name: ref, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}"}
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16]}]}
slo: {p99_ms: 1000}
phases:
  - {name: warm, duration: 0.5s, rate: 40, slo: off}
  - {name: steady, duration: 4s, rate: 50}
`,
    );
  });
  afterAll(() => server.close());

  it('saves a baseline from a --repeat folder, then run --gate takes --min-effect, --samples, --allow-invalid and the rest', async () => {
    const base = path.join(dir, 'base');
    const made = await gauntlet(['run', scenario, '--repeat', '2', '--workers', '1', '--out', base]);
    expect([0, 3]).toContain(made.code);
    const baseline = path.join(dir, 'baseline.json');
    const saved = await gauntlet(['baseline', 'save', base, '--out', baseline, '--allow-invalid']);
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
    expect(saved.stdout).toMatch(/^baseline 'gated' from 2 run\(s\) of 'gated', 2 phase\(s\): /);

    const md = path.join(dir, 'run-gate.md');
    const junit = path.join(dir, 'run-gate.xml');
    const gated = await gauntlet([
      'run', scenario, '--repeat', '2', '--workers', '1', '--out', path.join(dir, 'cand'),
      '--gate', baseline, '--min-effect', 'throughput=0.5', '--samples', 'intervals', '--allow-invalid', '--unknown', 'pass',
      '--junit', junit, '--markdown', md, '--markdown-mode', 'replace',
    ]);
    expect(gated.stderr).not.toMatch(/Unknown argument/);
    expect([0, 1]).toContain(gated.code);
    expect(gated.stdout).toMatch(/^gate 'gated' against baseline '.*baseline\.json': (PASSED|FAILED) — /m);
    // --samples intervals and --min-effect throughput=0.5 reached the gate. (Throughput, not a latency figure: on a
    // busy machine the generator's lag can leave a repetition's p99 out of the baseline, and with it the effect.)
    expect(gated.stdout).toMatch(/ steady throughput: \w+ \(per second\) — .*50\.0 %/);
    expect(readFileSync(md, 'utf8')).toMatch(/^## gauntlet gate: /);
    expect(readFileSync(junit, 'utf8')).toMatch(/^<\?xml/);
    // The --repeat folder keeps the gate's verdict beside its repetitions, and its report shows it.
    const kept = JSON.parse(readFileSync(path.join(dir, 'cand', 'gate.json'), 'utf8'));
    expect(kept).toMatchObject({ exitCode: gated.code, rule: 'effect' });
    expect(readFileSync(path.join(dir, 'cand', 'report.md'), 'utf8')).toMatch(/gate (PASSED|FAILED)/);
  }, 120_000);

  it('gates a --repeat folder, appending the Markdown summary by default and replacing it on request', async () => {
    const baseline = path.join(dir, 'baseline.json');
    const md = path.join(dir, 'gate.md');
    const args = ['gate', path.join(dir, 'cand'), '--baseline', baseline, '--allow-invalid', '--markdown', md];
    for (let i = 0; i < 2; i++) expect([0, 1]).toContain((await gauntlet(args)).code);
    expect(readFileSync(md, 'utf8').match(/^## gauntlet gate: /gm)).toHaveLength(2);
    const replaced = await gauntlet([...args, '--markdown-mode', 'replace']);
    expect(replaced.stdout).toMatch(/steady p50: \w+ \(per (second|run)\)/);
    expect(readFileSync(md, 'utf8').match(/^## gauntlet gate: /gm)).toHaveLength(1);
  }, 60_000);

  it('refuses gate options without --gate (exit 2) instead of ignoring them', async () => {
    const r = await gauntlet(['run', scenario, '--junit', path.join(dir, 'x.xml'), '--min-effect', 'p99=0.2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--min-effect, --junit need --gate BASELINE/);
  });

  it('lists every gate option in the help of both commands', async () => {
    const [run, gate] = await Promise.all([gauntlet(['run', '--help']), gauntlet(['gate', '--help'])]);
    for (const flag of ['--unknown', '--min-effect', '--samples', '--junit', '--markdown', '--markdown-mode', '--allow-invalid', '--strict-validity']) {
      expect(run.stdout).toContain(flag);
      expect(gate.stdout).toContain(flag);
    }
    expect(gate.stdout).toMatch(/3 {2}cannot judge/);
  });
});
