/**
 * Admission control in the cluster router (two real replica processes): with a limit of one request in flight per
 * replica, a burst of inference requests gets 503 / UNAVAILABLE at once from the router itself, with Retry-After
 * (gRPC: retry pushback), before their bodies are buffered or forwarded (a malformed body gets the router's 503,
 * not a replica's 400), while health checks through the router keep answering; the router counts the refusals.
 * Also: the router's own gRPC status messages reach clients as written (they were percent-encoded for URIs, so
 * grpc-js clients saw `bytes%2C over the limit`).
 */
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../../reference-server/cluster/cluster.js';
import { encodeGrpcMessage } from '../../../reference-server/core/grpc-message.js';
import { callUnary, createInferenceClient, type InferenceClient } from '../../../reference-server/grpc/client.js';
import { errorOf, type HttpReply, httpRequest, inferBody, inputRows } from '../../helpers/reference-client.js';
import { makeRepository, TINY_MLP, tinyMlpConfig } from '../../helpers/test-repo.js';
import { windowsOf } from '../../helpers/http2-windows.js';
import { metricSum } from './cluster-helpers.js';

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const grpcInfer = (model: string) => ({ model_name: model, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, TINY_MLP.inputSize] }], raw_input_contents: [f32(inputRows(1)[0]!)] });
const FULL = 'every ready replica has its limit of 1 requests in flight; retry later';

describe('router admission: one request in flight per replica', () => {
  let repo: string;
  let cluster: RunningCluster;
  let client: InferenceClient;

  beforeAll(async () => {
    // 300 ms per request: a burst finds both replicas busy.
    repo = makeRepository({ hold: tinyMlpConfig('hold', { artificial_delay_us: 300_000, max_batch_size: 1 }) });
    cluster = await startCluster({
      modelRepository: repo,
      replicas: 2,
      httpPort: 0,
      grpcPort: 0,
      metricsPort: 0,
      adminPort: 0,
      router: 'round-robin',
      restartDelayMs: null,
      maxInflightPerReplica: 1,
      maxBodyBytes: 4096,
      coresPerReplica: 1,
      replicaGraceMs: 1000,
    });
    client = createInferenceClient(`127.0.0.1:${cluster.grpcPort}`);
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close(1000);
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('sheds an HTTP burst past the limit at once, before buffering or forwarding, while health answers', async () => {
    const order: number[] = [];
    const post = (body: string | object): Promise<HttpReply> => httpRequest(cluster.httpPort, { path: '/v2/models/hold/infer', body });
    const calls = [post(inferBody(inputRows(1))), post(inferBody(inputRows(2))), post('{"inputs": ['), post(inferBody(inputRows(3))), httpRequest(cluster.httpPort, { path: '/v2/health/ready' })];
    const replies = await Promise.all(calls.map((p, i) => p.then((r) => (order.push(i), r))));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 503, 503, 200]);
    for (const r of [replies[2]!, replies[3]!]) {
      expect(errorOf(r)).toBe(FULL);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.headers['x-gauntlet-replica']).toBeUndefined(); // the router answered, no replica saw it
    }
    expect(order.slice(0, 3).sort()).toEqual([2, 3, 4]);
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_shed_total', { protocol: 'http', reason: 'replicas_full' })).toBe(2);
  });

  it('sheds a gRPC burst past the limit with UNAVAILABLE and a readable message, while ServerReady answers', async () => {
    const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'OK', (e: grpc.ServiceError) => `${e.code} ${e.details} ${e.metadata.get('grpc-retry-pushback-ms')}`);
    const results = await Promise.all([
      outcome(callUnary(client, 'ModelInfer', grpcInfer('hold'))),
      outcome(callUnary(client, 'ModelInfer', grpcInfer('hold'))),
      outcome(callUnary(client, 'ModelInfer', grpcInfer('hold'))),
      outcome(callUnary(client, 'ServerReady', {})),
    ]);
    expect(results).toEqual(['OK', 'OK', `${grpc.status.UNAVAILABLE} ${FULL} 1000`, 'OK']);
    expect(await metricSum(cluster.metricsPort, 'gauntlet_router_shed_total', { protocol: 'grpc', reason: 'replicas_full' })).toBe(1);
  });

  it('opens 16 MiB HTTP/2 connection windows, so a busy router does not hold messages back in its clients', async () => {
    expect((await windowsOf(cluster.grpcPort, 16 << 20)).stream).toBe(1 << 20);
  });

  it("passes the router's own gRPC messages to clients as written, commas included", async () => {
    const big = { ...grpcInfer('hold'), id: 'é'.repeat(3000) };
    const err = await callUnary(client, 'ModelInfer', big).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err?.details).toMatch(/^the request is \d+ bytes, over the limit of 4096 bytes$/);
  });
});

describe('encodeGrpcMessage', () => {
  it.each([
    ['the request is 9 bytes, over the limit', 'the request is 9 bytes, over the limit'],
    ['replica r0: reset; retry later (a/b?)', 'replica r0: reset; retry later (a/b?)'],
    ['100 % sure', '100 %25 sure'],
    ['modèle ünknown', 'mod%C3%A8le %C3%BCnknown'],
    ['line\nbreak', 'line%0Abreak'],
  ])('encodes %j as %j, which grpc-js decodes back', (text, wire) => {
    expect(encodeGrpcMessage(text)).toBe(wire);
    expect(decodeURI(wire)).toBe(text); // what grpc-js clients do with grpc-message
  });
});
