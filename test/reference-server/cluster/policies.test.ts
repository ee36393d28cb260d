/**
 * The balancing policies over real replicas, one of them slow (GAUNTLET_REPLICA_DELAY_US on r1 only):
 * round-robin splits evenly regardless, least-outstanding and latency-ewma send most requests to the fast one.
 * One supervisor serves a router per policy.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer, type PolicyName } from '../../../reference-server/cluster/balancer.js';
import { HealthChecker } from '../../../reference-server/cluster/health.js';
import { DELAY_ENV } from '../../../reference-server/cluster/replica-options.js';
import { RetryBudget } from '../../../reference-server/cluster/retry-budget.js';
import { startHttpRouter } from '../../../reference-server/cluster/router-http.js';
import { RouterMetrics } from '../../../reference-server/cluster/router-metrics.js';
import { Routing } from '../../../reference-server/cluster/routing.js';
import { Supervisor } from '../../../reference-server/cluster/supervisor.js';
import { httpRequest, inferBody, inputRows } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

/** closedLoop sends `total` requests from `concurrency` loops and counts which replica answered each. */
async function closedLoop(port: number, total: number, concurrency: number): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = Buffer.from(JSON.stringify(inferBody(inputRows(1))));
  const by: Record<string, number> = {};
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next++ < total) {
      const r = await httpRequest(port, { path: '/v2/models/tiny/infer', body, agent, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(200);
      const id = String(r.headers['x-gauntlet-replica']);
      by[id] = (by[id] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();
  return by;
}

describe('balancing policies with one slow replica', () => {
  let repo: string;
  let supervisor: Supervisor;

  beforeAll(async () => {
    repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
    supervisor = new Supervisor({
      replicas: 2,
      replica: { modelRepository: repo, cores: 1, gracePeriodMs: 1000 },
      restartDelayMs: null,
      env: (id) => (id === 'r1' ? { [DELAY_ENV]: '40000' } : undefined), // r1: 40 ms per execution
    });
    await supervisor.start();
  });

  afterAll(async () => {
    await supervisor?.close(1000);
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it.each<[PolicyName, (share: number) => void]>([
    ['round-robin', (share) => expect(share).toBe(0.5)],
    ['least-outstanding', (share) => expect(share).toBeGreaterThan(0.75)],
    ['latency-ewma', (share) => expect(share).toBeGreaterThan(0.85)],
  ])('%s', async (policy, check) => {
    const metrics = new RouterMetrics(supervisor);
    const routing = new Routing(supervisor, createBalancer(policy), new RetryBudget(), new HealthChecker(supervisor, { intervalMs: 1000, ejectAfter: 3 }), metrics, {
      maxRetries: 1,
      attemptTimeoutMs: 10_000,
    });
    const router = await startHttpRouter(routing, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 });
    try {
      const by = await closedLoop(router.port, 120, 4);
      check((by['r0'] ?? 0) / 120);
      expect(supervisor.replicas.map((r) => r.inFlight)).toEqual([0, 0]);
    } finally {
      await router.close(1000);
      metrics.close();
    }
  });
});
