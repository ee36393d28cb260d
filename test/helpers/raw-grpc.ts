/**
 * gRPC calls with bytes no proto client would send: a unary call whose message is arbitrary bytes (over a real
 * grpc-js channel), and a raw HTTP/2 request with arbitrary headers and body frames (node:http2), each resolving
 * with the status the server answered, never rejecting.
 */
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';

/** GrpcAnswer is how a call ended: its gRPC status and message, or the HTTP/2 status when no gRPC status came. */
export interface GrpcAnswer {
  code?: number;
  details: string;
  httpStatus?: number;
  /** The stream was reset or the connection lost without any status. */
  reset?: string;
  /** The RST_STREAM code, when the stream was reset. */
  rstCode?: number;
}

/** rawUnary sends `message` as the (already serialized) request of `method` on a fresh channel to 127.0.0.1:port. */
export function rawUnary(port: number, method: string, message: Buffer, metadata = new grpc.Metadata()): Promise<GrpcAnswer> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const id = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(method, id, id, message, metadata, { deadline: Date.now() + 15_000 }, (err) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
    });
  });
}

/** frame wraps bytes in gRPC's 5-byte message framing (compressed flag, big-endian length). */
export function frame(message: Buffer, compressed = false, claimedLength = message.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(claimedLength, 1);
  return Buffer.concat([head, message]);
}

/** H2Request is a raw HTTP/2 request: extra or replaced headers, and the DATA to send (then END_STREAM unless `stall`). */
export interface H2Request {
  headers?: http2.OutgoingHttpHeaders;
  body?: Buffer;
  /** Keep the stream open after the body (a client that stalls). */
  stall?: boolean;
  timeoutMs?: number;
}

/**
 * rawH2 sends one request over a fresh HTTP/2 connection to 127.0.0.1:port, or over `session` (left open: streams
 * on one connection reach the server in order), and resolves with what came back.
 */
export function rawH2(target: number | http2.ClientHttp2Session, req: H2Request): Promise<GrpcAnswer & { elapsedMs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const session = typeof target === 'number' ? http2.connect(`http://127.0.0.1:${target}`) : target;
    session.on('error', () => {});
    let httpStatus: number | undefined;
    let settled = false;
    const done = (a: GrpcAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (typeof target === 'number') session.destroy();
      resolve({ httpStatus, ...a, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => done({ details: '', reset: 'no answer before the deadline' }), req.timeoutMs ?? 15_000);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/inference.GRPCInferenceService/ServerLive',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...req.headers,
    });
    stream.on('error', () => {});
    const fromHeaders = (h: http2.IncomingHttpHeaders): boolean => {
      if (h['grpc-status'] === undefined) return false;
      done({ code: Number(h['grpc-status']), details: safeDecode(String(h['grpc-message'] ?? '')) });
      return true;
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[':status']);
      fromHeaders(h);
    });
    stream.on('trailers', (h) => fromHeaders(h));
    stream.on('data', () => {});
    // A non-200 HTTP status is an answer too (grpc-js answers a wrong content type with 415).
    stream.on('close', () =>
      done(httpStatus !== undefined && httpStatus !== 200 ? { details: '' } : { details: '', reset: `stream closed (code ${stream.rstCode}) without a gRPC status`, rstCode: stream.rstCode }),
    );
    if (req.body) stream.write(req.body);
    if (!req.stall) stream.end();
  });
}

/** safeDecode decodes grpc-message as grpc-js clients do (decodeURI: %2C or %3A would stay as they are). */
function safeDecode(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}
