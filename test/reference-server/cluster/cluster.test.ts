/**
 * A real cluster (two replica processes behind the router, round-robin) on port 0: HTTP and gRPC through the
 * router, the admin API and its token, health-check ejection and re-admission, retries of requests whose
 * replica is SIGKILLed before answering (HTTP and gRPC), a SIGKILL under sustained open-loop load with the
 * supervisor's restart, stop and restore, per-attempt timeouts, no ready replica, and bad clients.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi } from '../../../reference-server/cluster/admin-api.js';
import { createBalancer } from '../../../reference-server/cluster/balancer.js';
import { type RunningCluster, startCluster } from '../../../reference-server/cluster/cluster.js';
import { HealthChecker } from '../../../reference-server/cluster/health.js';
import { REPLICA_NICE } from '../../../reference-server/cluster/replica-options.js';
import { RetryBudget } from '../../../reference-server/cluster/retry-budget.js';
import { startGrpcRouter } from '../../../reference-server/cluster/router-grpc.js';
import { startHttpRouter } from '../../../reference-server/cluster/router-http.js';
import { RouterMetrics } from '../../../reference-server/cluster/router-metrics.js';
import { Routing } from '../../../reference-server/cluster/routing.js';
import { Supervisor } from '../../../reference-server/cluster/supervisor.js';
import { callUnary, createInferenceClient, type InferenceClient, openInferStream } from '../../../reference-server/grpc/client.js';
import { errorOf, httpRequest, infer, inferBody, inputRows, json, maxAbsDiff, outputRows, waitUntil } from '../../helpers/reference-client.js';
import { makeRepository, TINY_MLP, tinyMlpConfig } from '../../helpers/test-repo.js';
import { adminCall, allReady, metricSum, openLoop, replicaList } from './cluster-helpers.js';

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const grpcInfer = (model: string, seed = 1) => ({ model_name: model, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, TINY_MLP.inputSize] }], raw_input_contents: [f32(inputRows(seed)[0]!)] });

describe('cluster of two replicas', () => {
  let repo: string;
  let cluster: RunningCluster;
  let client: InferenceClient;
  const log: string[] = [];

  beforeAll(async () => {
    repo = makeRepository({
      tiny: tinyMlpConfig('tiny'),
      // 25 ms per execution, batching: at 50 requests/s per replica about one request is always in flight.
      slow: tinyMlpConfig('slow', { artificial_delay_us: 25_000, max_batch_size: 8, dynamic_batching: {} }),
      // 400 ms, one at a time: a request on it is in flight long enough to kill its replica under it.
      hold: tinyMlpConfig('hold', { artificial_delay_us: 400_000, max_batch_size: 1 }),
    });
    cluster = await startCluster({
      modelRepository: repo,
      replicas: 2,
      httpPort: 0,
      grpcPort: 0,
      metricsPort: 0,
      adminPort: 0,
      router: 'round-robin',
      restartDelayMs: 300,
      healthIntervalMs: 100,
      ejectAfter: 2,
      attemptTimeoutMs: 5000,
      maxRetries: 1,
      coresPerReplica: 1,
      replicaGraceMs: 2000,
      log: (l) => log.push(l),
    });
    client = createInferenceClient(`127.0.0.1:${cluster.grpcPort}`);
  });

  afterAll(async () => {
    if (process.env['GAUNTLET_TEST_LOG']) console.log(log.join('\n'));
    client?.close();
    await cluster?.close(2000);
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('runs every replica thread, model instances included, REPLICA_NICE below the router, so the router can always shed', () => {
    const niceOf = (statPath: string): number => Number(readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ')[16]);
    const router = niceOf('/proc/self/stat');
    for (const r of cluster.supervisor.replicas) {
      const pid = r.process!.pid;
      const threads = readdirSync(`/proc/${pid}/task`);
      expect(threads.length).toBeGreaterThan(5); // the main thread, Node's own, and the model instances' workers
      for (const tid of threads) expect(niceOf(`/proc/${pid}/task/${tid}/stat`), `thread ${tid} of replica ${r.id}`).toBe(Math.min(19, router + REPLICA_NICE));
    }
  });

  it('serves HTTP through the router: same answers as a replica, every route, round-robin evenly', async () => {
    const direct = await infer(cluster.supervisor.replicas[0]!.httpPort, 'tiny', inputRows(3, 2));
    expect(maxAbsDiff(await infer(cluster.httpPort, 'tiny', inputRows(3, 2)), direct)).toBe(0);
    const by: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const r = await httpRequest(cluster.httpPort, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(i)) });
      expect(r.status).toBe(200);
      const id = String(r.headers['x-gauntlet-replica']);
      by[id] = (by[id] ?? 0) + 1;
    }
    expect(by).toEqual({ r0: 10, r1: 10 });
    expect((await httpRequest(cluster.httpPort, { path: '/v2/health/ready' })).status).toBe(200);
    expect(json(await httpRequest(cluster.httpPort, { path: '/v2/models/tiny' }))['name']).toBe('tiny');
    const missing = await httpRequest(cluster.httpPort, { path: '/v2/models/nope/infer', body: inferBody(inputRows(1)) });
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toMatch(/unknown model 'nope'/);
    const index = await httpRequest(cluster.httpPort, { method: 'POST', path: '/v2/repository/index', body: '' });
    expect(json<unknown[]>(index)).toHaveLength(3);
    // Bodies as clients send them: chunked, and gzip (the replica decodes it; the router passes it through).
    const body = JSON.stringify(inferBody(inputRows(3, 2)));
    const chunked = await httpRequest(cluster.httpPort, { path: '/v2/models/tiny/infer', body, headers: { 'transfer-encoding': 'chunked' } });
    expect(maxAbsDiff(outputRows(json(chunked)), direct)).toBe(0);
    const zipped = await httpRequest(cluster.httpPort, { path: '/v2/models/tiny/infer', body: gzipSync(body), headers: { 'content-encoding': 'gzip' } });
    expect(maxAbsDiff(outputRows(json(zipped)), direct)).toBe(0);
  });

  it('serves gRPC through the router: unary calls, errors with their status, and ModelStreamInfer', async () => {
    const res = await callUnary<Record<string, any>>(client, 'ModelInfer', grpcInfer('tiny'));
    expect(res['model_name']).toBe('tiny');
    expect((res['raw_output_contents'][0] as Buffer).length).toBe(TINY_MLP.outputSize * 4);
    expect(await callUnary(client, 'ServerReady', {})).toEqual({ ready: true });
    const err = await callUnary(client, 'ModelInfer', grpcInfer('nope')).catch((e: grpc.ServiceError) => e);
    expect((err as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
    const stream = openInferStream(client);
    const answers: Record<string, unknown>[] = [];
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.on('data', (d: Record<string, unknown>) => {
      answers.push(d);
      if (answers.length === 3) stream.end();
    });
    for (let i = 0; i < 3; i++) stream.write({ ...grpcInfer('tiny', i), id: `s${i}` });
    expect((await status).code).toBe(grpc.status.OK);
    expect(answers.map((a) => (a['infer_response'] as Record<string, unknown>)['id'])).toEqual(['s0', 's1', 's2']);
  });

  it('admin API: 401 without the right token and nothing changes; 404, 405 and 409 for the wrong request', async () => {
    const before = await replicaList(cluster);
    for (const token of [null, 'wrong-token', `${cluster.adminToken}x`, '']) {
      const r = await adminCall(cluster, 'POST', '/admin/replicas/r0/kill', token);
      expect(r.status).toBe(401);
      expect(errorOf(r)).toMatch(/token/);
    }
    expect((await adminCall(cluster, 'GET', '/admin/replicas', null)).status).toBe(401);
    expect((await adminCall(cluster, 'POST', '/admin/replicas/any/kill', 'Basic abc')).status).toBe(401);
    const after = await replicaList(cluster);
    expect(after.map((r) => [r.id, r.state, r.pid])).toEqual(before.map((r) => [r.id, 'ready', r.pid]));
    expect(after.every((r) => r.coldStartMs !== null && r.coldStartMs.totalMs > 0)).toBe(true);
    expect((await adminCall(cluster, 'POST', '/admin/replicas/r9/kill')).status).toBe(404);
    expect((await adminCall(cluster, 'GET', '/admin/nothing')).status).toBe(404);
    expect((await adminCall(cluster, 'GET', '/admin/replicas/r0/kill')).status).toBe(405);
    expect((await adminCall(cluster, 'GET', '/admin/autoscaler')).status).toBe(404); // no autoscaler on this cluster
    expect((await adminCall(cluster, 'POST', '/admin/autoscaler')).status).toBe(405);
    const conflict = await adminCall(cluster, 'POST', '/admin/replicas/r0/restore');
    expect(conflict.status).toBe(409);
    expect(errorOf(conflict)).toMatch(/r0 is ready/);
    expect((await adminCall(cluster, 'POST', '/admin/replicas/any/restore')).status).toBe(409);
  });

  it('admin API binds loopback addresses only', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      await expect(startAdminApi(cluster.supervisor, { host, port: 0, token: 'some-token', stopGraceMs: 0 })).rejects.toThrow(/loopback/);
      await expect(startCluster({ modelRepository: repo, replicas: 2, adminHost: host })).rejects.toThrow(/loopback/);
    }
    const api = await startAdminApi(cluster.supervisor, { host: '127.0.0.1', port: 0, token: 'some-token', stopGraceMs: 0 });
    try {
      expect((await adminCall({ adminPort: api.port, adminToken: 'some-token' }, 'GET', '/admin/replicas')).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('ejects a replica that fails its health checks and re-admits it after two successes', async () => {
    const victim = cluster.supervisor.replicas[1]!;
    const ejections = await metricSum(cluster.metricsPort, 'gauntlet_router_ejections_total', { replica: 'r1' });
    process.kill(victim.process!.pid, 'SIGSTOP'); // alive but unresponsive
    try {
      await waitUntil(() => victim.state === 'ejected', 'r1 is ejected', 10_000);
      for (let i = 0; i < 4; i++) {
        const r = await httpRequest(cluster.httpPort, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(i)) });
        expect([r.status, r.headers['x-gauntlet-replica']]).toEqual([200, 'r0']);
      }
      expect(await metricSum(cluster.metricsPort, 'gauntlet_router_replica_up', { replica: 'r1' })).toBe(0);
    } finally {
      process.kill(victim.process!.pid, 'SIGCONT');
    }
    await waitUntil(() => victim.state === 'ready', 'r1 is re-admitted', 10_000);
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_ejections_total', { replica: 'r1' })).toBe(ejections + 1);
  });

  it('retries an HTTP request whose replica is SIGKILLed before answering, on the other replica', async () => {
    await allReady(cluster);
    const retries = await metricSum(cluster.metricsPort, 'gauntlet_router_retries_total');
    const reply = httpRequest(cluster.httpPort, { path: '/v2/models/hold/infer', body: inferBody(inputRows(5)) });
    await waitUntil(() => cluster.supervisor.replicas.some((r) => r.inFlight === 1), 'the request is in flight on a replica');
    const holder = cluster.supervisor.replicas.find((r) => r.inFlight === 1)!;
    const killed = await adminCall(cluster, 'POST', `/admin/replicas/${holder.id}/kill`);
    expect(killed.status).toBe(200);
    expect(json(killed)['replica']).toMatchObject({ id: holder.id, state: 'dead', pid: null });
    const r = await reply;
    expect(r.status).toBe(200);
    expect(r.headers['x-gauntlet-replica']).not.toBe(holder.id);
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_retries_total')).toBe(retries + 1);
  });

  it('retries a gRPC call whose replica is SIGKILLed before answering, on the other replica', async () => {
    await allReady(cluster);
    const retries = await metricSum(cluster.metricsPort, 'gauntlet_router_retries_total');
    const call = callUnary<Record<string, any>>(client, 'ModelInfer', grpcInfer('hold'), { deadline: Date.now() + 20_000 });
    await waitUntil(() => cluster.supervisor.replicas.some((r) => r.inFlight === 1), 'the call is in flight on a replica');
    const holder = cluster.supervisor.replicas.find((r) => r.inFlight === 1)!;
    expect((await adminCall(cluster, 'POST', `/admin/replicas/${holder.id}/kill`)).status).toBe(200);
    const res = await call;
    expect(res['model_name']).toBe('hold');
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_retries_total')).toBe(retries + 1);
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_requests_total', { replica: holder.id, protocol: 'grpc', code: 'reset' })).toBeGreaterThanOrEqual(1);
  });

  it('under sustained open-loop load, a SIGKILLed replica costs no request; it restarts, is measured, and serves again', async () => {
    await allReady(cluster);
    const rps = 100;
    const load = openLoop(cluster.httpPort, '/v2/models/slow/infer', inferBody(inputRows(9)), rps, 40_000);
    try {
      await waitUntil(() => load.outcomes.length >= 50, '50 requests answered', 10_000);
      const successBefore = await metricSum(cluster.metricsPort, 'nv_inference_request_success');
      const retriesBefore = await metricSum(cluster.metricsPort, 'gauntlet_router_retries_total');
      await waitUntil(() => cluster.supervisor.replicas.some((r) => r.inFlight > 0), 'a request is in flight');
      const victim = cluster.supervisor.replicas.find((r) => r.inFlight > 0)!;
      const restartsBefore = victim.restarts;
      const killed = await adminCall(cluster, 'POST', `/admin/replicas/${victim.id}/kill`);
      expect(json(killed)['replica']).toMatchObject({ id: victim.id, state: 'dead' });
      const servedAtKill = victim.requests;
      // The supervisor restarts it (300 ms delay); the router sends to it again once it is ready.
      await waitUntil(() => victim.state === 'ready' && victim.requests >= servedAtKill + 20, `${victim.id} is back and served 20 requests`, 30_000);
      await load.stop();
      const sent = load.sent();
      const failed = load.outcomes.filter((o) => o !== 200);
      expect(load.outcomes).toHaveLength(sent); // every request sent got an outcome
      expect(failed, `failures: ${JSON.stringify(failed)}\n${log.slice(-20).join("\n")}`).toHaveLength(0);
      expect(sent).toBeGreaterThan(150);
      expect(await metricSum(cluster.metricsPort, 'gauntlet_router_retries_total')).toBeGreaterThan(retriesBefore);
      const info = (await replicaList(cluster)).find((r) => r.id === victim.id)!;
      expect(info).toMatchObject({ state: 'ready', restarts: restartsBefore + 1, downSince: null });
      expect(info.coldStartMs!.spawnToLoadedMs).toBeGreaterThan(0);
      expect(info.coldStartMs!.loadedToReadyMs).toBeGreaterThan(0);
      expect(info.coldStartMs!.totalMs).toBeCloseTo(info.coldStartMs!.spawnToLoadedMs + info.coldStartMs!.loadedToReadyMs, 0);
      expect(await metricSum(cluster.metricsPort, 'gauntlet_replica_cold_start_seconds', { replica: victim.id, stage: 'total' })).toBeCloseTo(info.coldStartMs!.totalMs / 1000, 3);
      expect(await metricSum(cluster.metricsPort, 'gauntlet_replica_restarts_total', { replica: victim.id })).toBe(restartsBefore + 1);
      // The replicas' Triton counters, summed, never go back although one process died.
      expect(await metricSum(cluster.metricsPort, 'nv_inference_request_success', { model: 'slow' })).toBeGreaterThanOrEqual(successBefore);
      expect(load.answeredBy[victim.id]).toBeGreaterThan(20);
    } finally {
      await load.stop();
    }
  });

  it('stop drains a replica out of rotation; restore brings it back with its cold start', async () => {
    await allReady(cluster);
    const stopped = await adminCall(cluster, 'POST', '/admin/replicas/r1/stop');
    expect(stopped.status).toBe(200);
    expect(json(stopped)['replica']).toMatchObject({ id: 'r1', state: 'stopped', pid: null });
    expect(json(stopped)['replica']['downSince']).toEqual(expect.any(String));
    for (let i = 0; i < 3; i++) {
      const r = await httpRequest(cluster.httpPort, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(i)) });
      expect([r.status, r.headers['x-gauntlet-replica']]).toEqual([200, 'r0']);
    }
    expect((await adminCall(cluster, 'POST', '/admin/replicas/r1/kill')).status).toBe(409);
    const restored = await adminCall(cluster, 'POST', '/admin/replicas/any/restore');
    expect(restored.status).toBe(200);
    const info = json(restored)['replica'];
    expect(info).toMatchObject({ id: 'r1', state: 'ready', downSince: null });
    expect(info['coldStartMs']['totalMs']).toBeGreaterThan(0);
    const by = new Set<string>();
    for (let i = 0; i < 4; i++) by.add(String((await httpRequest(cluster.httpPort, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(i)) })).headers['x-gauntlet-replica']));
    expect([...by].sort()).toEqual(['r0', 'r1']);
  });

  it('ends an attempt past its timeout with 504 / DEADLINE_EXCEEDED when no retry is allowed', async () => {
    const metrics = new RouterMetrics(cluster.supervisor);
    const routing = new Routing(cluster.supervisor, createBalancer('round-robin'), new RetryBudget(), new HealthChecker(cluster.supervisor, { intervalMs: 1000, ejectAfter: 3 }), metrics, {
      maxRetries: 0,
      attemptTimeoutMs: 100,
    });
    const httpRouter = await startHttpRouter(routing, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 });
    const grpcRouter = await startGrpcRouter(routing, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 });
    const c = createInferenceClient(`127.0.0.1:${grpcRouter.port}`);
    try {
      const r = await httpRequest(httpRouter.port, { path: '/v2/models/hold/infer', body: inferBody(inputRows(1)) });
      expect(r.status).toBe(504);
      expect(errorOf(r)).toMatch(/did not answer within 100 ms/);
      const err = await callUnary(c, 'ModelInfer', grpcInfer('hold')).catch((e: grpc.ServiceError) => e);
      expect((err as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
      await waitUntil(() => cluster.supervisor.replicas.every((x) => x.inFlight === 0), 'nothing in flight');
      // The router still serves a model that answers in time. A stall of this shared machine can push one reply
      // past 100 ms too, so a 504 is tried again, up to three times; any other status fails at once.
      const statuses: number[] = [];
      for (let i = 0; i < 3 && statuses.at(-1) !== 200; i++) {
        statuses.push((await httpRequest(httpRouter.port, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(1)) })).status);
        expect([200, 504]).toContain(statuses.at(-1));
      }
      expect(statuses.at(-1), `tiny through the 100 ms router: ${statuses.join(', ')}`).toBe(200);
    } finally {
      c.close();
      await httpRouter.close(1000);
      await grpcRouter.close(1000);
      metrics.close();
    }
  });

  it('survives bad clients: malformed requests, bodies cut short, clients that leave before the answer', async () => {
    const raw = (text: string, port = cluster.httpPort): Promise<string> =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.write(text));
        let got = '';
        s.on('data', (d) => (got += d.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
        setTimeout(() => s.destroy(), 300);
      });
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    await raw('POST /v2/models/tiny/infer HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"inputs":'); // cut short
    await raw('GET / HTTP/1.1\r\nhost: x\r\n\r\n', cluster.grpcPort); // HTTP/1.1 on the HTTP/2 port
    await raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x99garbage', cluster.grpcPort); // a broken HTTP/2 preface
    // A client that leaves while its request is on a replica: counted, and the replica's in-flight goes back to 0.
    const leaving = net.connect(cluster.httpPort, '127.0.0.1');
    const body = JSON.stringify(inferBody(inputRows(1)));
    leaving.write(`POST /v2/models/hold/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    leaving.on('error', () => {});
    await waitUntil(() => cluster.supervisor.replicas.some((r) => r.inFlight === 1), 'the request is in flight');
    leaving.destroy();
    await waitUntil(() => cluster.supervisor.replicas.every((r) => r.inFlight === 0), 'the abandoned attempt is over');
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_requests_total', { code: 'client_closed' })).toBeGreaterThanOrEqual(1);
    // A gRPC client that cancels.
    const call = callUnary(client, 'ModelInfer', grpcInfer('hold'), { deadline: Date.now() + 100 }).catch((e: grpc.ServiceError) => e);
    expect(((await call) as grpc.ServiceError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await waitUntil(() => cluster.supervisor.replicas.every((r) => r.inFlight === 0), 'the cancelled call is over');
    expect((await httpRequest(cluster.httpPort, { path: '/v2/health/ready' })).status).toBe(200);
    expect(await callUnary(client, 'ServerLive', {})).toEqual({ live: true });
  });
});

describe('routers with no ready replica', () => {
  it('answer 503 / UNAVAILABLE "no ready replica"', async () => {
    const supervisor = new Supervisor({ replicas: 2, replica: { modelRepository: '/nonexistent' }, restartDelayMs: null });
    const metrics = new RouterMetrics(supervisor);
    const routing = new Routing(supervisor, createBalancer('least-outstanding'), new RetryBudget(), new HealthChecker(supervisor, { intervalMs: 1000, ejectAfter: 3 }), metrics, {
      maxRetries: 1,
      attemptTimeoutMs: 1000,
    });
    const httpRouter = await startHttpRouter(routing, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 });
    const grpcRouter = await startGrpcRouter(routing, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 });
    const c = createInferenceClient(`127.0.0.1:${grpcRouter.port}`);
    try {
      const r = await httpRequest(httpRouter.port, { path: '/v2/models/tiny/infer', body: inferBody(inputRows(1)) });
      expect(r.status).toBe(503);
      expect(json(r)).toEqual({ error: 'no ready replica' });
      const err = (await callUnary(c, 'ModelInfer', grpcInfer('tiny')).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
      expect([err.code, err.details]).toEqual([grpc.status.UNAVAILABLE, 'no ready replica']);
      const big = await httpRequest(httpRouter.port, { path: '/v2/models/tiny/infer', body: Buffer.alloc((1 << 20) + 1) });
      expect(big.status).toBe(413);
      expect(await metricsText(metrics)).toMatch(/gauntlet_router_requests_total\{replica="none",protocol="http",code="503"\} 1/);
    } finally {
      c.close();
      await httpRouter.close(0);
      await grpcRouter.close(0);
      metrics.close();
    }
  });
});

function metricsText(metrics: RouterMetrics): Promise<string> {
  return metrics.text();
}
