/**
 * Access logging of raw gRPC streams (the router's gRPC port, a plain HTTP/2 proxy; and the calls grpc-js answers
 * without interceptors): watchGrpcStream watches one client stream (its message bytes both ways, its grpc-status)
 * and records its line when the stream closes.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { AccessLog } from '../core/access-log.js';
import type { ResolveVersion } from '../http/access-log-http.js';
import { peekModel } from './peek-model.js';

/** GRPC_STATUS_NAMES names gRPC's status codes by number. */
export const GRPC_STATUS_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'] as const;

/** statusName is a grpc-status header value as its name (`14` → `UNAVAILABLE`); an unknown code stays a number. */
export function statusName(value: unknown): string {
  const s = String(value);
  return /^\d+$/.test(s) ? (GRPC_STATUS_NAMES[Number(s)] ?? s) : s;
}

/** sentStatus is the grpc-status the stream sent: in its trailers, or in the headers of a trailers-only answer. */
function sentStatus(stream: ServerHttp2Stream): string | undefined {
  const code = stream.sentTrailers?.['grpc-status'] ?? stream.sentHeaders?.['grpc-status'];
  return code === undefined ? undefined : statusName(code);
}

/** HEAD_BYTES is how much of the first request message is kept to read the model name from (peekModel's bound and more). */
const HEAD_BYTES = 2100;

/** MessageBytes counts the message bytes of a gRPC byte stream (the 5-byte length prefixes left out) and keeps the head of the first message. */
export class MessageBytes {
  bytes = 0;
  messages = 0;
  /** Where in a 5-byte prefix (a compression flag, then the length, big-endian) the next byte falls, and the length so far. */
  private prefixAt = 0;
  private length = 0;
  private bodyLeft = 0;
  private headParts: Uint8Array[] | undefined;
  private headBytes = 0;

  constructor(keepHead: boolean) {
    if (keepHead) this.headParts = [];
  }

  /** add counts one chunk of the stream. */
  add(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        if (this.headParts && this.messages === 1 && this.headBytes < HEAD_BYTES) {
          // A view, not a copy: every chunk a stream reads is a buffer of its own.
          const part = chunk.subarray(i, i + Math.min(n, HEAD_BYTES - this.headBytes));
          this.headParts.push(part);
          this.headBytes += part.length;
        }
        this.bytes += n;
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.prefixAt++ > 0) this.length = this.length * 256 + byte;
      if (this.prefixAt === 5) {
        this.bodyLeft = this.length;
        this.prefixAt = 0;
        this.length = 0;
        this.messages++;
      }
    }
  }

  /** head is the start of the first message (up to HEAD_BYTES), when kept. */
  head(): Uint8Array | undefined {
    if (this.headParts?.length === 1) return this.headParts[0];
    return this.headParts && Buffer.concat(this.headParts, this.headBytes);
  }
}

/** NAMED_BY_MESSAGE are the methods whose request opens with the model's name and version (fields 1 and 2). */
const NAMED_BY_MESSAGE = /^(?:ModelInfer|ModelStreamInfer|ModelMetadata|ModelReady|ModelConfig|ModelStatistics)$/;

/** Route is what a gRPC path gives a line: the route, the method name, and whether the message names a model. */
interface Route {
  route: string;
  method: string;
  named: boolean;
}
/** ROUTES caches the few paths a server sees (cleared when a client sends many distinct ones). */
const ROUTES = new Map<string, Route>();
const MAX_ROUTES = 256;

function routeOf(path: string): Route {
  let r = ROUTES.get(path);
  if (r === undefined) {
    const q = path.indexOf('?');
    const route = q < 0 ? path : path.slice(0, q);
    const method = route.slice(route.lastIndexOf('/') + 1);
    r = { route, method, named: NAMED_BY_MESSAGE.test(method) };
    if (ROUTES.size >= MAX_ROUTES) ROUTES.clear();
    ROUTES.set(path, r);
  }
  return r;
}

/**
 * watchGrpcStream records `stream`'s line in `log` when it closes: the status the client got (from the response
 * headers of a trailers-only answer, or the trailers; CANCELLED when it got none), and the message bytes each way.
 * `resolve` names the version served for a request that names none (the single server; the router cannot know).
 */
export function watchGrpcStream(log: AccessLog, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, resolve?: ResolveVersion): void {
  const startUs = log.nowUs();
  const startMs = performance.now();
  const { route, method, named } = routeOf(String(headers[':path'] ?? ''));
  const request = new MessageBytes(named);
  const response = new MessageBytes(false);
  /*
   * Incoming data reaches the stream through push(): counted there, since listening for 'data' would start the
   * flow of a request the router may not want to read (a shed one). The answer is counted in write(); its status
   * is read from the headers or trailers sent once the stream closes.
   */
  const push = stream.push;
  stream.push = function countingPush(this: ServerHttp2Stream, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk instanceof Uint8Array) request.add(chunk);
    return push.call(this, chunk, encoding);
  };
  const write = stream.write as (this: ServerHttp2Stream, chunk: unknown, a?: unknown, b?: unknown) => boolean;
  stream.write = function countingWrite(this: ServerHttp2Stream, chunk: unknown, a?: unknown, b?: unknown): boolean {
    if (chunk instanceof Uint8Array) response.add(chunk);
    return write.call(this, chunk, a, b);
  } as typeof stream.write;
  stream.on('close', () => {
    const head = request.head();
    const peeked = head && peekModel(head);
    const model = peeked && peeked.name !== '' ? peeked.name : undefined;
    const version = model === undefined ? undefined : peeked!.version !== '' ? peeked!.version : resolve?.(model);
    log.record({
      startUs,
      durationUs: Math.max(1, Math.round((performance.now() - startMs) * 1000)),
      protocol: 'grpc',
      method,
      route,
      model,
      version,
      status: sentStatus(stream) ?? 'CANCELLED',
      requestBytes: request.bytes,
      responseBytes: response.bytes,
    });
  });
}
