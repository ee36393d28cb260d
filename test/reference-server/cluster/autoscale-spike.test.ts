/**
 * The autoscaler end to end on real replicas over loopback: a step of closed-loop load makes it scale up, and
 * the measured lag from the step to the new replicas being ready equals their cold start (spawn, load, warm up,
 * plus --cold-start-extra-ms) plus the scale-up stabilisation window plus the decision delay, within 1 s, at two
 * extra delays; once the load ends it drains back to the minimum. Metrics and the admin API show the events.
 */
import http from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScaleEvent } from '../../../reference-server/cluster/autoscaler.js';
import { startCluster } from '../../../reference-server/cluster/cluster.js';
import { httpRequest, inferBody, inputRows, json, waitUntil } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';
import { adminCall, metricSum } from './cluster-helpers.js';

const repo = makeRepository({ slow: tinyMlpConfig('slow', { max_batch_size: 1, artificial_delay_us: 100_000, dynamic_batching: { default_queue_policy: { max_queue_size: 64 } } }) });
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const INTERVAL_MS = 500;
const UP_WINDOW_S = 1;

/** closedLoop keeps `n` requests in flight until stopped (bounded by maxMs) and counts the answers by status. */
function closedLoop(port: number, n: number, maxMs: number): { stop(): Promise<Record<string, number>> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const body = Buffer.from(JSON.stringify(inferBody(inputRows(1))));
  const statuses: Record<string, number> = {};
  const until = performance.now() + maxMs;
  let stopped = false;
  const workers = Array.from({ length: n }, async () => {
    while (!stopped && performance.now() < until) {
      const r = await httpRequest(port, { path: '/v2/models/slow/infer', body, agent, headers: { 'content-type': 'application/json' } }).catch((e: Error) => ({ status: e.message }));
      statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
      return statuses;
    },
  };
}

describe('autoscaler on a step of load', () => {
  it.each([1000, 3000])('scales up with a lag of cold start + stabilisation + decision delay (extra %i ms), then back down', async (extraMs) => {
    const cluster = await startCluster({
      modelRepository: repo,
      replicas: 3,
      autoscale: { metric: 'concurrency', min: 1, target: 2, tolerance: 0.1, intervalMs: INTERVAL_MS, upStabilizationS: UP_WINDOW_S, downStabilizationS: 1, upPolicies: [{ kind: 'pods', value: 10, periodS: 1 }], downPolicies: [{ kind: 'percent', value: 100, periodS: 1 }] },
      coldStartExtraMs: extraMs,
      coresPerReplica: 1,
      httpPort: 0,
      grpcPort: 0,
      metricsPort: 0,
      adminPort: 0,
      restartDelayMs: null,
      replicaGraceMs: 2000,
    });
    try {
      expect(cluster.supervisor.replicas.map((r) => r.state)).toEqual(['ready', 'stopped', 'stopped']);
      // The step comes after two decisions at rest, so that the window holds low recommendations, as in a long run.
      await waitUntil(() => cluster.autoscaler!.decisions >= 2, 'two decisions at rest', 10_000);
      const spikeMs = Date.now();
      const load = closedLoop(cluster.httpPort, 6, 60_000);
      let up: ScaleEvent | undefined;
      try {
        await waitUntil(() => (up = cluster.autoscaler!.events.find((e) => e.direction === 'up' && e.readyAtMs !== null)) !== undefined, 'a scale-up whose replicas are ready', 40_000);
      } finally {
        await load.stop();
      }
      const cold = Math.max(...up!.replicas.map((id) => cluster.supervisor.get(id).coldStart!.totalMs));
      expect(cold).toBeGreaterThanOrEqual(extraMs);
      const lagMs = up!.readyAtMs! - spikeMs;
      console.log(`extra ${extraMs} ms: lag ${lagMs} ms, cold start ${cold} ms, decided after ${up!.atMs - spikeMs} ms, ${up!.from} -> ${up!.to}`);
      // The first decision to see the step comes up to an interval after it; the window then needs (window − interval) more.
      const expectedMs = cold + UP_WINDOW_S * 1000;
      expect(Math.abs(lagMs - expectedMs), `lag ${lagMs} ms, expected ${expectedMs} ms (cold start ${cold} ms)`).toBeLessThanOrEqual(1000);
      expect(up!.from).toBe(1);
      expect(up!.to).toBeGreaterThanOrEqual(2);
      expect(up!.reason.metric).toBe('concurrency');
      expect(up!.reason.value).toBeGreaterThan(2);

      await waitUntil(() => cluster.autoscaler!.events.some((e) => e.direction === 'down' && e.to === 1 && e.readyAtMs !== null), 'a scale-down to 1 replica, drained', 30_000);
      expect(cluster.supervisor.ready().length).toBe(1);
      const view = json<{ events: ScaleEvent[]; settings: { metric: string } }>(await adminCall(cluster, 'GET', '/admin/autoscaler'));
      expect(view.settings.metric).toBe('concurrency');
      expect(view.events.map((e) => e.direction)).toContain('down');
      expect(await metricSum(cluster.metricsPort, 'gauntlet_autoscaler_scale_events_total', { direction: 'up' })).toBeGreaterThanOrEqual(1);
      expect(await metricSum(cluster.metricsPort, 'gauntlet_autoscaler_desired_replicas')).toBe(1);
    } finally {
      await cluster.close(0);
    }
  }, 90_000);
});
