/**
 * Access logging for an HTTP/1.1 front end (the server's, or the router's): watchHttpRequest is called first
 * thing for each request and records its line once the response is handed to the socket.
 */
import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AccessLog } from '../core/access-log.js';

/** ResolveVersion names the version a request for `model` without a version would be served by, if known. */
export type ResolveVersion = (model: string) => string | undefined;

/** CLIENT_CLOSED is the status logged for a response the client did not wait for (nginx's 499). */
export const CLIENT_CLOSED = '499';

const MODEL_ROUTE = /^\/v2\/(?:repository\/)?models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/[^/]+)?$/;

/** modelOfPath is the model (and version) an HTTP path names, or undefined for paths that name none. */
export function modelOfPath(path: string): { model: string; version?: string } | undefined {
  if (path === '/v2/models/stats') return undefined;
  const m = MODEL_ROUTE.exec(path);
  if (!m) return undefined;
  const model = decode(m[1]!);
  const version = m[2] === undefined ? undefined : decode(m[2]);
  return model === undefined ? undefined : { model, ...(version !== undefined && { version }) };
}

/** Named is what modelOfPath found; NAMES caches it for the few paths a server sees (cleared past MAX_NAMES). */
type Named = ReturnType<typeof modelOfPath>;
const NAMES = new Map<string, Named>();
const MAX_NAMES = 256;

function cachedModelOfPath(path: string): Named {
  let named = NAMES.get(path);
  if (named === undefined && !NAMES.has(path)) {
    named = modelOfPath(path);
    if (NAMES.size >= MAX_NAMES) NAMES.clear();
    NAMES.set(path, named);
  }
  return named;
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * CountedRequest counts the body bytes the parser hands the request (through push), whoever reads them and
 * whether anyone does: listening for 'data' would start the flow of a body the server may not want to read.
 */
export class CountedRequest extends IncomingMessage {
  bodyBytes = 0;
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) this.bodyBytes += (chunk as Uint8Array).length;
    return super.push(chunk, encoding);
  }
}

/** CountedResponse counts the body bytes written (end() does not go through write(), so each is counted once). */
export class CountedResponse extends ServerResponse {
  bodyBytes = 0;
}
const write = ServerResponse.prototype.write as (this: ServerResponse, chunk: unknown, a?: unknown, b?: unknown) => boolean;
const end = ServerResponse.prototype.end as (this: ServerResponse, chunk?: unknown, a?: unknown, b?: unknown) => ServerResponse;
CountedResponse.prototype.write = function countingWrite(this: CountedResponse, chunk: unknown, a?: unknown, b?: unknown): boolean {
  this.bodyBytes += byteLength(chunk, a);
  return write.call(this, chunk, a, b);
} as CountedResponse['write'];
CountedResponse.prototype.end = function countingEnd(this: CountedResponse, chunk?: unknown, a?: unknown, b?: unknown): CountedResponse {
  if (typeof chunk !== 'function') this.bodyBytes += byteLength(chunk, a);
  end.call(this, chunk, a, b);
  return this;
} as CountedResponse['end'];

/** COUNTED are the options of http.createServer that make its requests and responses count their bytes (for watchHttpRequest). */
export const COUNTED: ServerOptions = { IncomingMessage: CountedRequest, ServerResponse: CountedResponse as unknown as typeof ServerResponse };

/**
 * watchHttpRequest records `req`'s line in `log` once its response is done (or its connection closed first:
 * status 499); the server must be created with COUNTED. Request bytes are the declared Content-Length, or the
 * body bytes received when there is none (chunked); response bytes are the body bytes written. Neither the query
 * string nor any header is kept.
 */
export function watchHttpRequest(log: AccessLog, req: IncomingMessage, res: ServerResponse, resolve?: ResolveVersion): void {
  const startUs = log.nowUs();
  const startMs = performance.now();
  // 'close' follows 'finish' by one tick; one listener serves both outcomes.
  res.on('close', () => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = q < 0 ? url : url.slice(0, q);
    const named = cachedModelOfPath(route);
    log.record({
      startUs,
      durationUs: Math.max(1, Math.round((performance.now() - startMs) * 1000)),
      protocol: 'http',
      method: req.method ?? 'GET',
      route,
      model: named?.model,
      version: named === undefined ? undefined : (named.version ?? resolve?.(named.model)),
      status: res.writableFinished ? String(res.statusCode) : CLIENT_CLOSED,
      requestBytes: declaredLength(req) ?? (req as Partial<CountedRequest>).bodyBytes ?? 0,
      responseBytes: (res as Partial<CountedResponse>).bodyBytes ?? 0,
    });
  });
}

function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  if (v !== undefined) return /^\s*\d+\s*$/.test(v) ? Number(v) : undefined;
  return req.headers['transfer-encoding'] === undefined ? 0 : undefined;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return (chunk as Uint8Array).byteLength ?? 0;
}
