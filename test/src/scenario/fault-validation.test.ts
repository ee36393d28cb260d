/**
 * Fault validation: every broken fault entry is reported with its path, its line and an exact message, and the
 * valid forms of every action become typed fault plans.
 */
import { describe, expect, it } from 'vitest';
import { scenarioProblems } from '../../helpers/scenario-problems.js';
import { parseScenario } from '../../../src/scenario/parse-scenario.js';

const REQ = 'request: {model: mlp, inputs: [{name: input, datatype: FP32, shape: [1, 4]}]}\n';
const STACK = 'target: {embedded: true, replicas: 3}\n';
const PHASES = 'phases:\n  - {name: a, duration: 2m, rate: 5}\n';
/** A scenario whose faults start on line 6. */
const withFaults = (faults: string, target = STACK): string => `${REQ}${target}${PHASES}faults:\n${faults}`;

const problemsOf = scenarioProblems;

const ACTIONS = 'kill-replica, stop-replica, restore-replica, command, network, kubernetes, load-model, unload-model, set-version-policy';

const broken: [string, string, string[]][] = [
  ['an unknown action', withFaults('  - {at: 10s, action: kill}\n'), [`bad.yaml:6: faults[0].action: must be one of ${ACTIONS}, got "kill"`]],
  ['no action', withFaults('  - {at: 10s, replica: r1}\n'), [`bad.yaml:6: faults[0].action: is required (one of ${ACTIONS})`]],
  ['a command without run', withFaults('  - {at: 10s, action: command}\n'), ['bad.yaml:6: faults[0].run: is required']],
  ['a command timeout of 0', withFaults('  - {at: 10s, action: command, run: "true", timeout: 0s}\n'), ['bad.yaml:6: faults[0].timeout: must be > 0, got "0s"']],
  ['a negative latency', withFaults('  - {at: 10s, duration: 5s, action: network, latency_ms: -5}\n'), ['bad.yaml:6: faults[0].latency_ms: must be >= 0, got -5']],
  ['jitter above latency', withFaults('  - {at: 10s, duration: 5s, action: network, latency_ms: 50, jitter_ms: 80}\n'), ['bad.yaml:6: faults[0].jitter_ms: must be <= latency_ms (50), got 80']],
  ['a network fault without duration', withFaults('  - {at: 10s, action: network, latency_ms: 50}\n'), ['bad.yaml:6: faults[0].duration: is required for network faults (how long the fault lasts)']],
  [
    'a misspelt parameter',
    withFaults('  - {at: 10s, duration: 5s, action: network, latency: 50, jiter_ms: 5}\n'),
    [
      'bad.yaml:6: faults[0].latency: unknown field (allowed: at, duration, action, latency_ms, jitter_ms)',
      'bad.yaml:6: faults[0].jiter_ms: unknown field (did you mean jitter_ms?)',
      'bad.yaml:6: faults[0].latency_ms: is required',
    ],
  ],
  ['a parameter of another action', withFaults('  - {at: 10s, action: kill-replica, run: "kubectl delete pod x"}\n'), ['bad.yaml:6: faults[0].run: is a parameter of command faults, not of kill-replica']],
  ['a replica number', withFaults('  - {at: 10s, action: kill-replica, replica: 1}\n'), ['bad.yaml:6: faults[0].replica: must be any or a replica id like r1, got 1']],
  ['a replica the stack does not have', withFaults('  - {at: 10s, action: stop-replica, replica: r3}\n'), ['bad.yaml:6: faults[0].replica: there is no replica r3 (the stack has r0 to r2)']],
  ['a restore with a duration', withFaults('  - {at: 10s, duration: 5s, action: restore-replica}\n'), ['bad.yaml:6: faults[0].duration: restore-replica is instantaneous and takes no duration']],
  ['a fault that ends after the run', withFaults('  - {at: 1m50s, duration: 20s, action: network, latency_ms: 5}\n'), ['bad.yaml:6: faults[0].duration: ends after the run (at 1m50s + 20s > 2m)']],
  ['a fault at the run end', withFaults('  - {at: 2m, action: restore-replica}\n'), ['bad.yaml:6: faults[0].at: is not before the run ends (2m), got "2m"']],
  [
    'overlapping network faults',
    withFaults('  - {at: 10s, duration: 20s, action: network, latency_ms: 5}\n  - {at: 25s, duration: 5s, action: network, latency_ms: 50}\n'),
    ['bad.yaml:7: faults[1].at: overlaps the network fault faults[0] (10s to 30s); network faults cannot overlap'],
  ],
  [
    'a replica fault against an external target',
    withFaults('  - {at: 10s, action: kill-replica}\n  - {at: 20s, action: command, run: "kubectl delete pod -l app=model --wait=false", timeout: 30s}\n', 'target: {name: prod, protocol: kserve-http, url: "http://10.0.0.1:8000"}\n'),
    [
      'bad.yaml:6: faults[0].action: kill-replica needs the embedded stack\'s admin API, but the target is external (prod): against an external stack only command, network and kubernetes faults apply (e.g. {action: kubernetes, op: delete-pod, selector: app=server})',
    ],
  ],
  [
    'a replica fault against the single embedded server',
    withFaults('  - {at: 10s, action: restore-replica}\n', ''),
    ['bad.yaml:5: faults[0].action: restore-replica needs a replicated embedded stack: write target: {embedded: true, replicas: 3}'],
  ],
  [
    'a fault that is not a mapping, and one with a bad time',
    withFaults('  - kill-replica\n  - {at: soon, action: kill-replica}\n'),
    ['bad.yaml:6: faults[0]: must be a mapping, got "kill-replica"', 'bad.yaml:7: faults[1].at: must be a duration like 500ms, 10s, 2m, 1h, 1m30s or a number of seconds, got "soon"'],
  ],
  [
    'drill settings',
    `${REQ}${STACK}${PHASES}drill: {recovery_window: 0, compare_window: 2.5s, window: 3s, require_graceful: yes}\n`,
    [
      'bad.yaml:5: drill.window: unknown field (allowed: recovery_window, compare_window, require_graceful)',
      'bad.yaml:5: drill.recovery_window: must be >= 1, got 0',
      'bad.yaml:5: drill.compare_window: must be whole seconds (results are kept per second), got "2.5s"',
      'bad.yaml:5: drill.require_graceful: must be true or false, got "yes"',
    ],
  ],
  [
    'an embedded stack',
    `${REQ}target: {embedded: true, replicas: 0, router: random, restart_delay: soon}\n${PHASES}`,
    [
      'bad.yaml:2: target.replicas: must be >= 1, got 0',
      'bad.yaml:2: target.router: must be one of least-outstanding, round-robin, latency-ewma, got "random"',
      'bad.yaml:2: target.restart_delay: must be a duration like 5s, 0 (at once) or never, got "soon"',
    ],
  ],
  [
    'router settings without replicas',
    `${REQ}target: {embedded: true, router: round-robin, restart_delay: 5s}\n${PHASES}`,
    ['bad.yaml:2: target.router: is only for a replicated stack: add replicas (e.g. replicas: 3) or autoscale', 'bad.yaml:2: target.restart_delay: is only for a replicated stack: add replicas (e.g. replicas: 3) or autoscale'],
  ],
];

describe('broken faults report every problem with its path', () => {
  it.each(broken)('%s', (_, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });
});

describe('valid faults', () => {
  it('become typed plans, scaled by --duration-scale (command timeouts are not)', () => {
    const text = withFaults(
      [
        '  - {at: 40s, action: kill-replica, replica: any}',
        '  - {at: 50s, duration: 10s, action: stop-replica, replica: r2}',
        '  - {at: 70s, action: restore-replica}',
        '  - {at: 90s, action: command, run: "kubectl delete pod -l app=model --wait=false", timeout: 30s}',
        '  - {at: 100s, duration: 20s, action: network, latency_ms: 50, jitter_ms: 10}',
        '',
      ].join('\n'),
      'target: {embedded: true, replicas: 3, router: round-robin, restart_delay: never}\n',
    ).concat('drill: {recovery_window: 5s}\n');
    const plan = parseScenario(text, { baseDir: '.', durationScale: 0.5 });
    expect(plan.target).toMatchObject({ embedded: true, replicas: 3, router: 'round-robin', restartDelayS: 'never' });
    expect(plan.faults).toEqual([
      { atS: 20, action: 'kill-replica', params: { replica: 'any' } },
      { atS: 25, durationS: 5, action: 'stop-replica', params: { replica: 'r2' } },
      { atS: 35, action: 'restore-replica', params: { replica: 'any' } },
      { atS: 45, action: 'command', params: { run: 'kubectl delete pod -l app=model --wait=false', timeoutS: 30 } },
      { atS: 50, durationS: 10, action: 'network', params: { latencyMs: 50, jitterMs: 10 } },
    ]);
    // The drill windows scale like every other duration (to whole seconds): 5 s and the default 10 s, halved.
    expect(plan.drill).toEqual({ recoveryWindowS: 3, compareWindowS: 5 });
  });

  it.each([
    // [scale, drill: as written, windows in the plan]
    [0.25, '', { recoveryWindowS: 1, compareWindowS: 3 }],
    [0.25, 'drill: {recovery_window: 3s, compare_window: 10s}\n', { recoveryWindowS: 1, compareWindowS: 3 }],
    [0.1, 'drill: {recovery_window: 20s, compare_window: 1m}\n', { recoveryWindowS: 2, compareWindowS: 6 }],
    [0.001, 'drill: {recovery_window: 3s}\n', { recoveryWindowS: 1, compareWindowS: 1 }],
    [2, '', { recoveryWindowS: 6, compareWindowS: 20 }],
    [1, 'drill: {compare_window: 20s}\n', { recoveryWindowS: 3, compareWindowS: 20 }],
    [1, 'drill: {require_graceful: true}\n', { recoveryWindowS: 3, compareWindowS: 10, requireGraceful: true }],
    [1, 'drill: {require_graceful: false}\n', { recoveryWindowS: 3, compareWindowS: 10 }],
  ])('drill windows at --duration-scale %s (%s) are scaled to whole seconds, at least 1 s', (scale, drill, expected) => {
    const text = withFaults('  - {at: 40s, action: kill-replica}\n', 'target: {embedded: true, replicas: 3}\n').concat(drill);
    expect(parseScenario(text, { baseDir: '.', durationScale: scale }).drill).toEqual(expected);
  });

  it('command and network faults work against external targets', () => {
    const text = withFaults(
      '  - {at: 10s, action: command, run: "kubectl delete pod -l app=model --wait=false"}\n  - {at: 30s, duration: 20s, action: network, latency_ms: 50}\n',
      'target: {name: prod, protocol: kserve-grpc, url: "10.0.0.1:8001"}\n',
    );
    const plan = parseScenario(text, { baseDir: '.' });
    expect(plan.faults.map((f) => f.action)).toEqual(['command', 'network']);
    expect(plan.faults[0]!.params).toEqual({ run: 'kubectl delete pod -l app=model --wait=false', timeoutS: 60 });
    expect(plan.drill).toBeUndefined();
  });
});
