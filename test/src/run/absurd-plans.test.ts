/**
 * Whatever a plan asks for, a run's time is bounded by the sends it can make: real runs against the reference
 * server with 1e12 planned requests a second finish on time (or stop at once when interrupted), with every
 * planned request counted as sent or DROPPED; a closed loop of 1e12 stays within max_in_flight; 1e12 payloads are
 * refused before anything is built. The plans are built directly: the validator would refuse them.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GauntletError } from '../../../src/errors.js';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';
import type { PhasePlan, Plan } from '../../../src/scenario/plan.js';
import type { TargetSpec } from '../../../src/targets/target-spec.js';
import { startTestServer, type TestServer } from '../../helpers/reference-client.js';
import { tinyMlpConfig } from '../../helpers/test-repo.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'gauntlet-absurd-'));

describe('absurd plans', () => {
  let server: TestServer;
  let base: Plan;
  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') });
    base = parseScenario(
      `name: absurd
request: {model: tiny, inputs: [{name: input, datatype: FP32, shape: [1, 16], data: random}]}
target: {name: t, protocol: kserve-http, url: "http://127.0.0.1:${server.httpPort}", max_in_flight: 64}
phases: [{name: a, duration: 1s, rate: 10}]
`,
      { baseDir: process.cwd() },
    );
  });
  afterAll(() => server.close());

  const withPhases = (phases: PhasePlan[], target: Partial<TargetSpec> = {}): Plan => ({
    ...base,
    target: { ...(base.target as TargetSpec), ...target },
    phases,
    durationS: phases.reduce((s, p) => Math.max(s, p.startS + p.durationS), 0),
  });
  const open = (rps: number, durationS: number, startS = 0): PhasePlan => ({ name: `open-${startS}`, startS, durationS, load: { kind: 'open', shape: { type: 'constant', rps }, arrival: { type: 'constant' } }, slo: null });

  it.each([[1], [2]])('1e12 rps for 2 s with %i worker(s): on time, 2e12 scheduled, each sent or dropped', async (workers) => {
    const t0 = performance.now();
    const { results } = await runPlan(withPhases([open(1e12, 1), open(1e12, 1, 1)]), { outDir: tmp(), workers });
    // 0.2 s to the start, 2 s of phases, the replies' wait, starting and stopping the workers.
    expect(performance.now() - t0).toBeLessThan(6000);
    const t = results.totals;
    expect(t.scheduled).toBe(2e12);
    expect(t.dropped).toBe(t.scheduled - t.sent);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.lost).toBe(0);
    expect(results.phases.map((p) => p.scheduled)).toEqual([1e12, 1e12]);
    expect(results.phases.map((p) => p.errors['DROPPED'])).toEqual(results.phases.map((p) => p.dropped));
  });

  it('an interrupt stops a run of 1e12 rps at once, with what was planned until then counted', async () => {
    const abort = new AbortController();
    let abortedAt = 0;
    // Aborted once the run has measured its first second (from the run's own clock: on a busy machine the workers
    // can take longer than a second to be ready, and an abort before the start measures nothing).
    const onSecond = (): void => {
      if (abortedAt) return;
      abortedAt = performance.now();
      abort.abort();
    };
    const { results, exitCode } = await runPlan(withPhases([open(1e12, 600)]), { outDir: tmp(), workers: 1, signal: abort.signal, onSecond });
    expect(abortedAt).toBeGreaterThan(0);
    // The run ends within the reply grace and its own stopping.
    expect(performance.now() - abortedAt).toBeLessThan(1500);
    expect(exitCode).toBe(3);
    expect(results.status).toBe('interrupted');
    const t = results.totals;
    // What was planned until the stop: 1e12 rps over the time the run measured (a second and the moment until
    // the abort, which a busy machine delivers late: 2.58 s in CI), within one second's rounding either way.
    const measured = results.measuredS ?? 0;
    expect(measured).toBeGreaterThanOrEqual(1);
    expect(measured).toBeLessThan(5);
    expect(t.scheduled).toBeGreaterThan(1e12 * measured * 0.5);
    expect(t.scheduled).toBeLessThan(1e12 * (measured + 0.5));
    expect(t.dropped).toBe(t.scheduled - t.sent);
  });

  it('a closed loop of 1e12 keeps max_in_flight outstanding and ends on time', async () => {
    const closed: PhasePlan = { name: 'closed', startS: 0, durationS: 1, load: { kind: 'closed', concurrency: 1e12 }, slo: null };
    const t0 = performance.now();
    const { results } = await runPlan(withPhases([closed]), { outDir: tmp(), workers: 1 });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(results.totals.sent).toBeGreaterThan(64);
    expect(results.totals.lost).toBe(0);
  });

  it('refuses 1e12 payloads before building any (exit 2)', async () => {
    const plan = { ...withPhases([open(10, 1)]), request: { ...base.request, payloads: 1e12 } };
    const t0 = performance.now();
    await expect(runPlan(plan, { outDir: tmp(), workers: 1 })).rejects.toSatisfy((e: unknown) => e instanceof GauntletError && e.code === 'GAUNTLET_ERR_INVALID_CONFIG' && /payloads/.test(e.message));
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('a run that breaks mid-way (a load worker dies) leaves results that say failed, with why, never valid', async () => {
    const dir = tmp();
    // A shape no worker knows: the first phase runs, the second kills its worker as it starts.
    const broken: PhasePlan = { ...open(10, 1, 2), load: { kind: 'open', shape: { type: 'no-such-shape' } as never, arrival: { type: 'constant' } } };
    await expect(runPlan(withPhases([open(20, 2), broken]), { outDir: dir, workers: 1 })).rejects.toThrow(/no-such-shape/);
    const written = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ResultsFile;
    expect(written.status).toBe('failed');
    expect(written.valid).toBe(false);
    expect(written.invalidReasons.at(-1)).toMatch(/^the run failed: .*no-such-shape/);
    expect(written.phases[0]!.sent).toBeGreaterThan(0);
  });
});
