/**
 * GrpcChannel: unary gRPC calls over `node:http2` directly, without grpc-js (too slow to generate load). Calls are
 * streams multiplexed over a few HTTP/2 sessions, used round robin and reopened when they close or receive GOAWAY.
 * A call sends one pre-framed message and ends with the grpc-status of the trailers (or of a trailers-only
 * response); every other ending is mapped to a stable outcome code. Stream listeners are module functions that
 * find their call on the stream, so a call allocates no listener closures.
 */
import http2 from 'node:http2';
import { nowUs, type Outcome, timeoutDelayMs } from './client.js';
import { type ErrorSamples, grpcCode, grpcStatusOfHttp, transportCode } from './failures.js';
import type tls from 'node:tls';
import { isTlsError } from './tls-options.js';

/** ChannelOptions configures a channel for one RPC path. */
export interface ChannelOptions {
  /** `host:port` (IPv6 in brackets). */
  authority: string;
  /** The RPC, e.g. /inference.GRPCInferenceService/ModelInfer. */
  path: string;
  /** HTTP/2 sessions (TCP connections) to spread calls over (at least 1). */
  sessions: number;
  timeoutMs: number;
  samples?: ErrorSamples;
  /** Metadata sent with every call (lower-case names, validated by the target file). */
  metadata?: Readonly<Record<string, string>>;
  /** TLS options (absent: plain HTTP/2 over TCP, h2c). */
  tls?: tls.ConnectionOptions;
}

/** GrpcResponse is a call's outcome with its response kept (for `check()`). */
export interface GrpcResponse {
  outcome: Outcome;
  /** The grpc-status (-1 when none arrived). */
  status: number;
  /** The grpc-message (percent-decoded), or why the call failed without one. */
  message: string;
  body: Buffer;
}

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY } = http2.constants;
/** Flow-control windows large enough that big tensors are not throttled by the 64 KiB defaults. */
const STREAM_WINDOW = 16 * 1024 * 1024;
const SESSION_WINDOW = 64 * 1024 * 1024;
const CALL = Symbol('gauntlet.call');

type CallStream = http2.ClientHttp2Stream & { [CALL]: Call };

/** Call is the state of one RPC, kept on its stream. */
class Call {
  sentUs = nowUs();
  firstByteUs = 0;
  bytes = 0;
  status = -1;
  message = '';
  httpStatus = 0;
  err: Error | null = null;
  settled = false;
  timer: NodeJS.Timeout | null = null;
  chunks: Buffer[] | null;
  resolve: (v: Outcome | GrpcResponse) => void = () => {};
  constructor(
    readonly channel: GrpcChannel,
    readonly session: http2.ClientHttp2Session,
    keep: boolean,
  ) {
    this.chunks = keep ? [] : null;
  }
}

/** KEPT_BYTES bounds the response body `fetch` keeps (64 MiB, as a checked HTTP response). */
export const KEPT_BYTES = 64 << 20;

/** CLOSE_WAIT_MS bounds how long close() waits for each session to report that it closed. */
const CLOSE_WAIT_MS = 1000;

/** GrpcChannel makes unary calls of one RPC to one server. */
export class GrpcChannel {
  closed = false;
  /** Sessions opened so far (reconnects included). */
  connectsTotal = 0;
  /** The session each slot uses now (null: open one at the next call). */
  private readonly sessions: (http2.ClientHttp2Session | null)[];
  /** Every session not closed yet, including those left after GOAWAY that still finish their calls. */
  private readonly live = new Set<http2.ClientHttp2Session>();
  private readonly headers: http2.OutgoingHttpHeaders;
  private next = 0;

  constructor(readonly opts: ChannelOptions) {
    this.sessions = new Array<http2.ClientHttp2Session | null>(Math.max(1, opts.sessions)).fill(null);
    // A `host` entry in the metadata is the target's Host override: it becomes the :authority of every call.
    const { host, ...metadata } = opts.metadata ?? {};
    this.headers = { ...metadata, ':method': 'POST', ':path': opts.path, ':scheme': opts.tls ? 'https' : 'http', ':authority': host ?? opts.authority, 'content-type': 'application/grpc', te: 'trailers' };
  }

  /** call sends one framed message and resolves with the outcome. */
  call(frame: Buffer): Promise<Outcome> {
    return this.start(frame, false) as Promise<Outcome>;
  }

  /** fetch is `call` keeping the response body and grpc-message. */
  fetch(frame: Buffer): Promise<GrpcResponse> {
    return this.start(frame, true) as Promise<GrpcResponse>;
  }

  /** close ends every session; calls in flight resolve as CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    this.sessions.fill(null);
    // Each session's 'close', but at most CLOSE_WAIT_MS: a session whose TLS handshake the server refused after it
    // had begun may never emit it, and an await on it alone would leave nothing to keep the process alive.
    await Promise.all(
      [...this.live].map(
        (s) =>
          new Promise<void>((r) => {
            const timer = setTimeout(r, CLOSE_WAIT_MS);
            s.once('close', () => (clearTimeout(timer), r()));
            s.destroy();
          }),
      ),
    );
    this.live.clear();
  }

  private start(frame: Buffer, keep: boolean): Promise<Outcome | GrpcResponse> {
    if (this.closed) return Promise.resolve(cancelled(keep));
    const session = this.session();
    const call = new Call(this, session, keep);
    const p = new Promise<Outcome | GrpcResponse>((resolve) => (call.resolve = resolve));
    let stream: CallStream;
    try {
      stream = session.request(this.headers, { endStream: false }) as CallStream;
    } catch (err) {
      session.destroy(); // e.g. out of stream ids: the next call opens a new session
      finish(call, 'SOCKET_ERROR', (err as Error).message);
      return p;
    }
    stream[CALL] = call;
    stream.on('response', onResponse);
    stream.on('data', onData);
    stream.on('trailers', onTrailers);
    stream.on('error', onError);
    stream.on('close', onClose);
    call.timer = setTimeout(onTimeout, timeoutDelayMs(this.opts.timeoutMs), stream);
    stream.end(frame);
    return p;
  }

  private session(): http2.ClientHttp2Session {
    const i = this.next;
    this.next = i + 1 === this.sessions.length ? 0 : i + 1;
    const s = this.sessions[i];
    if (s != null && !s.closed && !s.destroyed) return s;
    const fresh = http2.connect(`${this.opts.tls ? 'https' : 'http'}://${this.opts.authority}`, { ...this.opts.tls, settings: { enablePush: false, initialWindowSize: STREAM_WINDOW }, maxSessionMemory: 64 });
    this.connectsTotal++;
    const drop = (): void => {
      if (this.sessions[i] === fresh) this.sessions[i] = null;
    };
    fresh.on('connect', () => fresh.setLocalWindowSize(SESSION_WINDOW));
    fresh.on('error', () => {}); // each call reports what it saw; an unhandled 'error' would crash the process
    fresh.on('goaway', drop);
    fresh.on('close', () => {
      drop();
      this.live.delete(fresh);
    });
    this.live.add(fresh);
    this.sessions[i] = fresh;
    return fresh;
  }
}

function onResponse(this: CallStream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
  const call = this[CALL];
  if (call.firstByteUs === 0) call.firstByteUs = nowUs();
  call.httpStatus = headers[':status'] ?? 0;
  if (headers['grpc-status'] !== undefined) readStatus(call, headers); // a trailers-only response
}

function onData(this: CallStream, chunk: Buffer): void {
  const call = this[CALL];
  if (call.firstByteUs === 0) call.firstByteUs = nowUs();
  call.bytes += chunk.length;
  // A kept body is bounded: past KEPT_BYTES the bytes are counted, not kept (the caller sees body < bytes).
  if (call.bytes <= KEPT_BYTES) call.chunks?.push(chunk);
}

function onTrailers(this: CallStream, trailers: http2.IncomingHttpHeaders): void {
  readStatus(this[CALL], trailers);
}

function onError(this: CallStream, err: Error): void {
  this[CALL].err = err;
}

function onTimeout(stream: CallStream): void {
  const call = stream[CALL];
  finish(call, 'TIMEOUT', `no complete response within ${call.channel.opts.timeoutMs} ms`);
  if (!stream.closed) stream.close(NGHTTP2_CANCEL);
}

function onClose(this: CallStream): void {
  const call = this[CALL];
  if (call.settled) return;
  if (call.status >= 0) return finish(call, grpcCode(call.status), percentDecode(call.message));
  if (call.httpStatus !== 0 && call.httpStatus !== 200) {
    return finish(call, grpcCode(grpcStatusOfHttp(call.httpStatus)), `HTTP status ${call.httpStatus} without a grpc-status`);
  }
  if (call.channel.closed) return finish(call, 'CANCELLED', 'the client was closed');
  const err = call.err as (NodeJS.ErrnoException & { cause?: unknown }) | null;
  if (err?.cause !== undefined) return finish(call, transportCode(err.cause), (err.cause as Error).message); // e.g. connect ECONNREFUSED
  if (isTlsError(err?.code)) return finish(call, 'TLS_ERROR', err!.message); // a refused handshake or certificate
  if (err?.code === 'ERR_HTTP2_ERROR') return finish(call, 'BAD_RESPONSE', `HTTP/2 ${err.message.toLowerCase()}`); // not HTTP/2, or broken framing
  if (call.session.destroyed) return finish(call, 'ECONNRESET', 'the connection closed before the call completed');
  const rst = this.rstCode ?? 0;
  if (rst !== 0) return finish(call, rstCode(rst), `the server reset the stream (HTTP/2 error code ${rst})`);
  finish(call, 'BAD_RESPONSE', call.err?.message ?? 'the response ended without a grpc-status');
}

/** rstCode maps an RST_STREAM error code to a gRPC outcome code, as the gRPC spec says. */
function rstCode(rst: number): string {
  if (rst === NGHTTP2_REFUSED_STREAM) return 'GRPC_UNAVAILABLE';
  if (rst === NGHTTP2_CANCEL) return 'GRPC_CANCELLED';
  if (rst === NGHTTP2_ENHANCE_YOUR_CALM) return 'GRPC_RESOURCE_EXHAUSTED';
  if (rst === NGHTTP2_INADEQUATE_SECURITY) return 'GRPC_PERMISSION_DENIED';
  return 'GRPC_INTERNAL';
}

function readStatus(call: Call, headers: http2.IncomingHttpHeaders): void {
  const status = Number(headers['grpc-status']);
  call.status = Number.isInteger(status) && status >= 0 ? status : 2; // an unparsable status is UNKNOWN
  const m = headers['grpc-message'];
  call.message = typeof m === 'string' ? m : '';
}

function finish(call: Call, code: string, message: string): void {
  if (call.settled) return;
  call.settled = true;
  if (call.timer !== null) clearTimeout(call.timer);
  const samples = call.channel.opts.samples;
  if (code !== 'OK' && samples !== undefined && !samples.full) samples.add(code, message === '' ? `gRPC status ${code}` : message);
  const outcome: Outcome = { code, sentUs: call.sentUs, firstByteUs: call.firstByteUs === 0 ? undefined : call.firstByteUs, doneUs: nowUs(), bytes: call.bytes };
  if (call.chunks === null) return call.resolve(outcome);
  call.resolve({ outcome, status: call.status, message, body: Buffer.concat(call.chunks) });
}

function cancelled(keep: boolean): Outcome | GrpcResponse {
  const t = nowUs();
  const outcome: Outcome = { code: 'CANCELLED', sentUs: t, firstByteUs: undefined, doneUs: t, bytes: 0 };
  return keep ? { outcome, status: -1, message: 'the client was closed', body: Buffer.alloc(0) } : outcome;
}

/** percentDecode decodes a grpc-message (percent-encoded UTF-8); a malformed one is returned as it came. */
export function percentDecode(m: string): string {
  if (!m.includes('%')) return m;
  try {
    return decodeURIComponent(m);
  } catch {
    return m;
  }
}
