/**
 * Client timeouts of the cluster's routers (one real replica behind them), with test-short settings: a stalled
 * HTTP body gets 408, a stalled gRPC request DEADLINE_EXCEEDED, an idle HTTP/2 connection is closed, a quiet
 * ModelStreamInfer stream is not, and closing the cluster does not wait out the grace period for clients that
 * stalled halfway through a request.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCluster, startCluster } from '../../../reference-server/cluster/cluster.js';
import { DRAIN_BODY_TIMEOUT_MS } from '../../../reference-server/core/listen.js';
import { createInferenceClient, openInferStream } from '../../../reference-server/grpc/client.js';
import { frame, rawH2 } from '../../helpers/raw-grpc.js';
import { rawExchange } from '../../helpers/raw-http.js';
import { inferBody, inputRows, waitUntil } from '../../helpers/reference-client.js';
import { makeRepository, tinyMlpConfig } from '../../helpers/test-repo.js';

const BODY_MS = 400;
const IDLE_MS = 1500;
const SLACK_MS = 3000;
const BODY = JSON.stringify(inferBody(inputRows(1)));
const HALF_BODY = `POST /v2/models/tiny/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY.slice(0, BODY.length / 2)}`;
const INFER_PATH = '/inference.GRPCInferenceService/ModelInfer';

let repo: string;
let cluster: RunningCluster;

beforeAll(async () => {
  repo = makeRepository({ tiny: tinyMlpConfig('tiny') });
  cluster = await startCluster({
    modelRepository: repo,
    replicas: 1,
    httpPort: 0,
    grpcPort: 0,
    metricsPort: 0,
    adminPort: 0,
    restartDelayMs: null,
    coresPerReplica: 1,
    replicaGraceMs: 15_000,
    timeouts: { headersTimeoutMs: BODY_MS, bodyTimeoutMs: BODY_MS, idleTimeoutMs: IDLE_MS, grpcReceiveTimeoutMs: BODY_MS },
  });
});

afterAll(async () => {
  await cluster?.close(0);
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('router timeouts', () => {
  it('HTTP: a body that stalls halfway gets 408 after the body timeout', async () => {
    const reply = await rawExchange(cluster.httpPort, [HALF_BODY], { waitForClose: true, timeoutMs: BODY_MS + SLACK_MS });
    expect(reply.status, reply.text).toBe(408);
    expect(reply.closed).toBe(true);
    expect(reply.elapsedMs).toBeGreaterThanOrEqual(BODY_MS - 50);
  });

  it('gRPC: a request whose message stalls halfway gets DEADLINE_EXCEEDED after the body timeout', async () => {
    const a = await rawH2(cluster.grpcPort, { headers: { ':path': INFER_PATH }, body: frame(Buffer.alloc(1000, 1)).subarray(0, 500), stall: true, timeoutMs: BODY_MS + SLACK_MS });
    expect(a.code, JSON.stringify(a)).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(a.details).toMatch(/the request stalled: no data for \d+ ms \(body timeout\)/);
    expect(a.elapsedMs).toBeGreaterThanOrEqual(BODY_MS - 50);
  });

  it('gRPC: an HTTP/2 connection with no stream is closed after the idle timeout', async () => {
    const session = http2.connect(`http://127.0.0.1:${cluster.grpcPort}`);
    session.on('error', () => {});
    const started = performance.now();
    await new Promise<void>((r) => session.on('close', () => r()));
    const idleMs = performance.now() - started;
    expect(idleMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(idleMs).toBeLessThan(IDLE_MS + SLACK_MS);
  });

  it('gRPC: a ModelStreamInfer stream may stay quiet for longer than the body timeout', async () => {
    const client = createInferenceClient(`127.0.0.1:${cluster.grpcPort}`);
    try {
      const stream = openInferStream(client);
      const answers: Record<string, unknown>[] = [];
      stream.on('data', (d: Record<string, unknown>) => answers.push(d));
      const ended = new Promise<grpc.StatusObject>((r) => stream.on('status', r));
      stream.on('error', () => {});
      // Quiet for three body timeouts (pacing the client), then a request on the same stream.
      await new Promise((r) => setTimeout(r, BODY_MS * 3));
      stream.write({ model_name: 'tiny', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }], raw_input_contents: [Buffer.from(new Float32Array(inputRows(2)[0]!).buffer)] });
      await waitUntil(() => answers.length === 1, 'the stream answers', SLACK_MS);
      expect(answers[0]!['error_message']).toBe('');
      stream.end();
      expect((await ended).code).toBe(grpc.status.OK);
    } finally {
      client.close();
    }
  });
});

describe('closing a cluster with clients stalled halfway', () => {
  let drained: RunningCluster | undefined;
  afterAll(async () => {
    await drained?.close(0);
  });

  it('answers them and finishes within about a second, not the 15 s grace period', async () => {
    // Default timeouts (30 s body timeout): only the drain rule can end these stalls early.
    drained = await startCluster({ modelRepository: repo, replicas: 1, httpPort: 0, grpcPort: 0, metricsPort: 0, adminPort: 0, restartDelayMs: null, coresPerReplica: 1, replicaGraceMs: 15_000 });
    const cluster = drained;
    const socket = net.connect(cluster.httpPort, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write(HALF_BODY.replace('\r\n\r\n', '\r\nexpect: 100-continue\r\n\r\n').split('\r\n\r\n')[0] + '\r\n\r\n');
    await waitUntil(() => /^HTTP\/1\.1 100 Continue/.test(text), 'the router asks for the body', SLACK_MS);
    socket.write(BODY.slice(0, 10));
    const session = http2.connect(`http://127.0.0.1:${cluster.grpcPort}`);
    session.on('error', () => {});
    const stalledGrpc = rawH2(session, { headers: { ':path': INFER_PATH }, body: frame(Buffer.alloc(1000, 1)).subarray(0, 500), stall: true, timeoutMs: 20_000 });
    // A second call on the same connection is answered only after the router read the first one's frames.
    await rawH2(session, { headers: { ':path': '/inference.GRPCInferenceService/ServerLive' }, body: frame(Buffer.alloc(0)) });
    const started = performance.now();
    await cluster.close(15_000);
    const tookMs = performance.now() - started;
    session.destroy();
    socket.destroy();
    expect(text).toMatch(/HTTP\/1\.1 408 /);
    expect((await stalledGrpc).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(tookMs).toBeLessThan(DRAIN_BODY_TIMEOUT_MS + SLACK_MS);
  });
});
