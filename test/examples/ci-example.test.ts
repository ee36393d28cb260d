/**
 * The CI example (examples/ci/perf-gate.yml and the script it runs) runs as is, beside a busy neighbour: the workflow's
 * own `run:` steps are taken from its YAML and run in order with bash, as a GitHub runner runs them, in a
 * workspace laid out as its checkouts leave it (base/ and candidate/, each with perf/models and
 * perf/scenario.yaml). gauntlet is installed the way the workflow installs it, from a tarball `npm pack` made of
 * this checkout. A candidate whose model is slowed by 3 ms per execution fails the gate with exit 1; an unchanged
 * candidate passes with exit 0; the job summary step writes the gate's Markdown to $GITHUB_STEP_SUMMARY.
 *
 * Real parts throughout: npm, the packed gauntlet, two reference servers per job, the gate, and a busy neighbour:
 * in `npm test` the e2e files run beside it (servers, drills, browsers, load — test/run-tests.mjs sets
 * GAUNTLET_TESTS_BESIDE_E2E); run alone, a CPU hog (one busy loop at nice 0) stands in for them. Both at once left
 * the 2-core runner so loaded that the slowed candidate's p50 (+50 %) was not significant in six repetitions. The
 * scenario is the example's, shortened with DURATION_SCALE (0.15: about 300 requests per repetition in its steady
 * phase) to keep the suite's time in bounds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type CpuHog, startCpuHog } from '../../bench/lib/cpu-hog.js';
import { CLI, ROOT } from '../helpers/process-tree.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

const workflow = YAML.parse(readFileSync(path.join(ROOT, 'examples/ci/perf-gate.yml'), 'utf8')) as { env: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
const steps = workflow.jobs['perf-gate']!.steps;
const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-ci-example-'));
const DELAY_US = 3000;

interface StepResult {
  step: string;
  code: number | null;
  output: string;
}

/** runStep runs one `run:` step as GitHub does on Linux (bash -eo pipefail), in the workspace. */
function runStep(step: Step, workspace: string, env: Record<string, string>): Promise<StepResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd: workspace, env: { ...process.env, ...workflow.env, ...env, ...step.env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('close', (code) => resolve({ step: step.name ?? step.run!.slice(0, 40), code, output }));
  });
}

/**
 * runJob runs the workflow's steps in a fresh workspace whose base/ and candidate/ checkouts hold `models`
 * (the candidate's with `delayUs` added to every execution). `uses:` steps are what the test set up (checkouts,
 * Node) or stand for an upload; a step after a failed one runs only with `if: always()`. The install step runs
 * when `tools` is not given; otherwise the workspace links that installation.
 */
async function runJob(name: string, models: string, delayUs: number, env: Record<string, string>, tools?: string): Promise<{ results: StepResult[]; workspace: string; summary: string }> {
  const workspace = path.join(dir, name);
  for (const side of ['base', 'candidate'] as const) {
    const perf = path.join(workspace, side, 'perf');
    mkdirSync(perf, { recursive: true });
    cpSync(path.join(ROOT, 'examples/ci/scenario.yaml'), path.join(perf, 'scenario.yaml'));
    cpSync(models, path.join(perf, 'models'), { recursive: true });
    if (side === 'candidate' && delayUs > 0) appendFileSync(path.join(perf, 'models', 'mlp', 'config.yaml'), `\nartificial_delay_us: ${delayUs}\n`);
  }
  if (tools) symlinkSync(tools, path.join(workspace, 'tools'));
  const summary = path.join(workspace, 'step-summary.md');
  const results: StepResult[] = [];
  let failed = false;
  for (const step of steps) {
    if (step.run === undefined) continue;
    if (tools && /npm install/.test(step.run)) continue;
    if (failed && step.if !== 'always()') continue;
    const r = await runStep(step, workspace, { GITHUB_WORKSPACE: workspace, GITHUB_STEP_SUMMARY: summary, ...env });
    results.push(r);
    if (r.code !== 0) failed = true;
  }
  return { results, workspace, summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '' };
}

describe('the CI example workflow, beside a busy neighbour (the e2e tests, or a CPU hog)', () => {
  let tarball: string;
  let models: string;
  let hog: CpuHog | undefined;
  let tools: string;
  let slowJob: Awaited<ReturnType<typeof runJob>>;
  let sameJob: Awaited<ReturnType<typeof runJob>>;

  beforeAll(async () => {
    // The tarball route the workflow names: `npm pack` of this checkout (dist/ is built by `npm test` already).
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    tarball = path.join(dir, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
    // A model repository as a user's perf/models: the bundled mlp, built from its seed into a folder of its own.
    models = path.join(dir, 'models');
    const build = spawnSync(process.execPath, [CLI, 'models', 'build', '--model', 'mlp', '--precision', 'fp32', '--out', models], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    if (process.env['GAUNTLET_TESTS_BESIDE_E2E'] !== '1') hog = startCpuHog();
    const env = { GAUNTLET_PACKAGE: tarball, DURATION_SCALE: '0.15', npm_config_prefer_offline: 'true' };
    slowJob = await runJob('slow', models, DELAY_US, env);
    tools = path.join(slowJob.workspace, 'tools');
    sameJob = await runJob('same', models, 0, env, tools);
  }, 600_000);

  afterAll(async () => {
    await hog?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs gauntlet from the packed tarball, as the workflow does', () => {
    const install = slowJob.results.find((r) => r.step === 'Install gauntlet');
    expect(install?.code, install?.output).toBe(0);
    // Its own version, read from its own package.json (not the installing project's, which has none).
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(install!.output.trim().split('\n').pop()).toBe(version);
    // Installed, not linked to this checkout.
    expect(existsSync(path.join(tools, 'node_modules', 'gauntlet', 'dist', 'src', 'cli', 'main.js'))).toBe(true);
  });

  it('fails the slowed candidate with exit 1: REGRESSED latency, in the job summary', () => {
    const gate = slowJob.results.find((r) => r.step === 'Gate the change against its base');
    expect(gate?.code, gate?.output).toBe(1);
    expect(slowJob.summary).toMatch(/^## gauntlet gate: ❌ failed \(regressed\)/m);
    expect(slowJob.summary).toMatch(/^\| steady \| p50 \| .* \| ❌ regressed \|$/m);
    const junit = readFileSync(path.join(slowJob.workspace, 'perf-gate', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure/);
    // The job summary step ran after the failed gate (if: always()) and succeeded.
    const summaryStep = slowJob.results.find((r) => r.step === 'Job summary');
    expect(summaryStep?.code).toBe(0);
  });

  it('passes the unchanged candidate with exit 0, nothing regressed', () => {
    const gate = sameJob.results.find((r) => r.step === 'Gate the change against its base');
    expect(gate?.code, gate?.output).toBe(0);
    expect(sameJob.summary).toMatch(/^## gauntlet gate: ✅ passed/m);
    expect(sameJob.summary).not.toMatch(/regressed \|$/m);
  });

  it('leaves every repetition of both sides, and no server running', () => {
    for (const job of [slowJob, sameJob]) {
      for (const side of ['base', 'candidate']) {
        const reps = readdirSync(path.join(job.workspace, 'perf-gate', side)).filter((n) => /^rep-\d+$/.test(n));
        expect(reps).toHaveLength(6);
      }
      for (const side of ['base', 'candidate']) {
        const log = readFileSync(path.join(job.workspace, 'perf-gate', `${side}-server.log`), 'utf8');
        const port = Number(/Started HTTPService at 127\.0\.0\.1:(\d+)/.exec(log)![1]);
        const probe = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
        expect(probe.status, `port ${port} of the ${side} server still open`).not.toBe(0);
      }
    }
  });
});
