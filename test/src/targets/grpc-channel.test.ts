/**
 * GrpcChannel against node:http2 servers that answer exactly as each test says: statuses in trailers and in
 * trailers-only responses, HTTP errors, stream resets, hang-ups, GOAWAY, timeouts and cancellation.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorSamples } from '../../../src/targets/failures.js';
import { type ChannelOptions, GrpcChannel } from '../../../src/targets/grpc-channel.js';
import { frameGrpc } from '../../../src/targets/kserve-grpc-message.js';
import { deadPort, rawServer } from './raw-servers.js';

type Handler = (stream: http2.ServerHttp2Stream, n: number) => void;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function h2Server(handler: Handler): Promise<{ port: number; sessions: number }> {
  const server = http2.createServer();
  const state = { port: 0, sessions: 0 };
  const sessions = new Set<http2.ServerHttp2Session>();
  let n = 0;
  server.on('session', (s) => {
    state.sessions++;
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
  });
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => handler(stream, n++));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  open.push({
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  });
  return state;
}

function channel(port: number, extra: Partial<ChannelOptions> = {}): GrpcChannel {
  const c = new GrpcChannel({ authority: `127.0.0.1:${port}`, path: '/pkg.Svc/Method', sessions: 1, timeoutMs: 5000, ...extra });
  open.push(c);
  return c;
}

const MESSAGE = frameGrpc(Buffer.from('request'));
const GRPC_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

function answer(stream: http2.ServerHttp2Stream, status = 0, message?: string): void {
  stream.respond(GRPC_HEADERS, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status), ...(message !== undefined && { 'grpc-message': message }) }));
  stream.end(frameGrpc(Buffer.from('response')));
}

describe('GrpcChannel', () => {
  it('completes calls with grpc-status 0 in the trailers, with sane timestamps', async () => {
    const server = await h2Server((s) => answer(s));
    const c = channel(server.port);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => c.call(MESSAGE)));
    for (const o of outcomes) {
      expect(o).toMatchObject({ code: 'OK', bytes: 13 });
      expect(o.sentUs).toBeLessThanOrEqual(o.firstByteUs!);
      expect(o.firstByteUs!).toBeLessThanOrEqual(o.doneUs);
    }
    expect(server.sessions).toBe(1);
  });

  it('spreads calls over the given number of sessions', async () => {
    const server = await h2Server((s) => answer(s));
    const c = channel(server.port, { sessions: 3 });
    await Promise.all(Array.from({ length: 9 }, () => c.call(MESSAGE)));
    expect(server.sessions).toBe(3);
  });

  it.each<[string, Handler, string, string]>([
    ['a status in the trailers', (s) => answer(s, 14, 'queue%20is%20full'), 'GRPC_UNAVAILABLE', 'queue is full'],
    ['a trailers-only response', (s) => s.respond({ ...GRPC_HEADERS, 'grpc-status': '5', 'grpc-message': 'unknown%20model%20%27x%27' }, { endStream: true }), 'GRPC_NOT_FOUND', "unknown model 'x'"],
    ['an unknown status number', (s) => answer(s, 99), 'GRPC_UNKNOWN', ''],
    ['an HTTP 503 without grpc-status', (s) => s.respond({ ':status': 503 }, { endStream: true }), 'GRPC_UNAVAILABLE', 'HTTP status 503 without a grpc-status'],
    ['a REFUSED_STREAM reset', (s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM), 'GRPC_UNAVAILABLE', 'the server reset the stream (HTTP/2 error code 7)'],
    ['a stream that ends without status', (s) => s.respond(GRPC_HEADERS, { endStream: true }), 'BAD_RESPONSE', 'the response ended without a grpc-status'],
    ['a hang-up in the middle of the response', (s) => { s.respond(GRPC_HEADERS); s.write(Buffer.alloc(3)); setTimeout(() => s.session?.destroy(), 20); }, 'ECONNRESET', 'the connection closed before the call completed'],
  ])('maps %s to %s, keeping the message', async (_name, handler, code, message) => {
    const server = await h2Server(handler);
    const samples = new ErrorSamples();
    const c = channel(server.port, { samples });
    expect((await c.call(MESSAGE)).code).toBe(code);
    expect(samples.list()).toEqual([{ code, message: message === '' ? `gRPC status ${code}` : message }]);
  });

  it('opens a new session after the server sends GOAWAY', async () => {
    const server = await h2Server((s) => {
      answer(s);
      s.session?.goaway();
    });
    const c = channel(server.port);
    for (let i = 0; i < 3; i++) {
      expect((await c.call(MESSAGE)).code).toBe('OK');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(c.connectsTotal).toBe(3);
  });

  it('records ECONNREFUSED quickly when nobody listens', async () => {
    const c = channel(await deadPort());
    const o = await c.call(MESSAGE);
    expect(o.code).toBe('ECONNREFUSED');
    expect(o.doneUs - o.sentUs).toBeLessThan(1_000_000);
  });

  it('records TIMEOUT when the server accepts and never answers', async () => {
    const server = await rawServer((s) => s.resume());
    open.push(server);
    const o = await channel(server.port, { timeoutMs: 200 }).call(MESSAGE);
    expect(o.code).toBe('TIMEOUT');
    expect(o.doneUs - o.sentUs).toBeGreaterThanOrEqual(190_000);
    expect(o.doneUs - o.sentUs).toBeLessThan(1_000_000);
  });

  it('records TIMEOUT and resets the stream when an HTTP/2 server does not answer in time', async () => {
    let reset = false;
    const server = await h2Server((s) => s.on('close', () => (reset = s.rstCode === http2.constants.NGHTTP2_CANCEL)));
    const c = channel(server.port, { timeoutMs: 100 });
    expect((await c.call(MESSAGE)).code).toBe('TIMEOUT');
    await new Promise((r) => setTimeout(r, 50));
    expect(reset).toBe(true);
  });

  it('records BAD_RESPONSE when the server does not speak HTTP/2', async () => {
    const server = await rawServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    open.push(server);
    const samples = new ErrorSamples();
    const o = await channel(server.port, { samples }).call(MESSAGE);
    expect(o.code).toBe('BAD_RESPONSE');
    expect(samples.list()).toEqual([{ code: 'BAD_RESPONSE', message: 'HTTP/2 protocol error' }]);
  });

  it('close() resolves calls in flight as CANCELLED, and later calls too', async () => {
    const server = await h2Server(() => {});
    const c = channel(server.port);
    const pending = [c.call(MESSAGE), c.call(MESSAGE)];
    await new Promise((r) => setTimeout(r, 50));
    await c.close();
    expect((await Promise.all(pending)).map((o) => o.code)).toEqual(['CANCELLED', 'CANCELLED']);
    expect((await c.call(MESSAGE)).code).toBe('CANCELLED');
  });
});
