/**
 * The limit and shedding options of `gauntlet serve`: every value outside its range is a problem listed with
 * its flag (exit code 2 through the CLI), and the values reach the server.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS } from '../../reference-server/core/listen.js';
import { type ServeArgs, startServe } from '../../src/cli/serve.js';
import { GauntletError } from '../../src/errors.js';
import { httpRequest, inferBody, inputRows } from '../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../helpers/test-repo.js';

const repo = makeRepository({ hold: tinyMlpConfig('hold', { artificial_delay_us: 300_000, max_batch_size: 1 }) });
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function args(over: Partial<ServeArgs> = {}): ServeArgs {
  return {
    modelRepository: repo,
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
    replicas: 1,
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
    autoscaleTolerance: 0.1,
    autoscaleInterval: 1,
    scaleUpStabilization: 0,
    scaleDownStabilization: 300,
    scaleUpPolicy: '4pods/15s,100%/15s',
    scaleDownPolicy: '100%/15s',
    coldStartExtraMs: 0,
    ...over,
  };
}

describe('gauntlet serve limits', () => {
  it('refuses explicit model control with replicas, and a --load-model * beside other names', async () => {
    const err = await startServe(args({ modelControlMode: 'explicit', replicas: 2, loadModel: ['*', 'hold'] }), () => {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    expect((err as GauntletError).details).toEqual([
      '--model-control-mode explicit: works with the single server only (--replicas 1); each replica loads its models at start-up',
      "--load-model '*': must be the only --load-model",
    ]);
  });

  it('lists every limit outside its range with its flag', async () => {
    const err = await startServe(
      args({ maxJsonBodyBytes: 10, maxInflightRequests: -1, maxInflightBytes: 1.5, maxEventLoopDelayMs: 1e9, maxInflightPerReplica: Number.NaN, maxBodyBytes: 1e12 }),
      () => {},
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GauntletError);
    expect((err as GauntletError).code).toBe('GAUNTLET_ERR_INVALID_ARGUMENT');
    expect((err as GauntletError).details).toEqual([
      '--max-body-bytes: must be an integer from 1024 to 2147483647, got 1000000000000',
      '--max-json-body-bytes: must be an integer from 1024 to 2147483647, got 10',
      '--max-inflight-requests: must be an integer from 0 to 1000000, got -1',
      '--max-inflight-bytes: must be an integer from 0 to 9007199254740991, got 1.5',
      '--max-event-loop-delay-ms: must be an integer from 0 to 60000, got 1000000000',
      '--max-inflight-per-replica: must be an integer from 0 to 1000000, got NaN',
    ]);
  });

  it('gives every other numeric option a range too: the replica options, the grace period and the restart delay', async () => {
    // Before, these took any number: an --attempt-timeout-ms past 2^31 ms fires Node's timer at once (every
    // attempt timed out), a --grace-period of 1e12 s never ends a drain.
    const err = await startServe(
      args({ gracePeriod: 1e12, healthIntervalMs: 1e12, ejectAfter: 1e12, attemptTimeoutMs: 1e12, maxRetries: 1e12, restartDelay: '1e12', adminPort: 70_000, httpPort: -1 }),
      () => {},
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as GauntletError).details).toEqual([
      '--http-port: must be an integer from 0 to 65535, got -1',
      '--grace-period: must be a number from 0 to 3600, got 1000000000000',
      '--admin-port: must be an integer from 0 to 65535, got 70000',
      '--health-interval-ms: must be an integer from 10 to 60000, got 1000000000000',
      '--eject-after: must be an integer from 1 to 100, got 1000000000000',
      '--attempt-timeout-ms: must be an integer from 1 to 3600000, got 1000000000000',
      '--max-retries: must be an integer from 0 to 10, got 1000000000000',
      "--restart-delay: must be seconds from 0 to 3600 or 'never', got '1e12'",
    ]);
  });

  it.each([
    ['--max-inflight-requests 1', { maxInflightRequests: 1 }, [200, 503, 503]],
    ['--no-admission', { maxInflightRequests: 1, admission: false }, [200, 200, 200]],
  ])('passes %s to the server', async (_label, over, statuses) => {
    const lines: string[] = [];
    const served = await startServe(args(over), (l) => lines.push(l));
    try {
      const port = Number(/HTTPService at 127\.0\.0\.1:(\d+)/.exec(lines.join('\n'))?.[1]);
      const replies = await Promise.all([1, 2, 3].map((s) => httpRequest(port, { path: '/v2/models/hold/infer', body: inferBody(inputRows(s)) })));
      expect(replies.map((r) => r.status).sort()).toEqual(statuses);
    } finally {
      await served.close(1000);
    }
  });
});
