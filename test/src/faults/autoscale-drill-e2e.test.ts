/**
 * The spike drill end to end at a duration scale: `scenarios/autoscale-spike-leading.yaml` against the embedded
 * autoscaled stack (real replicas, real cold starts plus the scenario's extra; its concurrency target lowered to 0.5,
 * below what 400 rps keeps in flight on any machine): the step to 5x makes the
 * autoscaler scale up, gauntlet reads its events from the stack's admin API into results.json `scaleEvents[]` on
 * the run's clock, and the spike analysis measures the step, the decision and what the lag cost.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../../src/results/results-schema.js';
import type { EmbeddedTarget } from '../../../src/scenario/plan.js';
import { runPlan } from '../../../src/run/run.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

describe('the spike drill', () => {
  it('records the scale-up after the step and the lag analysis in results.json', async () => {
    const file = path.resolve('scenarios/autoscale-spike-leading.yaml');
    // 0.4: warm-up 2 s, steady 6 s, the 5x step at 8 s for 10 s, then 4 s (the extra cold start is not scaled).
    const plan = parseScenario(readFileSync(file, 'utf8'), { file, baseDir: path.dirname(file), durationScale: 0.4 });
    // The scenario's target of 4 in flight per replica is reached at 400 rps only when replies take 10 ms or more:
    // on an idle machine the mlp answers in about 2.5 ms (1 in flight), and its 10 s step passed with no scale-up
    // (CI, 2026-12-06). Half a request in flight per replica is above that at 400 rps on any machine.
    const target = plan.target as EmbeddedTarget;
    target.autoscale = { ...target.autoscale!, target: 0.5 };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-spike-'));
    const { results } = await runPlan(plan, { outDir: dir, workers: 1, onLine: () => {} });
    const written = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ResultsFile;
    expect(written.scaleEvents).toEqual(results.scaleEvents);
    const up = results.scaleEvents?.find((e) => e.direction === 'up');
    expect(up, JSON.stringify(results.scaleEvents)).toBeDefined();
    expect(up!.reason.metric).toBe('concurrency');
    expect(up!.reason.value).toBeGreaterThan(up!.reason.target);
    expect(up!.to).toBeGreaterThan(up!.from);
    expect(results.spikes).toHaveLength(1);
    const spike = results.spikes![0]!;
    expect(spike).toMatchObject({ phase: 'spike', spikeAtS: 8 });
    expect(spike.replicasBefore).toBeGreaterThanOrEqual(1); // a machine busy at 1x may have scaled before the step
    expect(spike.sent).toBeGreaterThan(0);
    expect(spike.shed + spike.timedOut + spike.otherFailed).toBeLessThanOrEqual(spike.sent);
    // A scale-up that became ready is at least the extra cold start after its decision.
    for (const e of results.scaleEvents!.filter((x) => x.direction === 'up' && x.readyAfterS !== null)) expect(e.readyAfterS!).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
