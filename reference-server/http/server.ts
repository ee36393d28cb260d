/**
 * The KServe v2 / Open Inference Protocol HTTP front end, with Triton's extensions that its tools rely on:
 * model configuration (`/config`), statistics (`/stats`), the repository index and binary tensor data.
 * Errors are `{"error": "..."}` with Triton's status codes; the server never answers a bad request by crashing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HTTP_STATUS, InferError, notFound } from '../core/errors.js';
import { bind, hardenHttpServer, InFlight, type ServerTimeouts } from '../core/listen.js';
import { modelMetadata } from '../core/model-metadata.js';
import type { InferenceCore } from '../core/types.js';
import { toProtoModelConfig } from '../grpc/model-config-proto.js';
import { encodeInferResponse, HEADER_LENGTH, parseInferBody } from './infer-codec.js';
import { BodyError, readBody } from './read-body.js';

/** HttpOptions configures the HTTP front end. */
export interface HttpOptions {
  host: string;
  port: number;
  /** Largest accepted request body in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** Headers, body and idle-connection timeouts (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
}

/** HttpFrontEnd is a running HTTP front end. */
export interface HttpFrontEnd {
  port: number;
  server: Server;
  /** close stops accepting connections, lets in-flight requests finish up to graceMs, then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer|config|stats))?$/;

/** The routes with a fixed path, by the one method each accepts (any other method is 405, as in Triton). */
const FIXED_ROUTES: Readonly<Record<string, string>> = {
  '/v2': 'GET',
  '/v2/health/live': 'GET',
  '/v2/health/ready': 'GET',
  '/v2/models/stats': 'GET',
  '/v2/repository/index': 'POST',
};

/** startHttpServer binds the HTTP front end (port 0 = any free port). */
export async function startHttpServer(core: InferenceCore, opts: HttpOptions): Promise<HttpFrontEnd> {
  const limit = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const inFlight = new InFlight();
  const server = createServer((req, res) => {
    inFlight.enter();
    res.on('close', () => inFlight.leave());
    handle(core, req, res, limit).catch((err: Error) => sendError(res, 500, `internal error: ${err.message}`));
  });
  const sockets = hardenHttpServer(server, opts.timeouts);
  const port = await bind(server, opts.host, opts.port);
  const close = async (graceMs = 10_000): Promise<void> => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    await inFlight.drained(graceMs);
    for (const s of sockets) s.destroy();
    await closed;
  };
  return { port, server, close };
}

async function handle(core: InferenceCore, req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  const receivedNs = process.hrtime.bigint();
  const url = req.url ?? '/';
  const path = url.split('?', 1)[0]!;
  const method = req.method ?? 'GET';
  const isPost = method === 'POST';
  // Drain any body of requests that do not use it, so keep-alive connections stay usable.
  const body = isPost ? await readBody(req, limit).catch((e: BodyError) => e) : undefined;
  if (body instanceof BodyError) return sendError(res, body.status, body.message);
  try {
    const fixed = Object.hasOwn(FIXED_ROUTES, path) ? FIXED_ROUTES[path] : undefined;
    if (fixed !== undefined && method !== fixed) return sendError(res, 405, `${method} is not allowed on ${path}; use ${fixed}`, { allow: fixed });
    if (path === '/v2/health/live' && method === 'GET') return sendStatus(res, core.live(), 'the server is not live');
    if (path === '/v2/health/ready' && method === 'GET') return sendStatus(res, core.ready(), 'the server is not ready');
    if (path === '/v2' && method === 'GET') return sendJson(res, 200, core.serverMetadata());
    if (path === '/v2/models/stats' && method === 'GET') {
      return sendJson(res, 200, { model_stats: core.models().map((m) => m.statistics()) });
    }
    if (path === '/v2/repository/index' && isPost) return sendJson(res, 200, repositoryIndex(core, body!));
    if (path.startsWith('/v2/repository/models/') && isPost) {
      return sendError(res, 400, 'explicit model control is not enabled: models are loaded from the repository at start-up');
    }
    const m = MODEL_PATH.exec(path);
    if (!m) return sendError(res, 404, `no route for ${method} ${path}`);
    const name = decode(m[1]!);
    const version = m[2] === undefined ? '' : decode(m[2]);
    const action = m[3] ?? 'metadata';
    const wantMethod = action === 'infer' ? 'POST' : 'GET';
    if (method !== wantMethod) return sendError(res, 405, `${method} is not allowed on ${path}; use ${wantMethod}`, { allow: wantMethod });
    if (action === 'stats') {
      core.model(name, version); // unknown model or version: 404, as for every other model route
      return sendJson(res, 200, { model_stats: core.models().filter((x) => x.name === name && (!version || x.version === version)).map((x) => x.statistics()) });
    }
    const model = core.model(name, version);
    if (action === 'metadata') return sendJson(res, 200, modelMetadata(core, name, version));
    if (action === 'ready') return sendStatus(res, model.ready(), `model '${name}' is not ready`);
    if (action === 'config') return sendJson(res, 200, { ...model.config, ...toProtoModelConfig(model.config) });
    const request = parseInferBody(body!, header(req, HEADER_LENGTH), receivedNs);
    const response = await model.infer(request);
    const encoded = encodeInferResponse(response, request);
    const headers: Record<string, string | number> = { 'content-length': encoded.length };
    if (encoded.jsonLength !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      headers['inference-header-content-length'] = encoded.jsonLength;
    } else headers['content-type'] = 'application/json';
    res.writeHead(200, headers);
    if (Array.isArray(encoded.body)) {
      for (const part of encoded.body) res.write(part);
      res.end();
    } else res.end(encoded.body);
  } catch (err) {
    if (err instanceof InferError) return sendError(res, HTTP_STATUS[err.status], err.message);
    throw err;
  }
}

function repositoryIndex(core: InferenceCore, body: Buffer): unknown {
  let readyOnly = false;
  if (body.length > 0) {
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new InferError('INVALID_ARGUMENT', `failed to parse the request JSON: ${(err as Error).message}`);
    }
    readyOnly = typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>)['ready'] === true;
  }
  return core.index().filter((e) => !readyOnly || e.state === 'READY');
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw notFound(`malformed model name or version in the URL: ${JSON.stringify(part)}`);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendStatus(res: ServerResponse, ok: boolean, message: string): void {
  // Like Triton: 200 when live/ready, 400 when not.
  if (ok) sendEmpty(res, 200);
  else sendError(res, 400, message);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': json.length });
  res.end(json);
}

function sendError(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const json = Buffer.from(JSON.stringify({ error: message }), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': json.length, ...extra });
  res.end(json);
}
