/**
 * StreamPool: keep-alive HTTP/1.1 connections to one host:port whose responses are handed over as their bytes
 * arrive (the Http1Pool of the other clients counts or keeps a body whole; a token stream must be read as it
 * comes). It reuses the project's response parser, request bytes and TLS options, so a stream is timed at the
 * same socket level as every other client. One exchange at a time per connection, a limit on connections, a
 * queue beyond it; timeouts belong to the exchange (openai-client.ts), which may abort its connection at any time.
 */
import net from 'node:net';
import tls from 'node:tls';
import { nowUs } from './client.js';
import { transportCode } from './failures.js';
import { COMPLETE, MALFORMED, ResponseParser } from './http1-parser.js';

/** Exchange is one request as the pool sees it; each callback is called at most once, except onBody. */
export interface Exchange {
  readonly payload: Buffer;
  /** Set by the pool: when the request was written (the first time, for a resent request). */
  sentUs: number;
  /** Whether it was already resent once after a keep-alive race. */
  retried: boolean;
  /** The connection carrying it now (null while waiting). */
  conn: StreamConnection | null;
  /** onSent: the request was written (the first time). */
  onSent(): void;
  /** onHead: the final status and the response head (status line and headers), when they arrive at `atUs`. */
  onHead(status: number, head: string, atUs: number): void;
  /** onBody: body bytes (decoded from chunked framing) that arrived at `atUs`; valid only during the call. */
  onBody(chunk: Buffer, atUs: number): void;
  /** onEnd: the response is complete, malformed, or its connection closed/failed (code and message), or was cancelled. */
  onEnd(end: ExchangeEnd): void;
}

/** ExchangeEnd is how an exchange ended: a complete response (with the kept body of a non-2xx one), or a failure. */
export type ExchangeEnd = { kind: 'complete'; errorBody?: Buffer } | { kind: 'failed'; code: string; message: string };

/** StreamPoolOptions configures a pool. */
export interface StreamPoolOptions {
  host: string;
  port: number;
  maxConnections: number;
  tls?: tls.ConnectionOptions;
}

/** BODY_KEPT_FOR_ERRORS is how much of a non-2xx body the parser keeps (for the error message). */
const BODY_KEPT_FOR_ERRORS = 64 * 1024;

/** StreamConnection is one keep-alive connection of a StreamPool and the exchange it carries now. */
export class StreamConnection {
  readonly socket: net.Socket;
  private readonly parser = new ResponseParser();
  private ex: Exchange | null = null;
  private headSeen = false;
  private gotBytes = false;
  private served = 0;
  private err: Error | null = null;
  private dead = false;

  constructor(private readonly pool: StreamPool) {
    const { host, port, tls: secure } = pool.opts;
    this.socket = secure === undefined ? net.connect({ host, port, noDelay: true }) : tls.connect({ host, port, ...secure });
    if (secure !== undefined) this.socket.setNoDelay(true);
    this.socket.on('data', this.onData);
    this.socket.on('error', (err: Error) => (this.err = err));
    this.socket.on('close', this.onClose);
  }

  /** start writes an exchange's request. */
  start(ex: Exchange): void {
    this.ex = ex;
    ex.conn = this;
    this.headSeen = false;
    this.gotBytes = false;
    this.parser.reset(Number.MAX_SAFE_INTEGER, BODY_KEPT_FOR_ERRORS, false);
    const first = ex.sentUs === 0;
    if (first) ex.sentUs = nowUs();
    this.socket.write(ex.payload);
    if (first) ex.onSent();
  }

  /** abort closes the connection without a word to its exchange (which has ended itself). */
  abort(): void {
    this.ex = null;
    this.destroy();
  }

  /** cancel ends the exchange (if any) as CANCELLED and closes the connection. */
  cancel(): void {
    const ex = this.ex;
    this.abort();
    ex?.onEnd({ kind: 'failed', code: 'CANCELLED', message: 'the client was closed' });
  }

  private readonly onData = (chunk: Buffer): void => {
    const at = nowUs();
    const ex = this.ex;
    if (ex === null) return this.destroy(); // bytes nobody asked for: the connection cannot be trusted any more
    this.gotBytes = true;
    const p = this.parser;
    const r = p.execute(chunk);
    if (!this.headSeen && p.status > 0) {
      this.headSeen = true;
      ex.onHead(p.status, p.head, at);
    }
    if (p.status >= 200 && p.status < 300 && p.body.length > 0) {
      const parts = p.body;
      p.body = [];
      for (const part of parts) {
        if (this.ex !== ex) return; // the exchange ended (and aborted us) while reading
        ex.onBody(part, at);
      }
    }
    if (this.ex !== ex) return;
    if (r === COMPLETE) {
      const end = this.completed();
      this.served++;
      if (p.keepAlive && p.trailing === 0 && !this.pool.closed) this.pool.release(this);
      else this.destroy();
      ex.onEnd(end);
    } else if (r === MALFORMED) {
      this.abort();
      ex.onEnd({ kind: 'failed', code: 'BAD_RESPONSE', message: `malformed HTTP response: ${p.error}` });
    }
  };

  /** completed ends the exchange's part of the connection: the end to report (a non-2xx body kept for its message). */
  private completed(): ExchangeEnd {
    this.ex = null;
    const p = this.parser;
    return p.status >= 200 && p.status < 300 ? { kind: 'complete' } : { kind: 'complete', errorBody: Buffer.concat(p.body) };
  }

  private readonly onClose = (): void => {
    const ex = this.ex;
    if (ex !== null && this.parser.finish() === COMPLETE) {
      const end = this.completed();
      this.destroy();
      return ex.onEnd(end);
    }
    this.ex = null;
    this.destroy();
    if (ex === null) return;
    const code = this.err === null ? 'ECONNRESET' : transportCode(this.err);
    // A reused connection the server closed before answering (an idle keep-alive timeout racing our write):
    // send the request once more on a fresh connection, as the other clients do.
    if (!this.gotBytes && this.served > 0 && !ex.retried && (code === 'ECONNRESET' || code === 'EPIPE') && !this.pool.closed) {
      ex.retried = true;
      ex.conn = null;
      return this.pool.dispatch(ex);
    }
    const message = this.err?.message ?? (this.gotBytes ? 'the server closed the connection in the middle of the response' : 'the server closed the connection without answering');
    ex.onEnd({ kind: 'failed', code, message });
  };

  private destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    this.pool.forget(this);
  }
}

/** StreamPool hands exchanges to keep-alive connections, opening up to maxConnections and queueing the rest. */
export class StreamPool {
  closed = false;
  private readonly idle: StreamConnection[] = [];
  private readonly live = new Set<StreamConnection>();
  private readonly waiting: Exchange[] = [];

  constructor(readonly opts: StreamPoolOptions) {}

  /** openConnections is the number of connections open now. */
  get openConnections(): number {
    return this.live.size;
  }

  /** dispatch starts an exchange on an idle connection, a new one, or queues it. */
  dispatch(ex: Exchange): void {
    if (this.closed) return ex.onEnd({ kind: 'failed', code: 'CANCELLED', message: 'the client was closed' });
    let conn = this.idle.pop();
    if (conn === undefined) {
      if (this.live.size >= this.opts.maxConnections) {
        this.waiting.push(ex);
        return;
      }
      conn = this.open();
    }
    conn.start(ex);
  }

  /** withdraw takes an exchange out of the queue (its time ran out while it waited); false if it was not waiting. */
  withdraw(ex: Exchange): boolean {
    const i = this.waiting.indexOf(ex);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** release takes back a connection whose response is complete. */
  release(conn: StreamConnection): void {
    const next = this.waiting.shift();
    if (next !== undefined) conn.start(next);
    else this.idle.push(conn);
  }

  /** forget drops a closed connection and starts waiting exchanges on new ones. */
  forget(conn: StreamConnection): void {
    if (!this.live.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    while (this.live.size < this.opts.maxConnections && !this.closed && this.waiting.length > 0) this.open().start(this.waiting.shift()!);
  }

  /** close destroys every connection; outstanding and waiting exchanges end as CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    const closing: Promise<void>[] = [];
    for (const conn of [...this.live]) {
      if (!conn.socket.closed) closing.push(new Promise((r) => conn.socket.once('close', () => r())));
      conn.cancel();
    }
    for (const ex of this.waiting.splice(0)) ex.onEnd({ kind: 'failed', code: 'CANCELLED', message: 'the client was closed' });
    await Promise.all(closing);
  }

  private open(): StreamConnection {
    const conn = new StreamConnection(this);
    this.live.add(conn);
    return conn;
  }
}
