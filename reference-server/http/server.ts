/**
 * The KServe v2 / Open Inference Protocol HTTP front end, with Triton's extensions that its tools rely on:
 * model configuration (`/config`), statistics (`/stats`), the repository index, model load and unload (with
 * explicit model control) and binary tensor data.
 * Errors are `{"error": "..."}` with Triton's status codes; the server never answers a bad request by crashing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import os from 'node:os';
import { Admission, isShed, RETRY_AFTER_SECONDS } from '../core/admission.js';
import { HTTP_STATUS, InferError, notFound } from '../core/errors.js';
import { bind, hardenHttpServer, InFlight, LISTEN_BACKLOG, type ServerTimeouts } from '../core/listen.js';
import { modelMetadata } from '../core/model-metadata.js';
import { type AccessLog, servedVersion } from '../core/access-log.js';
import type { InferenceCore, LoadedModel } from '../core/types.js';
import { answerUnread, bodyLength } from '../core/unread-body.js';
import { loadConfigParameter } from '../core/load-parameters.js';
import { toProtoModelConfig } from '../grpc/model-config-proto.js';
import { OpenAiFrontEnd } from '../llm/openai-front-end.js';
import { COUNTED, watchHttpRequest } from './access-log-http.js';
import { encodeInferResponse, HEADER_LENGTH, parseInferBody } from './infer-codec.js';
import { JsonParsePool, PARSE_OFFLOAD_BYTES } from './json-parse-pool.js';
import { BodyError, readBody } from './read-body.js';

/** HttpOptions configures the HTTP front end. */
export interface HttpOptions {
  host: string;
  port: number;
  /** Largest accepted request body in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** Headers, body and idle-connection timeouts (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
  /** Largest JSON part of an infer body (the whole body without the binary extension) in bytes (default 8 MiB). */
  maxJsonBodyBytes?: number;
  /** Admission control shared with the other front ends (default: one of its own, with the default limits). */
  admission?: Admission;
  /** Threads that parse large JSON bodies (default: half the cores, 1 to 4). */
  parseThreads?: number;
  /** Where each answered request gets its line (docs/reference-server.md#access-log); default none. */
  accessLog?: AccessLog;
  /** The OpenAI routes (`/v1/...`) for the LLMs (docs/reference-server.md#llm-serving); default none (404). */
  openAi?: OpenAiFrontEnd;
}

/** HttpFrontEnd is a running HTTP front end. */
export interface HttpFrontEnd {
  port: number;
  server: Server;
  /** close stops accepting connections, lets in-flight requests finish up to graceMs, then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

/** DEFAULT_MAX_JSON_BODY_BYTES is the default limit of a JSON infer body (binary tensors have the body limit). */
export const DEFAULT_MAX_JSON_BODY_BYTES = 8 * 1024 * 1024;

const REPOSITORY_CONTROL = /^\/v2\/repository\/models\/([^/]+)\/(load|unload)$/;
const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer|config|stats))?$/;

/** The routes with a fixed path, by the one method each accepts (any other method is 405, as in Triton). */
const FIXED_ROUTES: Readonly<Record<string, string>> = {
  '/v2': 'GET',
  '/v2/health/live': 'GET',
  '/v2/health/ready': 'GET',
  '/v2/models/stats': 'GET',
  '/v2/repository/index': 'POST',
};

/** Context is what every request handler needs. */
interface Context {
  core: InferenceCore;
  admission: Admission;
  parser: JsonParsePool;
  maxBody: number;
  maxJson: number;
  openAi?: OpenAiFrontEnd;
}

/** startHttpServer binds the HTTP front end (port 0 = any free port). */
export async function startHttpServer(core: InferenceCore, opts: HttpOptions): Promise<HttpFrontEnd> {
  const ownAdmission = opts.admission === undefined;
  const ctx: Context = {
    core,
    admission: opts.admission ?? new Admission(),
    parser: new JsonParsePool(opts.parseThreads ?? Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / 2)))),
    maxBody: opts.maxBodyBytes ?? 64 * 1024 * 1024,
    maxJson: opts.maxJsonBodyBytes ?? DEFAULT_MAX_JSON_BODY_BYTES,
    openAi: opts.openAi,
  };
  const inFlight = new InFlight();
  const log = opts.accessLog;
  const resolveVersion = servedVersion(core);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (log) watchHttpRequest(log, req, res, resolveVersion);
    inFlight.enter();
    res.on('close', () => inFlight.leave());
    handle(ctx, req, res).catch((err: Error) => sendError(res, 500, `internal error: ${err.message}`));
  };
  const server = log ? createServer(COUNTED, onRequest) : createServer(onRequest);
  const sockets = hardenHttpServer(server, opts.timeouts);
  const port = await bind(server, opts.host, opts.port, LISTEN_BACKLOG);
  const close = async (graceMs = 10_000): Promise<void> => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    await inFlight.drained(graceMs);
    for (const s of sockets) s.destroy();
    await closed;
    await ctx.parser.close();
    if (ownAdmission) ctx.admission.close();
  };
  return { port, server, close };
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const receivedNs = process.hrtime.bigint();
  const { core } = ctx;
  const url = req.url ?? '/';
  const path = url.split('?', 1)[0]!;
  const method = req.method ?? 'GET';
  const isPost = method === 'POST';
  if (ctx.openAi && OpenAiFrontEnd.handles(path)) return ctx.openAi.handle(req, res, path);
  const m = MODEL_PATH.exec(path);
  // Inference is decided before its body is read: a request that is refused costs no reading or parsing.
  if (m && m[3] === 'infer' && isPost) return handleInfer(ctx, req, res, m, receivedNs);
  // Drain any body of requests that do not use it, so keep-alive connections stay usable.
  const body = isPost ? await readBody(req, ctx.maxBody).catch((e: BodyError) => e) : undefined;
  if (body instanceof BodyError) return answerError(req, res, body.status, body.message);
  try {
    const fixed = Object.hasOwn(FIXED_ROUTES, path) ? FIXED_ROUTES[path] : undefined;
    if (fixed !== undefined && method !== fixed) return sendError(res, 405, `${method} is not allowed on ${path}; use ${fixed}`, { allow: fixed });
    if (path === '/v2/health/live' && method === 'GET') return sendStatus(res, core.live(), 'the server is not live');
    if (path === '/v2/health/ready' && method === 'GET') return sendStatus(res, core.ready(), 'the server is not ready');
    if (path === '/v2' && method === 'GET') return sendJson(res, 200, core.serverMetadata());
    if (path === '/v2/models/stats' && method === 'GET') {
      return sendJson(res, 200, { model_stats: core.models().map((x) => x.statistics()) });
    }
    if (path === '/v2/repository/index' && isPost) return sendJson(res, 200, repositoryIndex(core, body!));
    const control = REPOSITORY_CONTROL.exec(path);
    if (control && isPost) return await modelControl(core, decode(control[1]!), control[2] as 'load' | 'unload', body!, res);
    if (path.startsWith('/v2/repository/models/') && isPost) return sendError(res, 404, `no route for ${method} ${path}: use .../models/{model}/load or .../unload`);
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
    return sendJson(res, 200, { ...model.config, ...toProtoModelConfig(model.config) });
  } catch (err) {
    if (err instanceof InferError) return sendError(res, HTTP_STATUS[err.status], err.message);
    throw err;
  }
}

/**
 * handleInfer serves POST .../infer: the model and the limits are checked from the headers alone, then admission
 * decides; only an admitted request has its body read and parsed (a large JSON part on a parsing thread).
 */
async function handleInfer(ctx: Context, req: IncomingMessage, res: ServerResponse, m: RegExpExecArray, receivedNs: bigint): Promise<void> {
  let model: LoadedModel;
  try {
    model = ctx.core.model(decode(m[1]!), m[2] === undefined ? '' : decode(m[2]));
  } catch (err) {
    if (err instanceof InferError) return answerError(req, res, HTTP_STATUS[err.status], err.message);
    throw err;
  }
  const jsonLength = header(req, HEADER_LENGTH);
  const declaredJson = jsonLength === undefined ? bodyLength(req) : /^\s*\d+\s*$/.test(jsonLength) ? Number(jsonLength) : 0;
  const limit = jsonLength === undefined ? Math.min(ctx.maxBody, ctx.maxJson) : ctx.maxBody;
  const declared = bodyLength(req);
  if (jsonLength !== undefined && declared !== Infinity && declaredJson > declared) {
    return answerError(req, res, 400, `Inference-Header-Content-Length is ${declaredJson}, but the body has only ${declared} bytes`);
  }
  if (declaredJson !== Infinity && declaredJson > ctx.maxJson) {
    return answerError(req, res, 413, `the JSON part of the request is ${declaredJson} bytes, over the limit of ${ctx.maxJson} bytes for JSON (binary tensors may use the binary data extension, up to ${ctx.maxBody} bytes)`);
  }
  const admitted = ctx.admission.admit(model, declared === Infinity ? 0 : declared, 'http');
  if (isShed(admitted)) return answerError(req, res, 503, admitted.message, RETRY_AFTER);
  try {
    const body = await readBody(req, limit).catch((e: BodyError) => e);
    if (body instanceof BodyError) return answerError(req, res, body.status, body.message);
    if (declared === Infinity && !admitted.grow(body.length)) {
      ctx.admission.countShed('bytes_in_flight', 'http', model);
      return sendError(res, 503, `the server holds too many request bytes (limit ${ctx.admission.maxInflightBytes}); retry later`, RETRY_AFTER);
    }
    const jsonBytes = jsonLength === undefined ? body.length : declaredJson;
    const request =
      jsonBytes >= PARSE_OFFLOAD_BYTES ? await ctx.parser.parse(body, jsonLength, receivedNs) : parseInferBody(body, jsonLength, receivedNs);
    // A model reloaded while this body arrived is retired: the request goes to the model served now.
    const serving = model.ready() ? model : ctx.core.model(model.name, m[2] === undefined ? '' : decode(m[2]));
    const response = await serving.infer(request);
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
    if (err instanceof InferError) return sendError(res, HTTP_STATUS[err.status], err.message, err.status === 'UNAVAILABLE' ? RETRY_AFTER : {});
    throw err;
  } finally {
    admitted.release();
  }
}

/** RETRY_AFTER is the header of every 503 of an inference request. */
const RETRY_AFTER: Readonly<Record<string, string>> = { 'retry-after': String(RETRY_AFTER_SECONDS) };

/** answerError sends `{"error": message}` for a request whose body may not have been read (see answerUnread). */
function answerError(req: IncomingMessage, res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const json = Buffer.from(JSON.stringify({ error: message }), 'utf8');
  answerUnread(req, res, status, { 'content-type': 'application/json', ...extra }, json);
}

/** parseJsonBody parses a small control request's JSON body; malformed JSON is INVALID_ARGUMENT (400). */
function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InferError('INVALID_ARGUMENT', `failed to parse the request JSON: ${(err as Error).message}`);
  }
}

function repositoryIndex(core: InferenceCore, body: Buffer): unknown {
  let readyOnly = false;
  if (body.length > 0) {
    const doc = parseJsonBody(body);
    readyOnly = typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>)['ready'] === true;
  }
  return core.index().filter((e) => !readyOnly || e.state === 'READY');
}

/**
 * modelControl answers the repository extension's load and unload: 200 with an empty body once done, 400 with
 * every problem when the model cannot load (or model control is not explicit). Of Triton's `parameters`, `config`
 * (a configuration override in JSON) is supported; files sent in the request are refused rather than half-applied.
 */
async function modelControl(core: InferenceCore, name: string, action: 'load' | 'unload', body: Buffer, res: ServerResponse): Promise<void> {
  let config: string | undefined;
  if (body.length > 0) {
    const doc = parseJsonBody(body);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InferError('INVALID_ARGUMENT', 'the request body must be a JSON object');
    const params = (doc as Record<string, unknown>)['parameters'];
    config = loadConfigParameter(action, typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {});
  }
  const run = action === 'load' ? core.loadModel : core.unloadModel;
  if (!run) throw new InferError('INVALID_ARGUMENT', 'explicit model control is not enabled: models are loaded from the repository at start-up');
  await run.call(core, name, config);
  sendEmpty(res, 200);
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
