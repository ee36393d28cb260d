/**
 * What every listening part of the reference stack shares (front ends, router, metrics, admin API): the client
 * timeouts, binding a server, hardening an HTTP/1.1 server against slow or broken clients, and counting requests
 * in flight so that closing waits for them up to a grace period.
 */
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** ServerTimeouts bound how long the stack's listeners wait on a client (docs/reference-server.md#timeouts). */
export interface ServerTimeouts {
  /** Longest an HTTP/1.1 client may take to send a request's line and headers, from its first byte (or its connection); then 408. */
  headersTimeoutMs: number;
  /** Longest silence while a request body arrives (HTTP/1.1, and streams of the gRPC router); then 408 / DEADLINE_EXCEEDED. 0 = none. */
  bodyTimeoutMs: number;
  /** Longest a connection stays open with no request on it (HTTP keep-alive, HTTP/2 sessions without streams). */
  idleTimeoutMs: number;
  /** Longest a replica's gRPC server waits for a unary request's whole message after its headers; then DEADLINE_EXCEEDED. 0 = none. */
  grpcReceiveTimeoutMs: number;
}

/** DEFAULT_TIMEOUTS are the timeouts every listener uses unless configured (`gauntlet serve` flags). */
export const DEFAULT_TIMEOUTS: Readonly<ServerTimeouts> = {
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  // Above common load-balancer idle timeouts (60 s), so the balancer, not the server, closes idle connections.
  idleTimeoutMs: 75_000,
  grpcReceiveTimeoutMs: 120_000,
};

/** DRAIN_BODY_TIMEOUT_MS is the body timeout once a server drains: a stalled upload must not hold the drain. */
export const DRAIN_BODY_TIMEOUT_MS = 1000;

/** Listening is a started server: its port and how to stop it. */
export interface Listening {
  port: number;
  close(): Promise<void>;
}

/**
 * LISTEN_BACKLOG is the listen backlog of the ports that take inference traffic (the HTTP front end and the
 * routers). Node listens with a backlog of 511: when an overloaded server accepts slower than clients connect (a
 * load generator opening hundreds of connections at the start of a spike), the kernel drops the SYNs past it, and
 * each dropped client waits for its SYN to be sent again, 1 s, then 3 s, then 7 s later; bench/overload.ts saw
 * hundreds of such drops per run and accepted requests taking 5 s. The kernel caps it at net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 4096;

/** bind starts `server` on host:port (port 0 = any free port), with Node's backlog unless one is given; rejects on a bind error such as EADDRINUSE. */
export async function bind(server: Server | Http2Server, host: string, port: number, backlog?: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ...(backlog !== undefined && { backlog }) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** listen hardens and binds an HTTP server and returns its port and a close() that also ends idle keep-alive connections. */
export async function listen(server: Server, host: string, port: number, timeouts?: Partial<ServerTimeouts>): Promise<Listening> {
  hardenHttpServer(server, timeouts);
  return {
    port: await bind(server, host, port),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * hardenHttpServer sets an HTTP/1.1 server up for inference traffic and against slow or broken clients (call it
 * before binding): the timeouts of `timeouts` (see ServerTimeouts), no total request timeout (a queued request
 * may take long, and a large body on a slow link must get through), Nagle off, and an answer instead of a
 * silently dropped socket for a request that is not HTTP (400), too large headers (431), headers that took too
 * long (408) and CONNECT (405). It returns the open sockets, for closing them after a grace period.
 */
export function hardenHttpServer(server: Server, timeouts?: Partial<ServerTimeouts>): Set<Socket> {
  const t = { ...DEFAULT_TIMEOUTS, ...timeouts };
  server.keepAliveTimeout = t.idleTimeoutMs;
  server.headersTimeout = t.headersTimeoutMs;
  server.requestTimeout = 0;
  // Node checks the headers timeout on this interval (30 s by default), read when the server starts listening.
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.max(10, Math.min(1000, Math.floor(t.headersTimeoutMs / 4)));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const [status, message] = clientErrorAnswer(err, t);
    if (socket.writable && err.code !== 'ECONNRESET') socket.end(rawResponse(status, message));
    else socket.destroy();
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(rawResponse(405, 'CONNECT is not supported: this is not a proxy', 'allow: GET, POST\r\n'));
  });
  const watches = new WeakMap<Socket, BodyWatch>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => watchBody(server, req, res, t.bodyTimeoutMs, watches));
  // Every socket timeout lands here: a body watch's tick, or Node's keep-alive timer (the connection is idle: close it).
  server.on('timeout', (socket: Socket) => {
    if (watches.get(socket)?.() !== true) socket.destroy();
  });
  return sockets;
}

function clientErrorAnswer(err: NodeJS.ErrnoException, t: ServerTimeouts): [number, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'the request line and headers are over the limit of 16 KiB'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'the chunk extensions are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, `the request headers did not arrive within ${t.headersTimeoutMs} ms (headers timeout)`];
    default:
      return [400, `malformed HTTP request: ${err.message}`];
  }
}

/** rawResponse is a whole HTTP/1.1 error response that closes the connection, for writing straight to a socket. */
function rawResponse(status: number, message: string, extraHeaders = ''): string {
  const json = JSON.stringify({ error: message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n${extraHeaders}\r\n${json}`;
}

/** BodyWatch handles one socket timeout of a request whose body is arriving; false when it is not its business. */
type BodyWatch = () => boolean;

/**
 * watchBody answers 408 and closes the connection when a request's body stops arriving: after `bodyTimeoutMs`
 * without a byte, or DRAIN_BODY_TIMEOUT_MS once the server stopped listening (a drain must not wait on a
 * stalled upload). It uses the socket's inactivity timer, ticking at most every DRAIN_BODY_TIMEOUT_MS and
 * counting silent ticks by the socket's bytes read. Once the body is complete the timer is switched off, so a
 * request the handler takes long to answer is never cut; once the response ended, the timer is Node's
 * keep-alive one again.
 */
function watchBody(server: Server, req: IncomingMessage, res: ServerResponse, bodyTimeoutMs: number, watches: WeakMap<Socket, BodyWatch>): void {
  if (req.complete || bodyTimeoutMs <= 0) return;
  const socket = req.socket;
  const tick = Math.min(bodyTimeoutMs, DRAIN_BODY_TIMEOUT_MS);
  let seen = socket.bytesRead;
  let silentMs = 0;
  const watch: BodyWatch = () => {
    if (res.writableEnded) {
      watches.delete(socket);
      return false;
    }
    if (req.complete) {
      watches.delete(socket);
      socket.setTimeout(0);
      return true;
    }
    silentMs = socket.bytesRead === seen ? silentMs + tick : tick;
    seen = socket.bytesRead;
    const draining = !server.listening;
    if (silentMs < bodyTimeoutMs && !draining) {
      socket.setTimeout(tick);
      return true;
    }
    watches.delete(socket);
    if (res.headersSent) return false;
    const why = draining ? `the server is shutting down and the request body stalled for ${silentMs} ms` : `the request body stalled: no data for ${silentMs} ms (body timeout)`;
    const json = JSON.stringify({ error: why });
    res.writeHead(408, { connection: 'close', 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json, () => socket.destroy());
    return true;
  };
  watches.set(socket, watch);
  socket.setTimeout(tick);
}

/** InFlight counts the requests a server is handling, so that closing can wait for them. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** enter counts one more request. */
  enter(): void {
    this.count++;
  }

  /** leave counts one request done. */
  leave(): void {
    if (--this.count > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** size is the number of requests in flight. */
  get size(): number {
    return this.count;
  }

  /** drained resolves when no request is in flight, or after graceMs, whichever comes first. */
  async drained(graceMs: number): Promise<void> {
    if (this.count === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => this.waiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}
