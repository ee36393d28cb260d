/**
 * Http1Pool's streamed jobs over real sockets: the head and each body chunk reach the handler as they arrive, a
 * connection is reused (by a streamed or a counted job) only after a clean end, an abort mid-stream closes it, and
 * every other ending reaches onEnd exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Job, type StreamEnd, type StreamHandler } from '../../../src/targets/http1-job.js';
import { Http1Pool } from '../../../src/targets/http1-pool.js';
import { serializeRequest } from '../../../src/targets/http1-request.js';
import { httpServer, type Listening, onRequests, rawServer } from './raw-servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function serve<T extends Listening>(s: Promise<T>): Promise<T> {
  const started = await s;
  open.push(started);
  return started;
}

function pool(port: number): Http1Pool {
  const p = new Http1Pool({ host: '127.0.0.1', port, maxConnections: 1, timeoutMs: 5000 });
  open.push(p);
  return p;
}

function get(port: number): Buffer {
  return serializeRequest('GET', '/', { host: '127.0.0.1', port, hostHeader: `127.0.0.1:${port}`, basePath: '' }, {});
}

/** Recorder is a handler that keeps what it was given; `onChunk` may act on each chunk (answer the server, abort). */
class Recorder implements StreamHandler {
  sent = 0;
  status = 0;
  chunks: string[] = [];
  ends: StreamEnd[] = [];
  readonly ended: Promise<StreamEnd>;
  private resolve: (e: StreamEnd) => void = () => {};
  constructor(private readonly onChunk: (text: string, r: Recorder) => void = () => {}) {
    this.ended = new Promise((r) => (this.resolve = r));
  }
  onSent(): void {
    this.sent++;
  }
  onHead(status: number): void {
    this.status = status;
  }
  onBody(chunk: Buffer): void {
    this.chunks.push(chunk.toString());
    this.onChunk(chunk.toString(), this);
  }
  onEnd(end: StreamEnd): void {
    this.ends.push(end);
    this.resolve(end);
  }
}

function stream(p: Http1Pool, port: number, r: Recorder): Job {
  const job = new Job(get(port), false, false, 0, r);
  p.dispatch(job);
  return job;
}

describe('Http1Pool streamed jobs', () => {
  it('hands over each chunk as it arrives and reuses the connection after a clean end', async () => {
    let more: () => void = () => {};
    let n = 0;
    const server = await serve(httpServer((_req, res) => {
      if (n++ > 0) return res.end('ok');
      res.write('first');
      more = () => res.end('second'); // the server goes on only once the client has seen the first chunk
    }));
    const p = pool(server.port);
    const r = new Recorder((text) => text === 'first' && more());
    stream(p, server.port, r);
    expect(await r.ended).toEqual({ kind: 'complete' });
    expect([r.sent, r.status, r.chunks.join('|')]).toEqual([1, 200, 'first|second']);
    expect(await p.send(get(server.port))).toMatchObject({ code: 'OK' });
    expect([p.connectsTotal, server.accepted]).toEqual([1, 1]);
  });

  it('closes the connection of a stream its handler aborts, and says nothing more to the handler', async () => {
    let n = 0;
    const server = await serve(httpServer((_req, res) => (n++ === 0 ? res.write('endless') : res.end('ok'))));
    const p = pool(server.port);
    let job: Job | null = null;
    const aborted = new Promise<void>((done) => {
      job = stream(p, server.port, new Recorder(() => (p.abort(job!), done())));
    });
    await aborted;
    expect(p.openConnections).toBe(0);
    expect(await p.send(get(server.port))).toMatchObject({ code: 'OK', bytes: 2 }); // a fresh connection
    expect(p.connectsTotal).toBe(2);
  });

  it('keeps the body of a non-2xx answer for the end, and hands no chunks', async () => {
    const server = await serve(httpServer((_req, res) => res.writeHead(503).end('busy')));
    const r = new Recorder();
    stream(pool(server.port), server.port, r);
    const end = await r.ended;
    expect([r.status, r.chunks, end.kind === 'complete' && end.errorBody?.toString()]).toEqual([503, [], 'busy']);
  });

  it('ends a stream cut mid-body as a failure, once, with the chunks before the cut handed over', async () => {
    const server = await serve(rawServer((socket) => onRequests(socket, () => socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n'))));
    const r = new Recorder(() => server.close());
    stream(pool(server.port), server.port, r);
    const end = await r.ended;
    expect(end).toMatchObject({ kind: 'failed', message: /middle of the response/ });
    expect([r.chunks, r.ends.length]).toEqual([['abc'], 1]);
  });

  it('lets a streamed job wait for a connection with no limit of its own: withdrawn, or cancelled by close', async () => {
    const server = await serve(httpServer((_req, res) => res.write('endless')));
    const p = pool(server.port);
    const first = new Recorder();
    stream(p, server.port, first);
    const waiting = stream(p, server.port, new Recorder());
    expect(p.withdraw(waiting)).toBe(true);
    expect(p.withdraw(waiting)).toBe(false);
    const queued = new Recorder();
    stream(p, server.port, queued);
    await p.close();
    expect([await first.ended, await queued.ended]).toEqual([
      { kind: 'failed', code: 'CANCELLED', message: 'the client was closed' },
      { kind: 'failed', code: 'CANCELLED', message: 'the client was closed' },
    ]);
  });
});
