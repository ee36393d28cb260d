/**
 * The access log of the real reference server (real sockets, real gRPC, real ONNX Runtime): one line per answered
 * request over HTTP and gRPC, the malformed, unknown-model and shed ones included (and one whose client left:
 * 499), gRPC streams and calls grpc-js answers itself, with the route's query string left out, the body bytes
 * each way, and the arrival time between the client's send and its reply.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { createInferenceClient, type InferenceClient, openInferStream } from '../../reference-server/grpc/client.js';
import { loadInferenceProtos } from '../../reference-server/grpc/load-protos.js';
import { AccessLogProbe, wallUs } from '../helpers/access-log-probe.js';
import { inferBody, inputRows, metricValue, startTestServer, type TestServer, waitUntil } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-access-log-server-'));
const logFile = path.join(dir, 'access.jsonl');
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
let server: TestServer;
let client: InferenceClient;
let probe: AccessLogProbe;

beforeAll(async () => {
  server = await startTestServer(
    { mlp: tinyMlpConfig('mlp', { max_batch_size: 8 }), slow: tinyMlpConfig('slow', { artificial_delay_us: 300_000 }) },
    { accessLog: logFile, maxInflightRequests: 1, maxEventLoopDelayMs: 0 },
  );
  client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
  probe = new AccessLogProbe(server.httpPort, client);
});
afterAll(async () => {
  client?.close();
  await server?.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

/** streamTwice sends two requests on one ModelStreamInfer stream: one line, the messages' bytes summed. */
async function streamTwice(request: object): Promise<void> {
  const def = loadInferenceProtos('Number').service['ModelStreamInfer']!;
  const sentUs = wallUs();
  const stream = openInferStream(client);
  let responseBytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (m: object) => (responseBytes += def.responseSerialize(m).length));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  stream.write({ ...request, id: 'a' });
  stream.write({ ...request, id: 'b' });
  stream.end();
  await done;
  const requestBytes = def.requestSerialize({ ...request, id: 'a' }).length + def.requestSerialize({ ...request, id: 'b' }).length;
  probe.expected.push({ protocol: 'grpc', method: 'ModelStreamInfer', route: '/inference.GRPCInferenceService/ModelStreamInfer', model: 'mlp', version: '1', status: 'OK', requestBytes, responseBytes, sentUs, doneUs: wallUs() });
}

/**
 * rawCall sends `bytes` as the message of `method`: a method the service does not have (grpc-js answers it before
 * any handler or interceptor), or a message that does not decode (the server's guard answers it).
 */
async function rawCall(method: string, bytes: Buffer, status: keyof typeof grpc.status): Promise<void> {
  const route = `/inference.GRPCInferenceService/${method}`;
  const sentUs = wallUs();
  const code = await new Promise<number>((resolve) => {
    client.makeUnaryRequest(route, (b: Buffer) => b, (b: Buffer) => b, bytes, (err: grpc.ServiceError | null) => resolve(err?.code ?? 0));
  });
  expect(grpc.status[code]).toBe(status);
  probe.expected.push({ protocol: 'grpc', method, route, status, requestBytes: bytes.length, responseBytes: 0, sentUs, doneUs: wallUs() });
}

/** clientGone sends a slow request and closes the connection before the answer: logged as 499 when it closes. */
async function clientGone(body: Buffer): Promise<void> {
  const sentUs = wallUs();
  const req = http.request({ host: '127.0.0.1', port: server.httpPort, method: 'POST', path: '/v2/models/slow/infer', headers: { 'content-length': body.length }, agent: false });
  req.on('error', () => {});
  req.end(body);
  await waitUntil(() => server.admission.inflightRequests === 1, 'the slow request is admitted');
  req.destroy();
  await waitUntil(() => server.admission.inflightRequests === 0, 'the slow request is done');
  probe.expected.push({ protocol: 'http', method: 'POST', route: '/v2/models/slow/infer', model: 'slow', version: '1', status: '499', requestBytes: body.length, responseBytes: 0, sentUs, doneUs: wallUs() });
}

describe('the access log of a single server', () => {
  it('has one line per answered request, as the client saw it, and nothing else', async () => {
    const body = Buffer.from(JSON.stringify(inferBody(inputRows(1, 2))));
    await probe.http('POST', '/v2/models/mlp/infer?user=secret-token', body, { model: 'mlp', version: '1', status: '200' });
    await probe.http('POST', '/v2/models/mlp/versions/1/infer', body, { model: 'mlp', version: '1', status: '200' });
    await probe.http('POST', '/v2/models/mlp/infer', body, { model: 'mlp', version: '1', status: '200' }, { 'transfer-encoding': 'chunked' });
    await probe.http('POST', '/v2/models/mlp/infer', Buffer.from('{"inputs": ['), { model: 'mlp', version: '1', status: '400' });
    await probe.http('POST', '/v2/models/nope/infer', body, { model: 'nope', status: '404' });
    await probe.http('GET', '/v2/health/ready', undefined, { status: '200' });
    const raw = { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 16] }], raw_input_contents: [f32(inputRows(2)[0]!)] };
    await probe.rpc('ModelInfer', raw, { model: 'mlp', version: '1', status: 'OK' });
    await probe.rpc('ModelInfer', { ...raw, model_name: 'nope' }, { model: 'nope', status: 'NOT_FOUND' });
    await probe.rpc('ModelMetadata', { name: 'mlp', version: '1' }, { model: 'mlp', version: '1', status: 'OK' });
    await probe.rpc('ServerLive', {}, { status: 'OK' });
    await streamTwice(raw);
    await rawCall('NoSuchMethod', Buffer.from('abc'), 'UNIMPLEMENTED');
    await rawCall('ServerMetadata', Buffer.from([0xff, 0xff, 0xff]), 'INVALID_ARGUMENT');
    // Shed by admission (one request in the server at once): 503 and UNAVAILABLE, logged like the rest.
    const slow = probe.http('POST', '/v2/models/slow/infer', body, { model: 'slow', version: '1', status: '200' });
    await waitUntil(() => server.admission.inflightRequests === 1, 'the slow request is admitted');
    await probe.http('POST', '/v2/models/mlp/infer', body, { model: 'mlp', version: '1', status: '503' });
    await probe.rpc('ModelInfer', raw, { model: 'mlp', version: '1', status: 'UNAVAILABLE' });
    await slow;
    await clientGone(body);
    expect(await metricValue(server.metricsPort, 'gauntlet_access_log_dropped_total', {})).toBe(0);

    await server.close(1000); // flushes the log
    const text = readFileSync(logFile, 'utf8');
    expect(text).not.toContain('secret-token');
    const byArrival = probe.check(text);
    expect(byArrival.find((l) => l['model'] === 'slow')!['duration_us']).toBeGreaterThanOrEqual(300_000);
  });
});
