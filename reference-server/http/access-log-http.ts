/**
 * Access logging for an HTTP/1.1 front end (the server's, or the router's): watchHttpRequest is called first
 * thing for each request and records its line once the response is handed to the socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * watchHttpRequest records `req`'s line in `log` when its response finishes (or the connection closes first:
 * status 499). Request bytes are the declared Content-Length, or the body bytes received when there is none
 * (chunked); response bytes are the body bytes written. Neither the query string nor any header is kept.
 */
export function watchHttpRequest(log: AccessLog, req: IncomingMessage, res: ServerResponse, resolve?: ResolveVersion): void {
  const startUs = log.nowUs();
  const startMs = performance.now();
  let requestBytes = declaredLength(req);
  if (requestBytes === undefined) {
    requestBytes = 0;
    // The parser hands each body chunk to push(); counting there leaves the stream's flow to the handler.
    const push = req.push;
    req.push = function countingPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk !== null && chunk !== undefined) requestBytes! += (chunk as Buffer).length;
      return push.call(this, chunk, encoding);
    };
  }
  let responseBytes = 0;
  const write = res.write;
  const end = res.end;
  res.write = function countingWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    responseBytes += byteLength(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function countingEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]): ServerResponse {
    if (typeof chunk !== 'function') responseBytes += byteLength(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof res.end;
  let done = false;
  const finish = (status: string): void => {
    if (done) return;
    done = true;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = q < 0 ? url : url.slice(0, q);
    const named = modelOfPath(route);
    log.record({
      startUs,
      durationUs: Math.max(1, Math.round((performance.now() - startMs) * 1000)),
      protocol: 'http',
      method: req.method ?? 'GET',
      route,
      model: named?.model,
      version: named === undefined ? undefined : (named.version ?? resolve?.(named.model)),
      status,
      requestBytes: requestBytes!,
      responseBytes,
    });
  };
  res.on('finish', () => finish(String(res.statusCode)));
  res.on('close', () => finish(CLIENT_CLOSED));
}

function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  if (v !== undefined) return /^\s*\d+\s*$/.test(v) ? Number(v) : undefined;
  return req.headers['transfer-encoding'] === undefined ? 0 : undefined;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null) return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return (chunk as Uint8Array).byteLength ?? 0;
}
