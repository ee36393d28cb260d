/**
 * Http1Pool over real sockets: keep-alive reuse and the connection limit, and every failure as data (timeout,
 * refused, garbage, hang-ups before and during a response, cancellation), against servers that misbehave on purpose.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/targets/client.js';
import { ErrorSamples, transportCode } from '../../../src/targets/failures.js';
import { Http1Pool, type PoolOptions } from '../../../src/targets/http1-pool.js';
import { serializeRequest } from '../../../src/targets/http1-request.js';
import { deadPort, httpServer, type Listening, OK_RESPONSE, onRequests, rawServer } from './raw-servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

function pool(port: number, extra: Partial<PoolOptions> = {}): Http1Pool {
  const p = new Http1Pool({ host: '127.0.0.1', port, maxConnections: 4, timeoutMs: 5000, ...extra });
  open.push(p);
  return p;
}

function get(port: number, path = '/'): Buffer {
  return serializeRequest('GET', path, { host: '127.0.0.1', port, hostHeader: `127.0.0.1:${port}`, basePath: '' }, {});
}

async function serve<T extends Listening>(s: Promise<T>): Promise<T> {
  const started = await s;
  open.push(started);
  return started;
}

function expectSaneTimes(o: Outcome): void {
  expect(o.firstByteUs).toBeDefined();
  expect(o.sentUs).toBeLessThanOrEqual(o.firstByteUs!);
  expect(o.firstByteUs!).toBeLessThanOrEqual(o.doneUs);
}

describe('Http1Pool', () => {
  it('reuses one keep-alive connection for sequential requests, with sane timestamps', async () => {
    const server = await serve(httpServer((_req, res) => res.end('hello')));
    const p = pool(server.port);
    for (let i = 0; i < 20; i++) {
      const o = await p.send(get(server.port));
      expect(o).toMatchObject({ code: 'OK', bytes: 5 });
      expectSaneTimes(o);
    }
    expect(p.connectsTotal).toBe(1);
    expect(server.accepted).toBe(1);
  });

  it('opens at most maxConnections and queues the rest', async () => {
    const server = await serve(httpServer((_req, res) => setTimeout(() => res.end('x'), 20)));
    const p = pool(server.port, { maxConnections: 2 });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => p.send(get(server.port))));
    expect(outcomes.every((o) => o.code === 'OK')).toBe(true);
    expect(p.connectsTotal).toBe(2);
  });

  it('parses chunked responses arriving in pieces', async () => {
    const server = await serve(
      rawServer((s) =>
        onRequests(s, () => {
          s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nabcd\r\n');
          setTimeout(() => s.write('3\r\nefg\r\n0\r\n'), 10);
          setTimeout(() => s.write('\r\n'), 20);
        }),
      ),
    );
    const p = pool(server.port);
    const res = await p.fetch(get(server.port));
    expect(res.outcome).toMatchObject({ code: 'OK', bytes: 7 });
    expect(res.body.toString()).toBe('abcdefg');
    expect((await p.send(get(server.port))).code).toBe('OK'); // and the connection is still usable
    expect(p.connectsTotal).toBe(1);
  });

  it('maps non-2xx statuses to HTTP_<status> and keeps distinct messages', async () => {
    const server = await serve(httpServer((req, res) => {
      res.statusCode = req.url === '/a' ? 404 : 503;
      res.end(`no ${req.url}`);
    }));
    const samples = new ErrorSamples(2);
    const p = pool(server.port, { samples });
    const codes = [];
    for (const path of ['/a', '/a', '/b', '/c']) codes.push((await p.send(get(server.port, path))).code);
    expect(codes).toEqual(['HTTP_404', 'HTTP_404', 'HTTP_503', 'HTTP_503']);
    expect(samples.list()).toEqual([
      { code: 'HTTP_404', message: 'no /a' },
      { code: 'HTTP_503', message: 'no /b' },
    ]);
  });

  it('records TIMEOUT after timeoutMs when the server never answers, and closes the connection', async () => {
    let closed = false;
    const server = await serve(rawServer((s) => s.resume().on('close', () => (closed = true))));
    const p = pool(server.port, { timeoutMs: 200 });
    const o = await p.send(get(server.port));
    expect(o.code).toBe('TIMEOUT');
    expect(o.firstByteUs).toBeUndefined();
    expect(o.doneUs - o.sentUs).toBeGreaterThanOrEqual(190_000);
    expect(o.doneUs - o.sentUs).toBeLessThan(1_000_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
  });

  it('records TIMEOUT for requests that wait timeoutMs for a connection, at their deadline, without sending them', async () => {
    // One connection: the first request is answered after 150 ms, later ones never. The second request then holds
    // the connection until its own timeout (≥ 150 + 400 ms), while the third, queued at once, reaches 400 ms of
    // waiting first: it must fail then, unsent, not when the connection finally frees.
    let requests = 0;
    const server = await serve(rawServer((s) => onRequests(s, (_head, n) => {
      requests++;
      if (n === 0) setTimeout(() => s.write(OK_RESPONSE), 150);
    })));
    const p = pool(server.port, { maxConnections: 1, timeoutMs: 400 });
    const [first, second, queued] = await Promise.all([p.send(get(server.port)), p.send(get(server.port)), p.send(get(server.port))]);
    expect([first.code, second.code, queued.code]).toEqual(['OK', 'TIMEOUT', 'TIMEOUT']);
    expect(queued.firstByteUs).toBeUndefined();
    expect(queued.doneUs - queued.sentUs).toBeGreaterThanOrEqual(390_000);
    expect(second.doneUs - queued.doneUs).toBeGreaterThan(50_000);
    expect(requests).toBe(2);
    expect(p.connectsTotal).toBe(1);
  });

  it('records ECONNREFUSED quickly when nobody listens', async () => {
    const p = pool(await deadPort());
    const o = await p.send(get(1));
    expect(o.code).toBe('ECONNREFUSED');
    expect(o.doneUs - o.sentUs).toBeLessThan(1_000_000);
  });

  it('records BAD_RESPONSE for garbage, at once, and reconnects for the next request', async () => {
    const server = await serve(rawServer((s, i) => onRequests(s, () => s.write(i === 0 ? 'SSH-2.0-OpenSSH_9.6\r\n' : OK_RESPONSE))));
    const samples = new ErrorSamples();
    const p = pool(server.port, { samples, timeoutMs: 5000 });
    const bad = await p.send(get(server.port));
    expect(bad.code).toBe('BAD_RESPONSE');
    expect(bad.doneUs - bad.sentUs).toBeLessThan(1_000_000);
    expect(samples.list()[0]?.message).toMatch(/malformed HTTP response/);
    expect((await p.send(get(server.port))).code).toBe('OK');
    expect(p.connectsTotal).toBe(2);
  });

  it('records ECONNRESET when the server hangs up in the middle of a response', async () => {
    const server = await serve(rawServer((s) => onRequests(s, () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b'))));
    const o = await pool(server.port).send(get(server.port));
    expect(o).toMatchObject({ code: 'ECONNRESET', bytes: 10 });
    expect(o.firstByteUs).toBeDefined();
  });

  it('records ECONNRESET when a new connection is closed without an answer', async () => {
    const server = await serve(rawServer((s) => onRequests(s, () => s.destroy())));
    expect((await pool(server.port).send(get(server.port))).code).toBe('ECONNRESET');
  });

  it('resends once on a fresh connection when a reused one was closed before answering (keep-alive race)', async () => {
    // Each connection answers its first request, then hangs up on the second without a word.
    const server = await serve(rawServer((s) => onRequests(s, (_h, n) => (n === 0 ? s.write(OK_RESPONSE) : s.destroy()))));
    const p = pool(server.port, { maxConnections: 1 });
    expect((await p.send(get(server.port))).code).toBe('OK');
    expect((await p.send(get(server.port))).code).toBe('OK');
    expect(p.connectsTotal).toBe(2);
  });

  it('opens a new connection after a response with connection: close', async () => {
    const server = await serve(rawServer((s) => onRequests(s, () => s.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'))));
    const p = pool(server.port, { maxConnections: 1 });
    for (let i = 0; i < 3; i++) expect((await p.send(get(server.port))).code).toBe('OK');
    expect(server.accepted).toBe(3);
  });

  it('close() resolves requests in flight and waiting as CANCELLED', async () => {
    const server = await serve(rawServer(() => {}));
    const p = pool(server.port, { maxConnections: 1 });
    const pending = [p.send(get(server.port)), p.send(get(server.port))];
    await new Promise((r) => setTimeout(r, 50));
    await p.close();
    expect((await Promise.all(pending)).map((o) => o.code)).toEqual(['CANCELLED', 'CANCELLED']);
    expect((await p.send(get(server.port))).code).toBe('CANCELLED');
  });

  it.each([
    ['ECONNREFUSED', 'ECONNREFUSED'],
    ['ECONNRESET', 'ECONNRESET'],
    ['EPIPE', 'EPIPE'],
    ['EHOSTUNREACH', 'EHOSTUNREACH'],
    ['ENETUNREACH', 'EHOSTUNREACH'],
    ['ENOTFOUND', 'ENOTFOUND'],
    ['EAI_AGAIN', 'ENOTFOUND'],
    ['ETIMEDOUT', 'TIMEOUT'],
    ['EACCES', 'SOCKET_ERROR'],
    [undefined, 'SOCKET_ERROR'],
  ])('maps socket error %s to %s', (errno, code) => {
    expect(transportCode(Object.assign(new Error('x'), { code: errno }))).toBe(code);
  });
});
