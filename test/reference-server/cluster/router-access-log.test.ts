/**
 * The access log of a cluster is the router's (what clients saw), written by the router only: one real replica
 * process behind the router, HTTP and gRPC, answers of the replica (200, 400, 404, OK, NOT_FOUND) and of the
 * router itself (its 503 / UNAVAILABLE when every replica is full), with the bytes and times each client saw.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../../reference-server/cluster/cluster.js';
import { createInferenceClient, type InferenceClient } from '../../../reference-server/grpc/client.js';
import { AccessLogProbe } from '../../helpers/access-log-probe.js';
import { inferBody, inputRows, waitUntil } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';
import { metricSum } from './cluster-helpers.js';

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

describe('the access log of a cluster', () => {
  let repo: string;
  let dir: string;
  let cluster: RunningCluster;
  let client: InferenceClient;

  beforeAll(async () => {
    repo = makeRepository({ mlp: tinyMlpConfig('mlp', { max_batch_size: 8 }), slow: tinyMlpConfig('slow', { artificial_delay_us: 300_000, max_batch_size: 1 }) });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-access-log-router-'));
    cluster = await startCluster({
      modelRepository: repo,
      replicas: 1,
      httpPort: 0,
      grpcPort: 0,
      metricsPort: 0,
      adminPort: 0,
      restartDelayMs: null,
      maxInflightPerReplica: 1,
      maxEventLoopDelayMs: 0,
      coresPerReplica: 1,
      replicaGraceMs: 1000,
      accessLog: path.join(dir, 'access.jsonl'),
    });
    client = createInferenceClient(`127.0.0.1:${cluster.grpcPort}`);
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close(1000);
    if (repo) rmSync(repo, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs one line per request the router answered, the replica's answers and its own", async () => {
    const probe = new AccessLogProbe(cluster.httpPort, client);
    const body = Buffer.from(JSON.stringify(inferBody(inputRows(1, 2))));
    const raw = { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }], raw_input_contents: [f32(inputRows(2)[0]!)] };
    await probe.http('POST', '/v2/models/mlp/infer?user=secret-token', body, { model: 'mlp', status: '200' });
    await probe.http('POST', '/v2/models/mlp/versions/1/infer', body, { model: 'mlp', version: '1', status: '200' }, { 'transfer-encoding': 'chunked' });
    await probe.http('POST', '/v2/models/mlp/infer', Buffer.from('{"inputs": ['), { model: 'mlp', status: '400' });
    await probe.http('POST', '/v2/models/nope/infer', body, { model: 'nope', status: '404' });
    await probe.http('GET', '/v2/health/ready', undefined, { status: '200' });
    await probe.rpc('ModelInfer', raw, { model: 'mlp', status: 'OK' });
    await probe.rpc('ModelInfer', { ...raw, model_name: 'nope', model_version: '3' }, { model: 'nope', version: '3', status: 'NOT_FOUND' });
    await probe.rpc('ServerLive', {}, { status: 'OK' });
    // The only replica is busy with a slow request: the router sheds the next ones itself.
    const one = Buffer.from(JSON.stringify(inferBody(inputRows(3))));
    const slow = probe.http('POST', '/v2/models/slow/infer', one, { model: 'slow', status: '200' });
    await waitUntil(() => cluster.supervisor.replicas[0]!.inFlight === 1, 'the slow request is on the replica');
    await probe.http('POST', '/v2/models/mlp/infer', body, { model: 'mlp', status: '503' });
    await probe.rpc('ModelInfer', raw, { model: 'mlp', status: 'UNAVAILABLE' });
    await slow;
    expect(await metricSum(cluster.metricsPort, 'gauntlet_access_log_dropped_total')).toBe(0);

    await cluster.close(1000); // flushes the log
    const text = readFileSync(path.join(dir, 'access.jsonl'), 'utf8');
    expect(text).not.toContain('secret-token');
    probe.check(text);
  });
});
