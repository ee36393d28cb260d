/**
 * The embedded stack's autoscaler in a scenario: valid fields become the plan's settings and the stack's serve
 * options; every bad field is one problem with its path and line, all at once.
 */
import { describe, expect, it } from 'vitest';
import { scenarioProblems } from '../../helpers/scenario-problems.js';
import { autoscaleArgs } from '../../../src/scenario/parse-autoscale.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

const REQ = 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\n';
const PHASES = 'phases:\n  - {name: a, duration: 1m, rate: 5}\n';

const problemsOf = scenarioProblems;

describe('target.autoscale', () => {
  it('reads the settings and turns them into serve options', () => {
    const target = 'target:\n  embedded: true\n  cold_start_extra: 5s\n  autoscale: {metric: concurrency, min: 1, max: 5, target: 2, interval: 500ms, scale_up_stabilization: 2s, scale_down_stabilization: 10s, scale_up_policy: "4pods/15s,100%/15s", scale_down_policy: 50%/10s, tolerance: 0.2}\n';
    const plan = parseScenario(`${REQ}${target}${PHASES}`, { baseDir: '.' });
    const t = plan.target as { autoscale: Parameters<typeof autoscaleArgs>[0]; coldStartExtraS: number };
    expect(t.autoscale).toEqual({ metric: 'concurrency', min: 1, max: 5, target: 2, tolerance: 0.2, intervalS: 0.5, upStabilizationS: 2, downStabilizationS: 10, upPolicy: '4pods/15s,100%/15s', downPolicy: '50%/10s' });
    expect(t.coldStartExtraS).toBe(5);
    expect(autoscaleArgs(t.autoscale, t.coldStartExtraS)).toEqual([
      '--replicas', '1..5', '--autoscale', 'concurrency', '--autoscale-target', '2', '--autoscale-tolerance', '0.2', '--autoscale-interval', '0.5',
      '--scale-up-stabilization', '2', '--scale-down-stabilization', '10', '--scale-up-policy', '4pods/15s,100%/15s', '--scale-down-policy', '50%/10s', '--cold-start-extra-ms', '5000',
    ]);
  });

  it('lists every bad field with its path and line', () => {
    const target = 'target:\n  embedded: true\n  replicas: 3\n  cold_start_extra: 11m\n  autoscale: {metric: cpu, min: 4, max: 2, target: 0, tolerance: 2, interval: 0s, scale_up_stabilization: 2h, scale_up_policy: 4pods, speed: 1}\n';
    expect(problemsOf(`${REQ}${target}${PHASES}`)).toEqual([
      'bad.yaml:4: target.replicas: and autoscale cannot both be given: autoscale has its min and max',
      'bad.yaml:5: target.cold_start_extra: must be <= 600, got "11m"',
      'bad.yaml:6: target.autoscale.speed: unknown field (allowed: metric, min, max, target, tolerance, interval, scale_up_stabilization, scale_down_stabilization, scale_up_policy, scale_down_policy)',
      'bad.yaml:6: target.autoscale.metric: must be one of queue-depth, concurrency, utilization, got "cpu"',
      'bad.yaml:6: target.autoscale.max: must be above min (4), got 2',
      'bad.yaml:6: target.autoscale.target: must be >= 0.001, got 0',
      'bad.yaml:6: target.autoscale.tolerance: must be <= 1, got 2',
      'bad.yaml:6: target.autoscale.interval: must be >= 0.1, got "0s"',
      'bad.yaml:6: target.autoscale.scale_up_stabilization: must be <= 3600, got "2h"',
      'bad.yaml:6: target.autoscale.scale_up_policy: must be pods or percent per period, e.g. 4pods/15s or 100%/15s (comma-separated for several), got "4pods"',
    ]);
  });

  it('needs the metric, min and max', () => {
    expect(problemsOf(`${REQ}target: {embedded: true, autoscale: {}}\n${PHASES}`)).toEqual([
      'bad.yaml:2: target.autoscale.metric: is required (one of queue-depth, concurrency, utilization)',
      'bad.yaml:2: target.autoscale.min: is required',
      'bad.yaml:2: target.autoscale.max: is required',
    ]);
  });
});
