/**
 * The gRPC router on the cluster's public gRPC port: an HTTP/2 proxy that sends each stream to one ready
 * replica over one HTTP/2 session per replica (opened again when it dies).
 *
 * Unary calls are buffered (bounded by the body limit) so an attempt that fails before the replica's response
 * headers can be sent again to another replica, within the retry rules. The replica's response headers, data and
 * trailers are forwarded as they come. Failures the router answers itself are trailers-only responses with
 * grpc-status UNAVAILABLE (14), DEADLINE_EXCEEDED (4) or RESOURCE_EXHAUSTED (8). ModelStreamInfer streams are
 * piped both ways to one replica, without retries or attempt timeout.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AccessLog } from '../core/access-log.js';
import { RETRY_AFTER_SECONDS } from '../core/admission.js';
import { hardenHttp2Server } from '../core/harden-http2.js';
import { bind, InFlight, LISTEN_BACKLOG, type ServerTimeouts } from '../core/listen.js';
import { encodeGrpcMessage } from '../core/grpc-message.js';
import { watchGrpcStream } from '../grpc/access-log-h2.js';
import type { RetryReason } from './router-metrics.js';
import { type Attempt, connectionReason, type Routing } from './routing.js';
import type { Replica } from './supervisor.js';

/** GrpcRouterOptions says where to listen. */
export interface GrpcRouterOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Idle-session and stalled-request timeouts (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
  /** Where each call gets its line, as the client saw it (docs/reference-server.md#access-log). */
  accessLog?: AccessLog;
}

/** GrpcRouter is the running gRPC router. */
export interface GrpcRouter {
  port: number;
  /** close stops accepting sessions, lets in-flight streams finish up to graceMs, then destroys the rest. */
  close(graceMs: number): Promise<void>;
}

/** GRPC_STATUS are the grpc-status codes the router answers with itself. */
export const GRPC_STATUS = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

const { NGHTTP2_CANCEL, NGHTTP2_FLAG_END_STREAM } = http2.constants;
/** Request headers not forwarded: pseudo-headers (set again), and connection-specific ones HTTP/2 forbids. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);
/** The error that ended each upstream session, to tell a refused connection from a lost one. */
const sessionErrors = new WeakMap<ClientHttp2Session, NodeJS.ErrnoException>();
const SESSION_OPTIONS: http2.SessionOptions = { maxSessionMemory: 64, settings: { initialWindowSize: 1 << 20 } };
/**
 * SESSION_WINDOW_BYTES is each connection's receive window, both ways (HTTP/2's default is 64 KiB: a busy router
 * would let one 64 KiB message per connection through per turn of its event loop).
 */
const SESSION_WINDOW_BYTES = 16 << 20;

interface Failure {
  reason: RetryReason;
  status: number;
  message: string;
}

/** startGrpcRouter binds the router (port 0 = any free port). */
export async function startGrpcRouter(routing: Routing, opts: GrpcRouterOptions): Promise<GrpcRouter> {
  const upstreams = new Map<Replica, { generation: number; session: ClientHttp2Session }>();
  const sessionFor = (r: Replica): ClientHttp2Session => {
    const known = upstreams.get(r);
    if (known && known.generation === r.generation && !known.session.closed && !known.session.destroyed) return known.session;
    known?.session.destroy();
    const session = http2.connect(`http://127.0.0.1:${r.grpcPort}`, SESSION_OPTIONS);
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
    const entry = { generation: r.generation, session };
    const forget = (): void => {
      if (upstreams.get(r) === entry) upstreams.delete(r);
    };
    session.on('error', (err: NodeJS.ErrnoException) => {
      sessionErrors.set(session, err);
      forget();
    });
    session.on('goaway', forget);
    session.on('close', forget);
    upstreams.set(r, entry);
    return session;
  };
  const server = http2.createServer({ ...SESSION_OPTIONS, maxSendHeaderBlockLength: 64 * 1024 });
  const sessions = new Set<ServerHttp2Session>();
  const inFlight = new InFlight();
  server.on('session', (s) => {
    s.setLocalWindowSize(SESSION_WINDOW_BYTES);
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
  });
  const log = opts.accessLog;
  server.on('stream', (stream, headers) => {
    if (log) watchGrpcStream(log, stream, headers);
    inFlight.enter();
    stream.on('close', () => inFlight.leave());
    stream.on('error', () => {});
    // Inference is shed from its headers alone (a refused call costs no body buffering); health checks,
    // metadata and statistics are never shed.
    const path = String(headers[':path'] ?? '');
    const isInfer = path.endsWith('/ModelInfer') || path.endsWith('/ModelStreamInfer');
    const shed = isInfer ? routing.admit('grpc') : undefined;
    if (shed !== undefined) {
      trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, shed);
      stream.resume(); // discard what the client still sends
      return;
    }
    if (path.endsWith('/ModelStreamInfer')) proxyStream(routing, sessionFor, stream, headers);
    else void proxyUnary(routing, sessionFor, opts.maxBodyBytes, stream, headers, isInfer);
  });
  hardenHttp2Server(server, opts.timeouts, (h) => String(h[':path'] ?? '').endsWith('/ModelStreamInfer'));
  const port = await bind(server, opts.host, opts.port, LISTEN_BACKLOG);
  let closing: Promise<void> | undefined;
  return {
    port,
    close: (graceMs) =>
      (closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const s of sessions) s.close(); // GOAWAY: open streams finish, no new ones
        await inFlight.drained(graceMs);
        for (const s of sessions) s.destroy();
        await closed;
        for (const { session } of upstreams.values()) session.destroy();
      })()),
  };
}

async function proxyUnary(routing: Routing, sessionFor: (r: Replica) => ClientHttp2Session, limit: number, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, isInfer: boolean): Promise<void> {
  const body = await readAll(stream, limit);
  if (body === undefined) return;
  if (typeof body === 'string') return trailersOnly(stream, GRPC_STATUS.RESOURCE_EXHAUSTED, body);
  routing.received();
  const tried = new Set<Replica>();
  let failure: Failure | undefined;
  for (let attempts = 0; ; attempts++) {
    if (stream.destroyed || stream.closed) return;
    const replica = routing.pick(tried, isInfer);
    if (typeof replica === 'string') {
      if (failure) return trailersOnly(stream, failure.status, failure.message);
      if (replica === 'full') return trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, routing.shedFull('grpc'));
      routing.metrics.countRequest(undefined, 'grpc', String(GRPC_STATUS.UNAVAILABLE));
      return trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, 'no ready replica');
    }
    if (failure && !routing.mayRetry(attempts, failure.reason)) return trailersOnly(stream, failure.status, failure.message);
    tried.add(replica);
    failure = await attempt(routing, routing.begin(replica), sessionFor, stream, headers, body, routing.opts.attemptTimeoutMs);
    if (!failure) return;
  }
}

function proxyStream(routing: Routing, sessionFor: (r: Replica) => ClientHttp2Session, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  routing.received();
  const replica = routing.pick(new Set());
  if (replica === 'full') return trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, routing.shedFull('grpc'));
  if (replica === 'none') {
    routing.metrics.countRequest(undefined, 'grpc', String(GRPC_STATUS.UNAVAILABLE));
    return trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, 'no ready replica');
  }
  void attempt(routing, routing.begin(replica), sessionFor, stream, headers, undefined, 0).then((failure) => {
    if (failure) trailersOnly(stream, failure.status, failure.message);
  });
}

/**
 * attempt sends one stream to a replica: the buffered `body`, or (undefined) the client's stream piped as it
 * comes. It resolves with a failure only when the replica sent no response headers.
 */
function attempt(
  routing: Routing,
  a: Attempt,
  sessionFor: (r: Replica) => ClientHttp2Session,
  down: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  body: Buffer | undefined,
  timeoutMs: number,
): Promise<Failure | undefined> {
  const r = a.replica;
  const count = (code: string): void => routing.metrics.countRequest(r, 'grpc', code);
  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    let trailers: OutgoingHttpHeaders | undefined;
    const settle = (failure?: Failure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      down.off('close', onClientClose);
      a.end();
      resolve(failure);
    };
    /** failBeforeResponse ends the attempt with a failure the caller may retry (unary) or answer. */
    const failBeforeResponse = (reason: RetryReason, status: number, message: string, code: string): void => {
      count(code);
      settle({ reason, status, message });
    };
    /** failAfterResponse ends a stream whose response headers were forwarded: the client gets error trailers. */
    const failAfterResponse = (code: string, status: number, message: string): void => {
      count(code);
      trailers = { 'grpc-status': String(status), 'grpc-message': encodeGrpcMessage(message) };
      if (!down.destroyed && !down.closed) down.end();
      settle();
    };
    let up: ClientHttp2Stream;
    let session: ClientHttp2Session;
    try {
      session = sessionFor(r);
      up = session.request(requestHeaders(headers), { endStream: false });
    } catch (err) {
      // A session that is closing, or headers HTTP/2 refuses: not the replica's fault (a dead connection shows as 'close').
      failBeforeResponse('reset', GRPC_STATUS.UNAVAILABLE, `replica ${r.id} failed before answering: ${(err as Error).message}`, 'reset');
      return;
    }
    const onClientClose = (): void => {
      if (settled) return;
      up.close(NGHTTP2_CANCEL);
      count('client_closed');
      settle();
    };
    down.on('close', onClientClose);
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            up.close(NGHTTP2_CANCEL);
            const message = `replica ${r.id} did not answer within ${timeoutMs} ms`;
            if (responded) failAfterResponse('timeout', GRPC_STATUS.DEADLINE_EXCEEDED, message);
            else failBeforeResponse('timeout', GRPC_STATUS.DEADLINE_EXCEEDED, message, 'timeout');
          }, timeoutMs)
        : undefined;
    up.on('response', (h, flags) => {
      if (settled) return;
      responded = true;
      routing.responded(a);
      const out = responseHeaders(h);
      if (flags & NGHTTP2_FLAG_END_STREAM) {
        // Trailers-only (an error status): the whole answer is these headers.
        if (!down.destroyed && !down.closed) down.respond(out, { endStream: true });
        count(String(h['grpc-status'] ?? 'none'));
        settle();
        return;
      }
      // Once per client stream: only the attempt that got response headers answers it.
      down.once('wantTrailers', () => down.sendTrailers(trailers ?? { 'grpc-status': String(GRPC_STATUS.UNAVAILABLE), 'grpc-message': encodeGrpcMessage(`replica ${r.id} ended the response without a status`) }));
      down.respond(out, { waitForTrailers: true });
    });
    up.on('trailers', (t) => {
      trailers = responseHeaders(t, false);
    });
    up.on('data', (chunk: Buffer) => {
      if (down.destroyed || down.closed) return;
      if (!down.write(chunk)) {
        up.pause();
        down.once('drain', () => up.resume());
      }
    });
    up.on('end', () => {
      // A stream reset or a lost connection also ends the readable side, without an answer: 'close' handles those.
      if (settled || !responded || trailers === undefined) return;
      if (!down.destroyed && !down.closed) down.end();
      count(String(trailers['grpc-status'] ?? 'none'));
      settle();
    });
    up.on('error', () => {});
    up.on('close', () => {
      if (settled) return;
      // The whole connection failed (the replica died or refused it), or only this stream was reset.
      const connectionLost = session.destroyed || session.closed;
      const sessionError = sessionErrors.get(session);
      const why = sessionError?.message ?? (connectionLost ? 'connection lost' : `stream reset (code ${up.rstCode})`);
      if (responded) return failAfterResponse('reset', GRPC_STATUS.UNAVAILABLE, `replica ${r.id} failed mid-response: ${why}`);
      const reason = sessionError ? connectionReason(sessionError) : 'reset';
      if (connectionLost) routing.connectionFailed(a, sessionError?.code ?? why);
      failBeforeResponse(reason, GRPC_STATUS.UNAVAILABLE, `replica ${r.id} failed before answering: ${why}`, reason);
    });
    if (body) up.end(body);
    else down.pipe(up);
  });
}

/** requestHeaders keeps the client's headers for the replica, minus connection-specific ones. */
function requestHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':method': h[':method'] ?? 'POST', ':path': h[':path'] ?? '/', ':scheme': 'http', ':authority': h[':authority'] ?? 'localhost' };
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !k.startsWith(':') && !DROPPED.has(k)) out[k] = v;
  if (out['te'] !== undefined && out['te'] !== 'trailers') delete out['te']; // the only TE value HTTP/2 allows
  return out;
}

/** responseHeaders keeps a replica's response headers (or trailers) for the client. */
function responseHeaders(h: IncomingHttpHeaders, withStatus = true): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = withStatus ? { ':status': h[':status'] ?? 200 } : {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !k.startsWith(':') && !DROPPED.has(k)) out[k] = v;
  return out;
}

/** trailersOnly answers a stream with a gRPC status and no message; UNAVAILABLE says when to retry (gRFC A6). */
function trailersOnly(stream: ServerHttp2Stream, status: number, message: string): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close(NGHTTP2_CANCEL);
    return;
  }
  const headers: OutgoingHttpHeaders = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status), 'grpc-message': encodeGrpcMessage(message) };
  if (status === GRPC_STATUS.UNAVAILABLE) headers['grpc-retry-pushback-ms'] = String(RETRY_AFTER_SECONDS * 1000);
  stream.respond(headers, { endStream: true });
}

/** readAll buffers a unary request; a string is a RESOURCE_EXHAUSTED message, undefined means the client went away. */
function readAll(stream: ServerHttp2Stream, limit: number): Promise<Buffer | string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit + 5) chunks.push(chunk); // 5 bytes of gRPC message framing
    });
    stream.on('end', () => resolve(size > limit + 5 ? `the request is ${size} bytes, over the limit of ${limit} bytes` : Buffer.concat(chunks, size)));
    stream.on('close', () => resolve(undefined));
    stream.on('aborted', () => resolve(undefined));
  });
}
