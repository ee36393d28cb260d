/**
 * Validation of the model repository faults (load-model, unload-model, set-version-policy): each broken entry is
 * reported with its path, line and message; the valid forms become typed plans.
 */
import { describe, expect, it } from 'vitest';
import { scenarioProblems } from '../../helpers/scenario-problems.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

const REQ = 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\n';
const PHASES = 'phases:\n  - {name: a, duration: 2m, rate: 5}\n';
const withFaults = (faults: string, target = 'target: {embedded: true}\n'): string => `${REQ}${target}${PHASES}faults:\n${faults}`;

const problemsOf = scenarioProblems;

describe('repository fault validation', () => {
  it.each([
    ['a load without model', '  - {at: 10s, action: load-model}\n', ['bad.yaml:6: faults[0].model: is required']],
    ['a model name with a slash', '  - {at: 10s, action: unload-model, model: "../x"}\n', ['bad.yaml:6: faults[0].model: must be a model name (letters, digits, \'_\', \'.\', \'-\'), got "../x"']],
    ['version 0', '  - {at: 10s, action: load-model, model: m, version: 0}\n', ['bad.yaml:6: faults[0].version: must be >= 1, got 0']],
    ['a policy with two kinds', '  - {at: 10s, action: set-version-policy, model: m, policy: {latest: 1, specific: [1]}}\n', ['bad.yaml:6: faults[0].policy: must have exactly one of latest, specific (or be all), got a mapping']],
    ['an empty specific list', '  - {at: 10s, action: set-version-policy, model: m, policy: {specific: []}}\n', ['bad.yaml:6: faults[0].policy.specific: must name at least one version']],
    ['a version that is no number', '  - {at: 10s, action: set-version-policy, model: m, policy: {specific: [1, two]}}\n', ['bad.yaml:6: faults[0].policy.specific[1]: must be a version number (a whole number from 1), got "two"']],
    ['a guard without a limit', '  - {at: 10s, action: load-model, model: m, guard: {window: 2s}}\n', ['bad.yaml:6: faults[0].guard.p99_ms: a guard needs p99_ms or error_rate (what counts as a breach)']],
    ['a guard error rate above 1', '  - {at: 10s, action: load-model, model: m, guard: {error_rate: 2}}\n', ['bad.yaml:6: faults[0].guard.error_rate: must be <= 1, got 2']],
    ['a guard on an unload', '  - {at: 10s, action: unload-model, model: m, guard: {p99_ms: 5}}\n', ['bad.yaml:6: faults[0].guard: is a parameter of load-model faults, not of unload-model']],
    ['a duration on a load', '  - {at: 10s, duration: 5s, action: load-model, model: m}\n', ['bad.yaml:6: faults[0].duration: load-model is instantaneous and takes no duration']],
  ])('%s', (_, faults, expected) => {
    expect(problemsOf(withFaults(faults))).toEqual(expected);
  });

  it('refuses repository faults against the replicated embedded stack', () => {
    expect(problemsOf(withFaults('  - {at: 10s, action: unload-model, model: m}\n', 'target: {embedded: true, replicas: 3}\n'))).toEqual([
      'bad.yaml:6: faults[0].action: unload-model needs explicit model control, which the embedded stack has with one replica only: write target: {embedded: true} (or give url: of a server)',
    ]);
  });

  it('reads a guarded load and a policy change into plans', () => {
    const plan = parseScenario(withFaults('  - {at: 10s, action: load-model, model: m, version: 2, config: {artificial_delay_us: 5}, guard: {p99_ms: 100}}\n  - {at: 20s, action: set-version-policy, model: m, policy: all}\n'), { file: 'ok.yaml', baseDir: '.' });
    expect(plan.faults.map((f) => f.params)).toEqual([
      { model: 'm', timeoutS: 120, version: 2, config: { artificial_delay_us: 5 }, guard: { p99Ms: 100, windowS: 2, forS: 30, detectWithinS: 10, rollbackOnBreach: true } },
      { model: 'm', timeoutS: 120, policy: { all: {} } },
    ]);
  });

  it.each([
    [0.5, { p99Ms: 100, windowS: 2, forS: 10, detectWithinS: 4, rollbackOnBreach: true }],
    [0.1, { p99Ms: 100, windowS: 1, forS: 2, detectWithinS: 0.8, rollbackOnBreach: true }],
    [2, { p99Ms: 100, windowS: 6, forS: 40, detectWithinS: 16, rollbackOnBreach: true }],
  ])('scales a guard\'s window, for and detect_within by --duration-scale %s', (durationScale, guard) => {
    const plan = parseScenario(withFaults('  - {at: 10s, action: load-model, model: m, guard: {p99_ms: 100, window: 3s, for: 20s, detect_within: 8s}}\n'), { file: 'ok.yaml', baseDir: '.', durationScale });
    expect(plan.faults[0]!.params).toMatchObject({ guard });
  });
});
