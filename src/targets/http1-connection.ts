/**
 * Http1Connection: one keep-alive HTTP/1.1 connection of an Http1Pool and the request it carries now. It writes a
 * pre-serialised request with one socket write, feeds the response to its reusable parser straight from one shared
 * read buffer, and turns every ending (complete, malformed, timeout, hang-up, cancel) into an Outcome.
 */
import net from 'node:net';
import { nowUs, type Outcome, timeoutDelayMs } from './client.js';
import { httpCode, transportCode } from './failures.js';
import { COMPLETE, MALFORMED, ResponseParser } from './http1-parser.js';
import tls from 'node:tls';

/** HttpResponse is an outcome with its response kept, as `fetch` returns it (used by `check()`). */
export interface HttpResponse {
  outcome: Outcome;
  status: number;
  /** The status line and headers, CRLF-separated ('' when no response arrived). */
  head: string;
  body: Buffer;
  /** Why no response arrived, for failures without one ('' otherwise). */
  error: string;
}

/** Body bytes kept for `fetch`: all of them. */
const KEEP_ALL = Number.MAX_SAFE_INTEGER;

// Every socket reads into this one buffer: libuv fills it and calls back synchronously, so no two reads overlap.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Job is one request, from send() until its outcome is delivered (possibly through the wait queue or a retry). */
export class Job {
  sentUs = 0;
  /** When the job began waiting for a free connection (0: it never waited). */
  queuedUs = 0;
  /** Fails the job as TIMEOUT if it is still waiting for a connection timeoutMs after it began to wait. */
  waitTimer: NodeJS.Timeout | null = null;
  retried = false;
  resolve: (v: Outcome | HttpResponse) => void = noop;
  constructor(
    readonly payload: Buffer,
    readonly noBody: boolean,
    readonly keep: boolean,
    /** With `keep`: the most body bytes kept (the rest is counted in `bytes`, not kept). */
    readonly keepBytes: number = KEEP_ALL,
  ) {}
}

function noop(): void {}

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
  private readonly timer: NodeJS.Timeout;
  private job: Job | null = null;
  private firstByteUs = 0;
  private served = 0;
  private err: Error | null = null;
  private dead = false;

  constructor(private readonly pool: ConnectionOwner) {
    const { host, port, timeoutMs, tls: secure } = pool.opts;
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
    this.timer = setTimeout(this.onTimeout, timeoutDelayMs(timeoutMs));
    this.timer.unref();
  }

  /** start writes a job's request; the connection's timer restarts, so it fires only if this job takes timeoutMs. */
  start(job: Job): void {
    this.job = job;
    this.firstByteUs = 0;
    this.parser.reset(job.keep ? job.keepBytes : 0, job.keep ? job.keepBytes : this.pool.errorBodyBytes(), job.noBody);
    if (job.sentUs === 0) job.sentUs = nowUs();
    this.timer.refresh();
    this.socket.write(job.payload);
  }

  /** cancel resolves the outstanding job (if any) as CANCELLED and closes the connection. */
  cancel(): void {
    const job = this.job;
    this.job = null;
    this.destroy();
    if (job !== null) deliver(job, failure(job, 'CANCELLED', this.firstByteUs), null, 'the client was closed');
  }

  private readonly onRead = (n: number, buf: Buffer): boolean => {
    const job = this.job;
    if (job === null) {
      this.destroy(); // bytes nobody asked for: the connection cannot be trusted any more
      return false;
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
    deliver(job, failure(job, code, this.firstByteUs, this.parser.bodyBytes), null, message);
  };

  private readonly onTimeout = (): void => {
    const job = this.job;
    if (job !== null) this.fail(job, 'TIMEOUT', `no complete response within ${this.pool.opts.timeoutMs} ms`);
  };

  private complete(job: Job, reusable: boolean): void {
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

  private fail(job: Job, code: string, message: string): void {
    this.job = null;
    this.destroy();
    this.pool.record(code, 0, null, message);
    deliver(job, failure(job, code, this.firstByteUs, this.parser.bodyBytes), null, message);
  }

  private destroy(): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    this.pool.forget(this);
  }
}

/** failure is the outcome of a job that got no (complete) response. */
export function failure(job: Job, code: string, firstByteUs = 0, bytes = 0): Outcome {
  const sentUs = job.sentUs === 0 ? nowUs() : job.sentUs;
  return { code, sentUs, firstByteUs: firstByteUs === 0 ? undefined : firstByteUs, doneUs: nowUs(), bytes };
}

/** deliver resolves a job: with the outcome, or with the kept response for `fetch`. */
export function deliver(job: Job, outcome: Outcome, kept: HttpResponse | null, error = ''): void {
  if (!job.keep) return job.resolve(outcome);
  job.resolve(kept ?? { outcome, status: 0, head: '', body: Buffer.alloc(0), error });
}
