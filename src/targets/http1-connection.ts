/**
 * Http1Connection: one keep-alive HTTP/1.1 connection of an Http1Pool and the request it carries now. It writes a
 * pre-serialised request with one socket write, feeds the response to its reusable parser straight from one shared
 * read buffer, and turns every ending (complete, malformed, timeout, hang-up, cancel) into an Outcome. A streamed
 * job (http1-job.ts) is read the same way, but its head and body chunks go to its handler as they arrive, its
 * handler's timers replace the connection's, and it ends through the handler's onEnd.
 */
import net from 'node:net';
import { nowUs, type Outcome, timeoutDelayMs } from './client.js';
import { httpCode, transportCode } from './failures.js';
import { deliver, failJob, type Job, KEEP_ALL, type StreamHandler } from './http1-job.js';
import { COMPLETE, MALFORMED, ResponseParser } from './http1-parser.js';
import tls from 'node:tls';

export type { HttpResponse } from './http1-job.js';

// Every socket reads into this one buffer: libuv fills it and calls back synchronously, so no two reads overlap.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** STREAM_ERROR_BODY_BYTES is how much of a streamed job's non-2xx body is kept (for its handler's message). */
const STREAM_ERROR_BODY_BYTES = 64 * 1024;

/** ConnectionOwner is what a connection needs of its pool. */
export interface ConnectionOwner {
  readonly opts: { host: string; port: number; timeoutMs: number; tls?: tls.ConnectionOptions };
  readonly closed: boolean;
  /** dispatch sends a job on some connection (used to resend after a keep-alive race). */
  dispatch(job: Job): void;
  /** release takes back a connection ready for the next request. */
  release(conn: Http1Connection): void;
  /** forget drops a connection that is closed. */
  forget(conn: Http1Connection): void;
  /** record keeps a failure in the error samples (from `body` when given, else `message`). */
  record(code: string, status: number, body: Buffer[] | null, message: string): void;
  /** errorBodyBytes is how much of a non-2xx body to keep now. */
  errorBodyBytes(): number;
}

/** Http1Connection is one keep-alive connection and the request it carries now. */
export class Http1Connection {
  readonly socket: net.Socket;
  private readonly parser = new ResponseParser();
  /** The request timeout of a counted or kept job (made at the first one: a streamed job's handler has its own). */
  private timer: NodeJS.Timeout | null = null;
  private job: Job | null = null;
  private firstByteUs = 0;
  private headSeen = false;
  private served = 0;
  private err: Error | null = null;
  private dead = false;

  constructor(private readonly pool: ConnectionOwner) {
    const { host, port, tls: secure } = pool.opts;
    if (secure === undefined) {
      this.socket = net.connect({ host, port, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.onRead } });
    } else {
      // TLS sockets take no onread buffer: their decrypted chunks come as 'data'. The request may be written
      // before the handshake ends (it is buffered until then).
      this.socket = tls.connect({ host, port, ...secure });
      this.socket.setNoDelay(true);
      this.socket.on('data', (chunk: Buffer) => void this.onRead(chunk.length, chunk));
    }
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  /** start writes a job's request; the connection's timer restarts, so it fires only if this job takes timeoutMs. */
  start(job: Job): void {
    this.job = job;
    this.firstByteUs = 0;
    const stream = job.stream;
    if (stream === null) {
      this.parser.reset(job.keep ? job.keepBytes : 0, job.keep ? job.keepBytes : this.pool.errorBodyBytes(), job.noBody);
      if (this.timer === null) {
        this.timer = setTimeout(this.onTimeout, timeoutDelayMs(this.pool.opts.timeoutMs));
        this.timer.unref();
      } else this.timer.refresh();
    } else {
      this.headSeen = false;
      this.parser.reset(KEEP_ALL, STREAM_ERROR_BODY_BYTES, false);
    }
    const first = job.sentUs === 0;
    if (first) job.sentUs = nowUs();
    this.socket.write(job.payload);
    if (first && stream !== null) stream.onSent();
  }

  /** abort closes the connection if it carries `job` now, without a word to the job (whose handler has ended it). */
  abort(job: Job): boolean {
    if (this.job !== job) return false;
    this.job = null;
    this.destroy();
    return true;
  }

  /** cancel resolves the outstanding job (if any) as CANCELLED and closes the connection. */
  cancel(): void {
    const job = this.job;
    this.job = null;
    this.destroy();
    if (job !== null) failJob(job, 'CANCELLED', 'the client was closed', this.firstByteUs);
  }

  private readonly onRead = (n: number, buf: Buffer): boolean => {
    const job = this.job;
    if (job === null) {
      this.destroy(); // bytes nobody asked for: the connection cannot be trusted any more
      return false;
    }
    if (job.stream !== null) {
      this.readStream(job, job.stream, n, buf);
      return true;
    }
    if (this.firstByteUs === 0) this.firstByteUs = nowUs();
    const r = this.parser.execute(buf, n);
    if (r === COMPLETE) this.complete(job, this.parser.keepAlive && this.parser.trailing === 0);
    else if (r === MALFORMED) this.fail(job, 'BAD_RESPONSE', `malformed HTTP response: ${this.parser.error}`);
    return true;
  };

  private readonly onError = (err: Error): void => {
    this.err = err;
  };

  private readonly onClose = (): void => {
    const job = this.job;
    this.job = null;
    this.destroy();
    if (job === null) return;
    if (this.parser.finish() === COMPLETE) return this.complete(job, false);
    // A reused connection the server closed before answering (an idle keep-alive timeout racing our write):
    // send the request once more on a fresh connection, as browsers and undici do.
    const code = this.err === null ? 'ECONNRESET' : transportCode(this.err);
    if (this.firstByteUs === 0 && this.served > 0 && !job.retried && (code === 'ECONNRESET' || code === 'EPIPE') && !this.pool.closed) {
      job.retried = true;
      return this.pool.dispatch(job);
    }
    const message = this.err?.message ?? (this.firstByteUs === 0 ? 'the server closed the connection without answering' : 'the server closed the connection in the middle of the response');
    this.pool.record(code, 0, null, message);
    failJob(job, code, message, this.firstByteUs, this.parser.bodyBytes);
  };

  private readonly onTimeout = (): void => {
    const job = this.job;
    if (job !== null && job.stream === null) this.fail(job, 'TIMEOUT', `no complete response within ${this.pool.opts.timeoutMs} ms`);
  };

  /** readStream parses a streamed job's bytes, handing over its head and 2xx body chunks; the handler may abort us meanwhile. */
  private readStream(job: Job, stream: StreamHandler, n: number, buf: Buffer): void {
    const at = nowUs();
    if (this.firstByteUs === 0) this.firstByteUs = at;
    const p = this.parser;
    const r = p.execute(buf, n);
    if (!this.headSeen && p.status > 0) {
      this.headSeen = true;
      stream.onHead(p.status, p.head, at);
    }
    if (p.status >= 200 && p.status < 300 && p.body.length > 0) {
      const parts = p.body;
      p.body = [];
      for (const part of parts) {
        if (this.job !== job) return;
        stream.onBody(part, at);
      }
    }
    if (this.job !== job) return;
    if (r === COMPLETE) this.complete(job, p.keepAlive && p.trailing === 0);
    else if (r === MALFORMED) this.fail(job, 'BAD_RESPONSE', `malformed HTTP response: ${p.error}`);
  }

  private complete(job: Job, reusable: boolean): void {
    if (job.stream !== null) return this.completeStream(job, job.stream, reusable);
    const p = this.parser;
    const code = httpCode(p.status);
    const outcome: Outcome = { code, sentUs: job.sentUs, firstByteUs: this.firstByteUs, doneUs: nowUs(), bytes: p.bodyBytes };
    const kept = job.keep ? { outcome, status: p.status, head: p.head, body: Buffer.concat(p.body), error: '' } : null;
    if (code !== 'OK') this.pool.record(code, p.status, p.body, '');
    this.job = null;
    this.served++;
    if (reusable && !this.pool.closed) this.pool.release(this);
    else this.destroy();
    deliver(job, outcome, kept);
  }

  /** completeStream ends a streamed job's complete response (a non-2xx body kept for its message). */
  private completeStream(job: Job, stream: StreamHandler, reusable: boolean): void {
    const p = this.parser;
    const errorBody = p.status >= 200 && p.status < 300 ? undefined : Buffer.concat(p.body);
    this.job = null;
    this.served++;
    if (reusable && !this.pool.closed) this.pool.release(this);
    else this.destroy();
    stream.onEnd(errorBody === undefined ? { kind: 'complete' } : { kind: 'complete', errorBody });
  }

  private fail(job: Job, code: string, message: string): void {
    this.job = null;
    this.destroy();
    this.pool.record(code, 0, null, message);
    failJob(job, code, message, this.firstByteUs, this.parser.bodyBytes);
  }

  private destroy(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.socket.destroy();
    this.pool.forget(this);
  }
}
