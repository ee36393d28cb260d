/**
 * `gauntlet serve`'s autoscaler options: every value out of its range, a malformed --replicas range or policy,
 * and options that do not go together are each one problem naming its flag (exit 2 through the CLI); valid ones
 * become the cluster's autoscaler settings.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS } from '../../reference-server/core/listen.js';
import type { ServeArgs } from '../../src/cli/serve.js';
import { autoscaleSettings, parseReplicaRange, serveArgProblems } from '../../src/cli/serve-args.js';

const defaults: ServeArgs = {
  host: '127.0.0.1',
  httpPort: 0,
  grpcPort: 0,
  metricsPort: 0,
  maxBodyBytes: 64 << 20,
  maxJsonBodyBytes: 8 << 20,
  modelControlMode: 'none',
  admission: true,
  maxInflightRequests: 0,
  maxInflightBytes: 256 << 20,
  maxEventLoopDelayMs: 100,
  strictReadiness: true,
  gracePeriod: 1,
  replicas: '2..8',
  autoscale: 'concurrency',
  autoscaleTolerance: 0.1,
  autoscaleInterval: 1,
  scaleUpStabilization: 0,
  scaleDownStabilization: 300,
  scaleUpPolicy: '4pods/15s,100%/15s',
  scaleDownPolicy: '100%/15s',
  coldStartExtraMs: 0,
  router: 'least-outstanding',
  restartDelay: '5',
  adminPort: 0,
  healthIntervalMs: 500,
  ejectAfter: 3,
  attemptTimeoutMs: 10_000,
  maxRetries: 1,
  maxInflightPerReplica: 0,
  headersTimeoutMs: DEFAULT_TIMEOUTS.headersTimeoutMs,
  bodyTimeoutMs: DEFAULT_TIMEOUTS.bodyTimeoutMs,
  idleTimeoutMs: DEFAULT_TIMEOUTS.idleTimeoutMs,
  grpcReceiveTimeoutMs: DEFAULT_TIMEOUTS.grpcReceiveTimeoutMs,
};

describe('serve autoscaler arguments', () => {
  it('turns valid arguments into the HPA settings', () => {
    expect(serveArgProblems(defaults)).toEqual([]);
    expect(autoscaleSettings({ ...defaults, autoscaleTarget: 3, autoscaleInterval: 0.5 })).toEqual({
      metric: 'concurrency',
      min: 2,
      target: 3,
      tolerance: 0.1,
      intervalMs: 500,
      upStabilizationS: 0,
      downStabilizationS: 300,
      upPolicies: [{ kind: 'pods', value: 4, periodS: 15 }, { kind: 'percent', value: 100, periodS: 15 }],
      downPolicies: [{ kind: 'percent', value: 100, periodS: 15 }],
    });
    expect(serveArgProblems({ ...defaults, replicas: 3, autoscale: undefined })).toEqual([]);
  });

  it.each([
    [{ replicas: '0..4' }, '--replicas: must be an integer from 1 to 64, or MIN..MAX'],
    [{ replicas: '4..2' }, '--replicas: must be an integer from 1 to 64, or MIN..MAX'],
    [{ replicas: '1..65' }, '--replicas: must be an integer from 1 to 64, or MIN..MAX'],
    [{ replicas: 'x' }, '--replicas: must be an integer from 1 to 64, or MIN..MAX'],
    [{ replicas: '3' }, '--replicas: --autoscale needs a range MIN..MAX with MIN < MAX, got 3'],
    [{ autoscale: undefined }, '--replicas 2..8: a range needs --autoscale'],
    [{ autoscaleTarget: 0 }, '--autoscale-target: must be a number from 0.001 to 1000000, got 0'],
    [{ autoscaleTolerance: 1.5 }, '--autoscale-tolerance: must be a number from 0 to 1, got 1.5'],
    [{ autoscaleInterval: 0 }, '--autoscale-interval: must be a number from 0.1 to 300, got 0'],
    [{ scaleUpStabilization: -1 }, '--scale-up-stabilization: must be a number from 0 to 3600, got -1'],
    [{ scaleDownStabilization: 4000 }, '--scale-down-stabilization: must be a number from 0 to 3600, got 4000'],
    [{ coldStartExtraMs: 600_001 }, '--cold-start-extra-ms: must be an integer from 0 to 600000, got 600001'],
    [{ coldStartExtraMs: 1.5 }, '--cold-start-extra-ms: must be an integer from 0 to 600000, got 1.5'],
    [{ scaleUpPolicy: '4pods' }, "--scale-up-policy: must be pods or percent per period"],
    [{ scaleDownPolicy: '0%/15s' }, "--scale-down-policy: must be pods or percent per period"],
  ] as [Partial<ServeArgs>, string][])('%o: %s', (over, problem) => {
    const problems = serveArgProblems({ ...defaults, ...over });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('lists every problem at once', () => {
    expect(serveArgProblems({ ...defaults, replicas: '9..1', coldStartExtraMs: -5, scaleUpPolicy: 'x', autoscaleInterval: 1000 })).toHaveLength(4);
  });

  it.each([
    ['1', { min: 1, max: 1 }],
    ['2..8', { min: 2, max: 8 }],
    [' 3 .. 3 ', { min: 3, max: 3 }],
    ['64', { min: 64, max: 64 }],
  ])('parseReplicaRange(%j)', (text, want) => expect(parseReplicaRange(text)).toEqual(want));
});
