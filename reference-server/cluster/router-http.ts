/**
 * The HTTP/1.1 router on the cluster's public HTTP port: a reverse proxy that sends each request to one ready
 * replica over a keep-alive connection pool per replica and streams the answer back.
 *
 * The request body is buffered (bounded by the body limit) so that an attempt that fails before any response
 * byte (connection refused or lost, attempt timeout) can be sent again to another replica, within the retry
 * rules. Once a replica's response has started, it is the answer: a replica that dies mid-response ends the
 * client's connection (there is no honest way to finish a half-sent body), so a token stream cut by a killed
 * replica is never retried and its client sees it cut.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessLog } from '../core/access-log.js';
import { RETRY_AFTER_SECONDS } from '../core/admission.js';
import { bind, hardenHttpServer, InFlight, LISTEN_BACKLOG, type ServerTimeouts } from '../core/listen.js';
import { answerUnread } from '../core/unread-body.js';
import { COUNTED, watchHttpRequest } from '../http/access-log-http.js';
import type { RetryReason } from './router-metrics.js';
import { type Attempt, connectionReason, type Routing } from './routing.js';
import type { Replica } from './supervisor.js';

/** HttpRouterOptions says where to listen. */
export interface HttpRouterOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Headers, body and idle-connection timeouts (default DEFAULT_TIMEOUTS; docs/reference-server.md#timeouts). */
  timeouts?: Partial<ServerTimeouts>;
  /** Where each answered request gets its line, as the client saw it (docs/reference-server.md#access-log). */
  accessLog?: AccessLog;
}

/** HttpRouter is the running HTTP router. */
export interface HttpRouter {
  port: number;
  /** close stops accepting, lets in-flight requests finish up to graceMs, then closes every connection. */
  close(graceMs: number): Promise<void>;
}

/** REPLICA_HEADER names the response header that tells which replica answered. */
export const REPLICA_HEADER = 'x-gauntlet-replica';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the router sets itself. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'content-length']);
/** Idle pooled connections to a replica close after this long (well under the replicas' 75 s keep-alive). */
const POOL_IDLE_MS = 30_000;

/** AttemptFailure is an attempt that ended before any response byte: maybe retried, else answered with `status`. */
interface AttemptFailure {
  reason: RetryReason;
  status: 502 | 504;
  message: string;
}

/** startHttpRouter binds the router (port 0 = any free port). */
export async function startHttpRouter(routing: Routing, opts: HttpRouterOptions): Promise<HttpRouter> {
  const pools = new Map<Replica, { generation: number; agent: http.Agent }>();
  const agentFor = (r: Replica): http.Agent => {
    const pool = pools.get(r);
    if (pool && pool.generation === r.generation) return pool.agent;
    pool?.agent.destroy();
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, timeout: POOL_IDLE_MS, scheduling: 'lifo', noDelay: true });
    pools.set(r, { generation: r.generation, agent });
    return agent;
  };
  const inFlight = new InFlight();
  const log = opts.accessLog;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (log) watchHttpRequest(log, req, res);
    inFlight.enter();
    res.on('close', () => inFlight.leave());
    handle(routing, agentFor, opts.maxBodyBytes, req, res).catch((err: Error) => sendError(res, 500, `router internal error: ${err.message}`));
  };
  const server = log ? http.createServer(COUNTED, onRequest) : http.createServer(onRequest);
  const sockets = hardenHttpServer(server, opts.timeouts);
  const port = await bind(server, opts.host, opts.port, LISTEN_BACKLOG);
  let closing: Promise<void> | undefined;
  return {
    port,
    close: (graceMs) =>
      (closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await inFlight.drained(graceMs);
        for (const s of sockets) s.destroy();
        await closed;
        for (const { agent } of pools.values()) agent.destroy();
      })()),
  };
}

async function handle(routing: Routing, agentFor: (r: Replica) => http.Agent, limit: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Inference is shed from its headers alone (a refused request costs no body buffering); health checks,
  // metadata and statistics are never shed.
  const isInfer = req.method === 'POST' && INFER_PATH.test(req.url ?? '');
  const shed = isInfer ? routing.admit('http') : undefined;
  if (shed !== undefined) return answerError(req, res, 503, shed, RETRY_AFTER);
  const body = await readRaw(req, limit);
  if (typeof body === 'string') return answerError(req, res, 413, body);
  if (body === undefined) return; // the client went away while sending
  routing.received();
  const headers = forwardHeaders(req.headers, body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined ? body.length : undefined);
  const tried = new Set<Replica>();
  let failure: AttemptFailure | undefined;
  for (let attempts = 0; ; attempts++) {
    if (res.destroyed) return;
    const replica = routing.pick(tried, isInfer);
    if (typeof replica === 'string') {
      if (failure) return sendError(res, failure.status, failure.message);
      if (replica === 'full') return sendError(res, 503, routing.shedFull('http'), RETRY_AFTER);
      routing.metrics.countRequest(undefined, 'http', '503');
      return sendError(res, 503, 'no ready replica', RETRY_AFTER);
    }
    if (failure && !routing.mayRetry(attempts, failure.reason)) return sendError(res, failure.status, failure.message);
    tried.add(replica);
    failure = await attempt(routing, routing.begin(replica), agentFor(replica), req, res, headers, body);
    if (!failure) return;
  }
}

/** attempt sends the request to one replica; it resolves with a failure only when no response byte arrived. */
function attempt(routing: Routing, a: Attempt, agent: http.Agent, req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders, body: Buffer): Promise<AttemptFailure | undefined> {
  const r = a.replica;
  const count = (code: string): void => routing.metrics.countRequest(r, 'http', code);
  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    const settle = (failure?: AttemptFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.off('close', onClientClose);
      a.end();
      resolve(failure);
    };
    const upstream = http.request({ host: '127.0.0.1', port: r.httpPort, method: req.method, path: req.url, headers, agent });
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      upstream.destroy();
      count('client_closed');
      settle();
    };
    res.on('close', onClientClose);
    const timer = setTimeout(() => {
      upstream.destroy();
      count('timeout');
      if (responded) {
        res.destroy();
        settle();
      } else settle({ reason: 'timeout', status: 504, message: `replica ${r.id} did not answer within ${routing.opts.attemptTimeoutMs} ms` });
    }, routing.opts.attemptTimeoutMs);
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      if (responded) {
        count('reset');
        res.destroy();
        return settle();
      }
      count(connectionReason(err));
      routing.connectionFailed(a, err.code ?? err.message);
      settle({ reason: connectionReason(err), status: 502, message: `replica ${r.id} failed before answering: ${err.message}` });
    });
    upstream.on('response', (up) => {
      responded = true;
      routing.responded(a);
      // An event stream (an LLM's tokens) lasts as long as its generation: the attempt timeout bounds its start only.
      if (String(up.headers['content-type'] ?? '').startsWith('text/event-stream')) clearTimeout(timer);
      res.writeHead(up.statusCode ?? 502, { ...backwardHeaders(up.headers), [REPLICA_HEADER]: r.id });
      up.on('data', (chunk: Buffer) => {
        if (!res.write(chunk)) {
          up.pause();
          res.once('drain', () => up.resume());
        }
      });
      up.on('end', () => {
        res.end();
        count(String(up.statusCode));
        settle();
      });
      up.on('close', () => {
        if (settled || up.complete) return;
        // The replica's connection ended mid-response: the client cannot get a whole answer.
        count('reset');
        res.destroy();
        settle();
      });
      up.on('error', () => {});
    });
    upstream.end(body);
  });
}

/** INFER_PATH matches the inference route (the only one admission control applies to). */
const INFER_PATH = /^\/v2\/models\/[^/?]+(?:\/versions\/[^/?]+)?\/infer(?:\?|$)/;

/** RETRY_AFTER is the header of the router's own 503s. */
const RETRY_AFTER: Readonly<Record<string, string>> = { 'retry-after': String(RETRY_AFTER_SECONDS) };

/**
 * readRaw buffers the request body; a string is a 413 message (answered at once, the rest unread), undefined
 * means the client went away.
 */
function readRaw(req: IncomingMessage, limit: number): Promise<Buffer | string | undefined> {
  return new Promise((resolve) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      return resolve(`the request body is ${declared} bytes, over the limit of ${limit} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      resolve(`the request body is over the limit of ${limit} bytes`);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', () => resolve(undefined));
    req.on('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}

/** forwardHeaders copies the client's headers minus hop-by-hop ones; the body goes with a Content-Length. */
function forwardHeaders(h: IncomingHttpHeaders, contentLength: number | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const listed = connectionTokens(h.connection);
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !DROPPED.has(k) && !listed.has(k)) out[k] = v;
  if (contentLength !== undefined) out['content-length'] = contentLength;
  return out;
}

/** backwardHeaders copies a replica's response headers minus hop-by-hop ones (Node frames the body itself). */
function backwardHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const listed = connectionTokens(h.connection);
  for (const [k, v] of Object.entries(h)) if (v !== undefined && (k === 'content-length' || (!DROPPED.has(k) && !listed.has(k)))) out[k] = v;
  return out;
}

const NO_TOKENS: ReadonlySet<string> = new Set();

/** connectionTokens lists the headers a Connection header names (hop-by-hop too). */
function connectionTokens(v: string | undefined): ReadonlySet<string> {
  if (v === undefined || v === 'keep-alive' || v === 'close') return NO_TOKENS;
  return new Set(v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/** answerError sends `{"error": message}` for a request whose body may be unread (see answerUnread). */
function answerError(req: IncomingMessage, res: ServerResponse, status: number, message: string, extra: Readonly<Record<string, string>> = {}): void {
  answerUnread(req, res, status, { 'content-type': 'application/json', ...extra }, Buffer.from(JSON.stringify({ error: message }), 'utf8'));
}

function sendError(res: ServerResponse, status: number, message: string, extra: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  const json = Buffer.from(JSON.stringify({ error: message }), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': json.length, ...extra });
  res.end(json);
}
