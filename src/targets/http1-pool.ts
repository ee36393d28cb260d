/**
 * Http1Pool: a minimal, fast HTTP/1.1 client for one host:port. Keep-alive connections (http1-connection.ts) carry
 * one request at a time (no pipelining); the pool opens them as needed up to a limit, queues requests beyond it
 * (failing as TIMEOUT those that wait timeoutMs for a connection) and keeps the first distinct failures. Every
 * failure resolves as an Outcome with a stable code; nothing here rejects or throws after construction. A streamed
 * job (http1-job.ts) has its response handed to a StreamHandler as it arrives instead (the openai client's token
 * streams), over the same connections.
 */
import { nowUs, type Outcome, timeoutDelayMs } from './client.js';
import type { ErrorSamples } from './failures.js';
import { type ConnectionOwner, Http1Connection } from './http1-connection.js';
import { failJob, type HttpResponse, Job, KEEP_ALL } from './http1-job.js';
import type tls from 'node:tls';

export type { HttpResponse } from './http1-job.js';

/** PoolOptions configures a pool. */
export interface PoolOptions {
  host: string;
  port: number;
  /** Most connections open at once; requests beyond them wait for a free connection. */
  maxConnections: number;
  /** A request not answered within this time is recorded as TIMEOUT and its connection closed. */
  timeoutMs: number;
  /** Where the first distinct failures are kept (optional). */
  samples?: ErrorSamples;
  /** describeError turns a non-2xx response body into a message for the samples (default: the body as text). */
  describeError?: (status: number, body: Buffer) => string;
  /** TLS options for every connection (absent: plain TCP). */
  tls?: tls.ConnectionOptions;
}

/** ERROR_BODY_BYTES is how much of a non-2xx body is kept for the error samples. */
const ERROR_BODY_BYTES = 4096;

/** Http1Pool sends pre-serialised requests over a pool of keep-alive connections. */
export class Http1Pool implements ConnectionOwner {
  /** Connections opened so far (reconnects included). */
  connectsTotal = 0;
  closed = false;
  private readonly idle: Http1Connection[] = [];
  private readonly live = new Set<Http1Connection>();
  private readonly waiting: Job[] = [];

  constructor(readonly opts: PoolOptions) {}

  /** openConnections is the number of connections open now. */
  get openConnections(): number {
    return this.live.size;
  }

  /** send writes `payload` (a whole request) and resolves with its outcome; `noBody` for HEAD requests. */
  send(payload: Buffer, noBody = false): Promise<Outcome> {
    const job = new Job(payload, noBody, false);
    const p = new Promise<Outcome | HttpResponse>((resolve) => (job.resolve = resolve));
    this.dispatch(job);
    return p as Promise<Outcome>;
  }

  /** fetch is `send` keeping the response (status, head, and the body up to keepBytes; `outcome.bytes` counts all of it). */
  fetch(payload: Buffer, noBody = false, keepBytes = KEEP_ALL): Promise<HttpResponse> {
    const job = new Job(payload, noBody, true, keepBytes);
    const p = new Promise<Outcome | HttpResponse>((resolve) => (job.resolve = resolve));
    this.dispatch(job);
    return p as Promise<HttpResponse>;
  }

  /** withdraw takes a job out of the wait queue (its handler's time ran out first); false if it was not waiting. */
  withdraw(job: Job): boolean {
    const i = this.waiting.indexOf(job);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    stopWaiting(job);
    return true;
  }

  /** abort closes the connection that carries `job` now, if any, without a word to the job (a streamed job's handler ended it). */
  abort(job: Job): void {
    for (const conn of this.live) if (conn.abort(job)) return;
  }

  /** close destroys every connection; outstanding and waiting requests resolve as CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    const closing: Promise<void>[] = [];
    for (const conn of [...this.live]) {
      if (!conn.socket.closed) closing.push(new Promise((r) => conn.socket.once('close', () => r())));
      conn.cancel();
    }
    for (const job of this.waiting.splice(0)) {
      stopWaiting(job);
      failJob(job, 'CANCELLED', 'the client was closed');
    }
    await Promise.all(closing);
  }

  /**
   * dispatch starts a job on an idle connection, a new one, or queues it. A streamed job (one with a StreamHandler)
   * gets its response as it arrives; its handler owns its timeouts (the pool sets none, no wait limit either) and
   * ends it early with `withdraw` (still waiting) or `abort` (written: its connection is closed).
   */
  dispatch(job: Job): void {
    if (this.closed) return failJob(job, 'CANCELLED', 'the client was closed');
    let conn = this.idle.pop();
    if (conn === undefined) {
      if (this.live.size >= this.opts.maxConnections) {
        job.queuedUs = nowUs();
        if (job.stream === null) {
          job.waitTimer = setTimeout(this.expire, timeoutDelayMs(this.opts.timeoutMs), job);
          job.waitTimer.unref();
        }
        this.waiting.push(job);
        return;
      }
      conn = this.open();
    }
    conn.start(job);
  }

  /** release takes back a connection whose response is complete. */
  release(conn: Http1Connection): void {
    const next = this.takeWaiting();
    if (next !== undefined) conn.start(next);
    else this.idle.push(conn);
  }

  /** forget drops a closed connection and starts waiting requests on new ones. */
  forget(conn: Http1Connection): void {
    if (!this.live.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    while (this.live.size < this.opts.maxConnections && !this.closed) {
      const next = this.takeWaiting();
      if (next === undefined) break;
      this.open().start(next);
    }
  }

  /** record keeps a failure in the samples (when there are samples with room). */
  record(code: string, status: number, body: Buffer[] | null, message: string): void {
    const samples = this.opts.samples;
    if (samples === undefined || samples.full) return;
    if (body !== null) message = (this.opts.describeError ?? bodyText)(status, Buffer.concat(body));
    samples.add(code, message);
  }

  /** errorBodyBytes is how much of a non-2xx body to keep now (0 once the samples are full). */
  errorBodyBytes(): number {
    const samples = this.opts.samples;
    return samples === undefined || samples.full ? 0 : ERROR_BODY_BYTES;
  }

  /** takeWaiting returns the oldest waiting job (its wait timer stopped), or undefined. */
  private takeWaiting(): Job | undefined {
    const job = this.waiting.shift();
    if (job !== undefined) stopWaiting(job);
    return job;
  }

  /** expire fails as TIMEOUT a job that waited timeoutMs for a connection; it was never sent. */
  private readonly expire = (job: Job): void => {
    job.waitTimer = null;
    const i = this.waiting.indexOf(job);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    job.sentUs = job.queuedUs;
    const message = `no connection was free within ${this.opts.timeoutMs} ms`;
    this.record('TIMEOUT', 0, null, message);
    failJob(job, 'TIMEOUT', message);
  };

  private open(): Http1Connection {
    const conn = new Http1Connection(this);
    this.live.add(conn);
    this.connectsTotal++;
    return conn;
  }
}

function bodyText(status: number, body: Buffer): string {
  const text = body.toString('utf8').trim();
  return text === '' ? `HTTP status ${status}` : text;
}

function stopWaiting(job: Job): void {
  if (job.waitTimer === null) return;
  clearTimeout(job.waitTimer);
  job.waitTimer = null;
}
