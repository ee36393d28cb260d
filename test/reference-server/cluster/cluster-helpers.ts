/**
 * Helpers for the cluster tests: admin API calls, summed metric samples, a paced open-loop HTTP load that
 * records one outcome per request sent, and a wait for every replica to be ready again.
 */
import http from 'node:http';
import type { RunningCluster } from '../../../reference-server/cluster/cluster.js';
import type { ReplicaInfo } from '../../../reference-server/cluster/supervisor.js';
import { httpRequest, type HttpReply, json, waitUntil } from '../../helpers/reference-client.js';

/** adminCall sends an admin request with the cluster's token (or `token`: null sends none). */
export function adminCall(cluster: Pick<RunningCluster, 'adminPort' | 'adminToken'>, method: string, path: string, token: string | null = cluster.adminToken): Promise<HttpReply> {
  return httpRequest(cluster.adminPort, { method, path, headers: token === null ? {} : { authorization: `Bearer ${token}` }, timeoutMs: 60_000 });
}

/** replicaList reads GET /admin/replicas. */
export async function replicaList(cluster: Pick<RunningCluster, 'adminPort' | 'adminToken'>): Promise<ReplicaInfo[]> {
  const reply = await adminCall(cluster, 'GET', '/admin/replicas');
  if (reply.status !== 200) throw new Error(`GET /admin/replicas: ${reply.status} ${reply.body.toString()}`);
  return json<{ replicas: ReplicaInfo[] }>(reply).replicas;
}

/** metricSum scrapes /metrics and sums every sample of `name` whose labels include `labels`. */
export async function metricSum(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await httpRequest(port, { path: '/metrics' })).body.toString('utf8');
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** allReady waits until every replica of the cluster is ready. */
export function allReady(cluster: RunningCluster, timeoutMs = 30_000): Promise<void> {
  return waitUntil(() => cluster.supervisor.replicas.every((r) => r.state === 'ready'), 'every replica is ready', timeoutMs);
}

/** OpenLoop is a running paced load: `stop` ends sending and resolves once every request has its outcome. */
export interface OpenLoop {
  sent(): number;
  /** Outcomes so far: the HTTP status, or the error's message when no response came. */
  outcomes: (number | string)[];
  /** Which replica answered each 200, by the x-gauntlet-replica header. */
  answeredBy: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * openLoop POSTs `body` to `path` at `rps` requests per second on schedule, whether or not earlier ones have
 * answered (open loop), until stopped or `maxMs` passes.
 */
export function openLoop(port: number, path: string, body: object, rps: number, maxMs: number): OpenLoop {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const payload = Buffer.from(JSON.stringify(body));
  const outcomes: (number | string)[] = [];
  const answeredBy: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  let sent = 0;
  let stopped = false;
  const start = performance.now();
  const pace = (async () => {
    while (!stopped && performance.now() - start < maxMs) {
      const due = start + (sent * 1000) / rps;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait)); // pacing the sends, not waiting for a state
      sent++;
      pending.push(
        httpRequest(port, { path, body: payload, agent, headers: { 'content-type': 'application/json' } }).then(
          (r) => {
            outcomes.push(r.status);
            const by = String(r.headers['x-gauntlet-replica']);
            if (r.status === 200) answeredBy[by] = (answeredBy[by] ?? 0) + 1;
          },
          (e: Error) => {
            outcomes.push(e.message);
          },
        ),
      );
    }
  })();
  return {
    sent: () => sent,
    outcomes,
    answeredBy,
    stop: async () => {
      stopped = true;
      await pace;
      await Promise.all(pending);
      agent.destroy();
    },
  };
}
