/**
 * Admission control of the real reference server, over HTTP and gRPC: past a limit, inference requests get
 * 503 / UNAVAILABLE at once, with Retry-After (gRPC: retry pushback), before their body is read or decoded (a
 * malformed body that would get 400 gets 503), health checks keep answering, a shed request leaves its
 * keep-alive connection usable (or closes it, for a large body), and the refusals are counted in the metrics.
 * The event-loop trigger is tested by blocking the loop (the server runs in this process) for two turns.
 */
import net from 'node:net';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUnary, createInferenceClient, type InferenceClient } from '../../reference-server/grpc/client.js';
import { errorOf, type HttpReply, httpRequest, inferBody, inputRows, metricValue, startTestServer, type TestServer, waitUntil } from '../helpers/reference-client.js';
import { TINY_MLP, tinyMlpConfig } from '../helpers/test-repo.js';

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const grpcInfer = (model: string) => ({ model_name: model, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, TINY_MLP.inputSize] }], raw_input_contents: [f32(inputRows(1)[0]!)] });
/** HOLD_US keeps each request of the `hold` model executing long enough for a burst to find the limit taken. */
const HOLD_US = 300_000;

/** burst sends calls at once and returns the replies in the order they completed. */
async function burst(calls: (() => Promise<HttpReply>)[]): Promise<{ order: number[]; replies: HttpReply[] }> {
  const order: number[] = [];
  const replies = await Promise.all(calls.map((c, i) => c().then((r) => (order.push(i), r))));
  return { order, replies };
}

describe('a server-wide limit of 2 inference requests in flight', () => {
  let server: TestServer;
  let client: InferenceClient;

  beforeAll(async () => {
    server = await startTestServer(
      { hold: tinyMlpConfig('hold', { artificial_delay_us: HOLD_US, max_batch_size: 1, instance_group: [{ count: 2, kind: 'KIND_CPU' }] }) },
      { maxInflightRequests: 2, maxBodyBytes: 8 << 20, maxJsonBodyBytes: 8 << 20 },
    );
    client = createInferenceClient(`127.0.0.1:${server.grpcPort}`);
  });
  afterAll(async () => {
    client?.close();
    await server?.close(2000);
  });

  it('sheds the rest of an HTTP burst at once with 503 and Retry-After, without parsing their bodies, while health answers', async () => {
    const rejectedBefore = await metricValue(server.metricsPort, 'nv_inference_request_failure', { model: 'hold', reason: 'REJECTED' });
    const post = (body: string | object) => () => httpRequest(server.httpPort, { path: '/v2/models/hold/infer', body });
    const { order, replies } = await burst([
      post(inferBody(inputRows(1))),
      post(inferBody(inputRows(2))),
      post(inferBody(inputRows(3))),
      post('{"inputs": ['), // malformed: 400 if it were parsed
      () => httpRequest(server.httpPort, { path: '/v2/health/ready' }),
      post(inferBody(inputRows(4))),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 503, 503, 200, 503]);
    for (const i of [2, 3, 5]) {
      expect(replies[i]!.headers['retry-after']).toBe('1');
      expect(errorOf(replies[i]!)).toMatch(/the server is at its limit of 2 inference requests in flight; retry later/);
    }
    // At once: every refusal and the health check came back before either admitted request finished.
    expect(order.slice(0, 4).sort()).toEqual([2, 3, 4, 5]);
    expect(await metricValue(server.metricsPort, 'gauntlet_inference_shed_total', { reason: 'in_flight', protocol: 'http' })).toBeGreaterThanOrEqual(3);
    expect(await metricValue(server.metricsPort, 'nv_inference_request_failure', { model: 'hold', reason: 'REJECTED' })).toBe(rejectedBefore + 3);
    expect(await metricValue(server.metricsPort, 'gauntlet_inference_in_flight', {})).toBe(0);
  });

  it('keeps a keep-alive connection usable after shedding a small body, and closes it after shedding a large one', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const holders = [1, 2].map((s) => httpRequest(server.httpPort, { path: '/v2/models/hold/infer', body: inferBody(inputRows(s)) }));
      await waitUntil(() => server.admission.inflightRequests === 2, 'both holders are admitted');
      const shed = await httpRequest(server.httpPort, { path: '/v2/models/hold/infer', body: inferBody(inputRows(3)), agent });
      // A large body is not read: the answer closes the connection, and arrives whole (no reset).
      const big = Buffer.alloc(2 << 20, 0x20);
      const large = await httpRequest(server.httpPort, { path: '/v2/models/hold/infer', body: big, headers: { 'inference-header-content-length': 0 } });
      expect((await Promise.all(holders)).map((r) => r.status)).toEqual([200, 200]);
      expect(shed.status).toBe(503);
      expect(shed.headers['connection']).not.toBe('close');
      expect(large.status).toBe(503);
      expect(large.headers['connection']).toBe('close');
      expect(errorOf(large)).toMatch(/limit of 2 inference requests/);
      const next = await httpRequest(server.httpPort, { path: '/v2/models/hold/infer', body: inferBody(inputRows(4)), agent });
      expect(next.status).toBe(200);
      expect(next.socket).toBe(shed.socket);
    } finally {
      agent.destroy();
    }
  });

  it('sheds the rest of a gRPC burst at once with UNAVAILABLE and a retry pushback, before decoding, while ServerReady answers', async () => {
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0x01]); // not a ModelInferRequest: INVALID_ARGUMENT if it were decoded
    const rawCall = (): Promise<grpc.ServiceError | null> =>
      new Promise((resolve) => {
        client.makeUnaryRequest('/inference.GRPCInferenceService/ModelInfer', (b: Buffer) => b, (b: Buffer) => b, garbage, (err) => resolve(err));
      });
    const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'OK', (e: grpc.ServiceError) => `${e.code} ${e.details} ${e.metadata?.get('grpc-retry-pushback-ms')}`);
    const order: string[] = [];
    const track = (label: string, p: Promise<string>): Promise<string> => p.then((o) => (order.push(label), o));
    const results = await Promise.all([
      track('a', outcome(callUnary(client, 'ModelInfer', grpcInfer('hold')))),
      track('b', outcome(callUnary(client, 'ModelInfer', grpcInfer('hold')))),
      track('c', outcome(callUnary(client, 'ModelInfer', grpcInfer('hold')))),
      track('garbage', rawCall().then((e) => (e ? `${e.code} ${e.details}` : 'OK'))),
      track('ready', outcome(callUnary(client, 'ServerReady', {}))),
    ]);
    const shedText = 'the server is at its limit of 2 inference requests in flight; retry later';
    expect(results).toEqual(['OK', 'OK', `${grpc.status.UNAVAILABLE} ${shedText} 1000`, `${grpc.status.UNAVAILABLE} ${shedText}`, 'OK']);
    expect(order.slice(0, 3).sort()).toEqual(['c', 'garbage', 'ready']);
    expect(await metricValue(server.metricsPort, 'gauntlet_inference_shed_total', { reason: 'in_flight', protocol: 'grpc' })).toBe(2);
  });
});

describe("a model's queue, counting the requests still being read", () => {
  let server: TestServer;

  beforeAll(async () => {
    // One instance of batch size 1 and a queue of 1: one request executes, one waits, the rest are refused.
    server = await startTestServer({
      hold: tinyMlpConfig('hold', { artificial_delay_us: HOLD_US, max_batch_size: 1, dynamic_batching: { default_queue_policy: { max_queue_size: 1 } } }),
    });
  });
  afterAll(async () => {
    await server?.close(2000);
  });

  it('sheds requests it could not take before parsing them: a malformed body gets 503, not 400', async () => {
    const post = (body: string | object) => () => httpRequest(server.httpPort, { path: '/v2/models/hold/infer', body });
    const { replies } = await burst([post(inferBody(inputRows(1))), post(inferBody(inputRows(2))), post('{"inputs": ['), post(inferBody(inputRows(3)))]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 503, 503]);
    expect(errorOf(replies[2]!)).toBe("inference request for model 'hold' version 1 rejected: the queue is full (max_queue_size 1)");
    expect(replies[3]!.headers['retry-after']).toBe('1');
    expect(await metricValue(server.metricsPort, 'gauntlet_inference_shed_total', { reason: 'model_queue_full', protocol: 'http' })).toBe(2);
  });
});

describe('the byte budget of requests in flight', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') }, { maxInflightBytes: 1_500_000, maxBodyBytes: 4 << 20 });
  });
  afterAll(async () => {
    await server?.close(2000);
  });

  it('sheds a body that would take the bytes held past the budget', async () => {
    // The first request declares 1 MB and sends only its headers: it holds 1 MB of the budget while it is read.
    const slow = net.connect(server.httpPort, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.write('POST /v2/models/tiny/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n');
    try {
      await waitUntil(() => server.admission.inflightBytes === 1_000_000, 'the first body is admitted');
      const second = await httpRequest(server.httpPort, { path: '/v2/models/tiny/infer', body: Buffer.alloc(600_000, 0x20) });
      expect(second.status).toBe(503);
      expect(errorOf(second)).toMatch(/the server holds 1000000 bytes of requests; 600000 more would exceed its limit of 1500000; retry later/);
      expect(await metricValue(server.metricsPort, 'gauntlet_inference_shed_total', { reason: 'bytes_in_flight', protocol: 'http' })).toBe(1);
    } finally {
      slow.destroy();
    }
    await waitUntil(() => server.admission.inflightBytes === 0, 'the abandoned body is released');
  });
});

describe('the event-loop trigger', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ tiny: tinyMlpConfig('tiny') }, { maxEventLoopDelayMs: 50 });
  });
  afterAll(async () => {
    await server?.close(2000);
  });

  /** busy blocks this thread, and so the server's event loop, for `ms`. */
  const busy = (ms: number): void => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  it('sheds inference read after two late turns of the loop, and never health checks', async () => {
    const sockets = await Promise.all([0, 1, 2].map(() => keepAliveSocket(server.httpPort)));
    // Each connection is accepted and served once, so that what follows is read in the very next turn.
    for (const s of sockets) expect(await s.request('GET /v2/health/ready HTTP/1.1\r\nhost: x\r\n\r\n')).toMatch(/^HTTP\/1.1 200/);
    const body = JSON.stringify(inferBody(inputRows(1)));
    const infer = `POST /v2/models/tiny/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    // The second late turn: this timer is due after the delay timer (due within 10 ms), so both fire in the turn
    // after the first block, the delay timer first; the requests are read after both, in that turn's I/O.
    setTimeout(() => busy(150), 20);
    const answers = [sockets[0]!.request(infer), sockets[1]!.request(infer), sockets[2]!.request('GET /v2/health/ready HTTP/1.1\r\nhost: x\r\n\r\n')];
    busy(150); // the first late turn: the requests above wait in the kernel
    const [a, b, health] = await Promise.all(answers);
    for (const reply of [a!, b!]) {
      expect(reply).toMatch(/^HTTP\/1.1 503/);
      expect(reply).toMatch(/retry-after: 1/i);
      expect(reply).toMatch(/the server is overloaded: its event loop runs \d+ ms late \(limit 50 ms\); retry later/);
    }
    expect(health).toMatch(/^HTTP\/1.1 200/);
    // One late turn alone (a pause of the process, a collection) sheds nothing.
    await waitUntil(() => server.admission.loopCalm, 'the loop runs on time again');
    const again = sockets[0]!.request(infer);
    busy(150);
    expect(await again).toMatch(/^HTTP\/1.1 200/);
    expect(await metricValue(server.metricsPort, 'gauntlet_inference_shed_total', { reason: 'event_loop_delay', protocol: 'http' })).toBe(2);
    for (const s of sockets) s.socket.destroy();
  });
});

/** keepAliveSocket is a raw HTTP/1.1 connection whose `request` writes at once (synchronously) and reads one reply. */
async function keepAliveSocket(port: number): Promise<{ socket: net.Socket; request(text: string): Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let buffered = '';
  let waiter: ((reply: string) => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffered += d.toString('latin1');
    const head = buffered.indexOf('\r\n\r\n');
    if (head < 0 || !waiter) return;
    const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, head))?.[1] ?? 0);
    if (buffered.length < head + 4 + length) return;
    const reply = buffered.slice(0, head + 4 + length);
    buffered = buffered.slice(head + 4 + length);
    const w = waiter;
    waiter = undefined;
    w(reply);
  });
  return {
    socket,
    request: (text) => {
      const p = new Promise<string>((resolve) => (waiter = resolve));
      socket.write(text);
      return p;
    },
  };
}
