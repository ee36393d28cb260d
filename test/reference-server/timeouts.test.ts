/**
 * Client timeouts of the real reference server over real sockets, with test-short settings: a request body that
 * stalls is answered 408 and closed, a slow but steady body and a slow model are not cut, headers that stall get
 * 408, idle keep-alive connections live until the idle timeout, a gRPC request whose message stalls gets
 * DEADLINE_EXCEEDED, and a drain (close) does not wait out its grace period for a client that sends half a body.
 */
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRAIN_BODY_TIMEOUT_MS } from '../../reference-server/core/listen.js';
import { frame, rawH2 } from '../helpers/raw-grpc.js';
import { rawExchange } from '../helpers/raw-http.js';
import { httpRequest, inferBody, inputRows, startTestServer, type TestServer } from '../helpers/reference-client.js';
import { tinyMlpConfig } from '../helpers/test-repo.js';

const BODY_MS = 400;
const HEADERS_MS = 400;
const IDLE_MS = 1500;
const TIMEOUTS = { headersTimeoutMs: HEADERS_MS, bodyTimeoutMs: BODY_MS, idleTimeoutMs: IDLE_MS, grpcReceiveTimeoutMs: BODY_MS };
/** Slack for a busy shared machine: a timeout must fire after its time and well before this much more. */
const SLACK_MS = 3000;
const BODY = JSON.stringify(inferBody(inputRows(1)));
const MODELS = { plain: tinyMlpConfig('plain'), slow: tinyMlpConfig('slow', { artificial_delay_us: 1_200_000 }) };

/** halfBody is a POST whose Content-Length promises the whole infer body, followed by only its first half. */
const halfBody = (path = '/v2/models/plain/infer'): string =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY.slice(0, BODY.length / 2)}`;

describe('HTTP/1.1 timeouts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(MODELS, { timeouts: TIMEOUTS });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('answers a body that stalls halfway with 408 after the body timeout, and closes the connection', async () => {
    const reply = await rawExchange(server.httpPort, [halfBody()], { waitForClose: true, timeoutMs: BODY_MS + SLACK_MS });
    expect(reply.status, reply.text).toBe(408);
    expect(reply.text).toMatch(/"error":"the request body stalled: no data for \d+ ms \(body timeout\)"/);
    expect(reply.closed).toBe(true);
    expect(reply.elapsedMs).toBeGreaterThanOrEqual(BODY_MS - 50);
  });

  it('lets a slow but steady body through, even when it takes several body timeouts in all', async () => {
    const socket = net.connect(server.httpPort, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write(`POST /v2/models/plain/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\nconnection: close\r\n\r\n`);
    const pieces = 8;
    const step = Math.ceil(BODY.length / pieces);
    const started = performance.now();
    for (let i = 0; i < pieces; i++) {
      // Pacing the client's writes (the behaviour under test), each gap under the body timeout.
      await new Promise((r) => setTimeout(r, BODY_MS / 2));
      socket.write(BODY.slice(i * step, (i + 1) * step));
    }
    await ended;
    expect(performance.now() - started).toBeGreaterThan(BODY_MS * 2);
    expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('does not cut a request whose model takes longer than the body timeout to answer', async () => {
    const reply = await httpRequest(server.httpPort, { path: '/v2/models/slow/infer', body: BODY });
    expect(reply.status, reply.body.toString()).toBe(200);
  });

  it('answers headers that stall with 408 after the headers timeout', async () => {
    const reply = await rawExchange(server.httpPort, ['POST /v2/models/plain/infer HTTP/1.1\r\nhost: x\r\n'], { waitForClose: true, timeoutMs: HEADERS_MS + SLACK_MS });
    expect(reply.status, reply.text).toBe(408);
    expect(reply.text).toMatch(/the request headers did not arrive within 400 ms \(headers timeout\)/);
    expect(reply.closed).toBe(true);
    expect(reply.elapsedMs).toBeGreaterThanOrEqual(HEADERS_MS - 50);
  });

  it('closes a connection that never sends a byte', async () => {
    const reply = await rawExchange(server.httpPort, [], { waitForClose: true, timeoutMs: HEADERS_MS + SLACK_MS });
    expect(reply.closed).toBe(true);
    expect([undefined, 408]).toContain(reply.status);
  });

  it('keeps an idle keep-alive connection past the headers timeout, and closes it after the idle timeout', async () => {
    const socket = net.connect(server.httpPort, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closedAt = new Promise<number>((r) => socket.on('close', () => r(performance.now())));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    const get = 'GET /v2/health/ready HTTP/1.1\r\nhost: x\r\n\r\n';
    socket.write(get);
    const answered = async (n: number): Promise<void> => {
      const deadline = performance.now() + SLACK_MS;
      while ((text.match(/HTTP\/1\.1 200 /g) ?? []).length < n) {
        if (performance.now() > deadline) throw new Error(`no answer ${n}: ${text}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await answered(1);
    const idleFrom = performance.now();
    // Idle for twice the headers timeout (pacing the client), then the connection still serves.
    await new Promise((r) => setTimeout(r, HEADERS_MS * 2));
    socket.write(get);
    await answered(2);
    const lastAnswer = performance.now();
    expect(lastAnswer - idleFrom).toBeGreaterThan(HEADERS_MS * 2);
    const closed = await closedAt;
    expect(closed - lastAnswer).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(closed - lastAnswer).toBeLessThan(IDLE_MS + SLACK_MS);
    expect(text).not.toMatch(/ 408 /);
  });

  it('answers a gRPC request whose message stalls halfway with DEADLINE_EXCEEDED after the receive timeout', async () => {
    const message = frame(Buffer.alloc(1000, 1));
    const a = await rawH2(server.grpcPort, { headers: { ':path': '/inference.GRPCInferenceService/ModelInfer' }, body: message.subarray(0, 500), stall: true, timeoutMs: BODY_MS + SLACK_MS });
    expect(a.code, JSON.stringify(a)).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(a.details).toMatch(/the request message did not arrive within \d+ ms of its headers \(receive timeout 400 ms\)/);
    expect(a.elapsedMs).toBeGreaterThanOrEqual(BODY_MS - 50);
  });
});

describe('a drain with a client that sent half a body', () => {
  it('HTTP: close() answers the stalled request and finishes within about a second, not the grace period', async () => {
    // Default timeouts (30 s body timeout): only the drain rule can end the stalled upload early.
    const server = await startTestServer(MODELS);
    try {
      const socket = net.connect(server.httpPort, '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      // With Expect: 100-continue the server says when it has the request; then half the body, then nothing.
      socket.write(halfBody().replace('\r\n\r\n', '\r\nexpect: 100-continue\r\n\r\n').split('\r\n\r\n')[0] + '\r\n\r\n');
      await waitFor(() => /^HTTP\/1\.1 100 Continue/.test(text), 'the server asks for the body');
      socket.write(BODY.slice(0, BODY.length / 2));
      const started = performance.now();
      await server.close(15_000);
      const tookMs = performance.now() - started;
      await closed;
      expect(text).toMatch(/HTTP\/1\.1 408 Request Timeout/);
      expect(text).toMatch(/the server is shutting down and the request body stalled/);
      expect(tookMs).toBeLessThan(DRAIN_BODY_TIMEOUT_MS + SLACK_MS);
    } finally {
      await server.close(0);
    }
  });

  it('gRPC: close() answers the stalled call and finishes within about a second, not the grace period', async () => {
    const server = await startTestServer(MODELS);
    const session = http2.connect(`http://127.0.0.1:${server.grpcPort}`);
    try {
      const stalled = rawH2(session, { headers: { ':path': '/inference.GRPCInferenceService/ModelInfer' }, body: frame(Buffer.alloc(1000, 1)).subarray(0, 500), stall: true, timeoutMs: 20_000 });
      // A second call on the same connection is answered only after the server read the first one's frames.
      expect((await rawH2(session, { body: frame(Buffer.alloc(0)) })).code).toBe(grpc.status.OK);
      const started = performance.now();
      await server.close(15_000);
      const tookMs = performance.now() - started;
      const a = await stalled;
      expect(a.code, JSON.stringify(a)).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(a.details).toMatch(/the server is shutting down/);
      expect(tookMs).toBeLessThan(DRAIN_BODY_TIMEOUT_MS + SLACK_MS);
    } finally {
      session.destroy();
      await server.close(0);
    }
  });
});

/** waitFor polls a condition until it holds or SLACK_MS passes. */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + SLACK_MS;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
