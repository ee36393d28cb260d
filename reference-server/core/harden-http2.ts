/**
 * hardenHttp2Server bounds how long an HTTP/2 gRPC server (the cluster's gRPC router) waits on its clients: a
 * session with no open stream is closed after the idle timeout (a client that connects and sends nothing, or
 * stops using its connection), and a unary stream whose request stops arriving is answered DEADLINE_EXCEEDED
 * after the body timeout, or after DRAIN_BODY_TIMEOUT_MS once the server stopped listening.
 */
import http2, { type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage } from './grpc-message.js';
import { DEFAULT_TIMEOUTS, DRAIN_BODY_TIMEOUT_MS, type ServerTimeouts } from './listen.js';

/** GRPC_DEADLINE_EXCEEDED is the grpc-status a stalled request is answered with. */
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * hardenHttp2Server applies the idle and body timeouts of `timeouts` to `server` (call it before binding).
 * Streams for which `isStreaming` is true (bidirectional calls that may stay quiet between messages) get only
 * the session's idle rule.
 */
export function hardenHttp2Server(server: Http2Server, timeouts: Partial<ServerTimeouts> | undefined, isStreaming: (headers: IncomingHttpHeaders) => boolean): void {
  const t = { ...DEFAULT_TIMEOUTS, ...timeouts };
  const openStreams = new WeakMap<Http2Session, number>();
  server.on('session', (session: ServerHttp2Session) => {
    openStreams.set(session, 0);
    if (t.idleTimeoutMs <= 0) return;
    // The timer restarts on any frame, so it fires only after idleTimeoutMs of silence; a session with open
    // streams is left to the streams' own rules and checked again after its next activity.
    session.setTimeout(t.idleTimeoutMs, () => {
      if ((openStreams.get(session) ?? 0) > 0 || session.closed || session.destroyed) return;
      session.close();
      setTimeout(() => session.destroy(), DRAIN_BODY_TIMEOUT_MS).unref();
    });
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const session = stream.session;
    if (session) {
      openStreams.set(session, (openStreams.get(session) ?? 0) + 1);
      stream.once('close', () => openStreams.set(session, (openStreams.get(session) ?? 1) - 1));
    }
    if (t.bodyTimeoutMs > 0 && !isStreaming(headers)) watchRequest(server, stream, t.bodyTimeoutMs);
  });
}

/** watchRequest answers DEADLINE_EXCEEDED when a unary request's bytes stop arriving before its end. */
function watchRequest(server: Http2Server, stream: ServerHttp2Stream, bodyTimeoutMs: number): void {
  const tick = Math.min(bodyTimeoutMs, DRAIN_BODY_TIMEOUT_MS);
  let received = 0;
  let seen = 0;
  let silentMs = 0;
  stream.on('data', (chunk: Buffer) => (received += chunk.length));
  stream.once('end', () => stream.setTimeout(0));
  stream.on('timeout', () => {
    if (stream.readableEnded || stream.closed || stream.destroyed) return;
    silentMs = received === seen ? silentMs + tick : tick;
    seen = received;
    const draining = !server.listening;
    if (silentMs < bodyTimeoutMs && !draining) {
      stream.setTimeout(tick);
      return;
    }
    const why = draining ? `the server is shutting down and the request stalled for ${silentMs} ms` : `the request stalled: no data for ${silentMs} ms (body timeout)`;
    if (!stream.headersSent) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(GRPC_DEADLINE_EXCEEDED), 'grpc-message': encodeGrpcMessage(why) }, { endStream: true });
    }
    // RST_STREAM after the answer tells the client to stop sending (RFC 9113 §8.1).
    stream.close(http2.constants.NGHTTP2_NO_ERROR);
  });
  stream.setTimeout(tick);
}
